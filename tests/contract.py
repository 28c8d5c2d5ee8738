"""What Conduit adds to the RealWorld objects and queries: the contract tests accept these
beside the RealWorld fields, and nothing else."""

OUR_ARTICLE_FIELDS = {"published", "publishedAt", "readingMinutes", "viewsCount"}
OUR_COMMENT_FIELDS = {"edited"}
OUR_USER_FIELDS = {"emailVerified", "notifyOnFollow", "notifyOnComment"}
OUR_FIELDS = {
    "Article": OUR_ARTICLE_FIELDS,
    "Comment": OUR_COMMENT_FIELDS,
    "User": OUR_USER_FIELDS,
}
OUR_LIST_QUERY = {"drafts", "q"}
# What the API gives as the image of a user without one (the test client's host).
DEFAULT_AVATAR_URL = "http://localhost/static/img/avatar.svg"
