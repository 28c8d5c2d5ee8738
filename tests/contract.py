"""What Conduit adds to the RealWorld objects and queries: the contract tests accept these
beside the RealWorld fields, and nothing else."""

OUR_ARTICLE_FIELDS = {"published", "publishedAt", "readingMinutes", "viewsCount"}
OUR_USER_FIELDS = {"emailVerified", "notifyOnFollow", "notifyOnComment"}
OUR_FIELDS = {"Article": OUR_ARTICLE_FIELDS, "User": OUR_USER_FIELDS}
OUR_LIST_QUERY = {"drafts", "q"}
