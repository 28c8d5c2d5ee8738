"""What clients send to write and list articles, and what they get back."""

from marshmallow import ValidationError, fields, post_load, validate

from app.users.schemas import ProfileOut
from app.web.schemas import BaseSchema, String, Timestamp, TrimmedString, text

TAG_MAX_LENGTH = 40
TAGS_MAX_COUNT = 20
LIMIT_DEFAULT = 20
LIMIT_MAX = 100
OFFSET_MAX = 2**63 - 1  # PostgreSQL's OFFSET is a bigint; past it the query fails
SEARCH_MAX_LENGTH = 200


class TagList(fields.List):
    """Tags trimmed, blanks dropped, duplicates collapsed, sorted alphabetically."""

    def __init__(self, **kwargs):
        super().__init__(
            TrimmedString(
                allow_blank=True,
                validate=validate.Length(
                    max=TAG_MAX_LENGTH,
                    error=f"is too long (maximum is {TAG_MAX_LENGTH} characters)",
                ),
                error_messages={
                    "invalid": "must be a string",
                    "null": "must be a string",
                },
            ),
            error_messages={
                "invalid": "must be a list of strings",
                "null": "must be a list of strings",
            },
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        names = set(super()._deserialize(value, attr, data, **kwargs))
        names.discard("")
        if len(names) > TAGS_MAX_COUNT:
            raise ValidationError(f"may hold at most {TAGS_MAX_COUNT} tags")
        return sorted(names)


def published_field(**kwargs) -> fields.Boolean:
    """A JSON true or false, nothing that merely looks like one ("yes", 1)."""
    return fields.Boolean(
        truthy={True},
        falsy={False},
        error_messages={"invalid": "must be true or false", "null": "must be true or false"},
        **kwargs,
    )


BODY_MAX_LENGTH = 100_000


class ArticleCreate(BaseSchema):
    """An article; `published` is our addition: false saves a draft."""

    title = text(max_length=200, required=True)
    description = text(max_length=1000, required=True)
    body = text(max_length=BODY_MAX_LENGTH, required=True)
    tag_list = TagList(data_key="tagList", load_default=list)
    published = published_field(load_default=True)


class ArticleUpdate(BaseSchema):
    """Any subset of the fields. Our additions: tagList replaces the tags when sent;
    published publishes a draft, or makes a published article a draft again."""

    title = text(max_length=200)
    description = text(max_length=1000)
    body = text(max_length=BODY_MAX_LENGTH)
    tag_list = TagList(data_key="tagList")
    published = published_field()


class ArticlePreview(BaseSchema):
    """The editor's body, rendered but not saved: as long as an article's may be."""

    body = text(max_length=BODY_MAX_LENGTH, allow_blank=True, load_default="")


class PageQuery(BaseSchema):
    """A page of a list: limit (capped) and offset."""

    limit = fields.Integer(
        load_default=LIMIT_DEFAULT,
        validate=validate.Range(min=1, error="must be a positive integer"),
        error_messages={"invalid": "must be a positive integer"},
    )
    offset = fields.Integer(
        load_default=0,
        validate=[
            validate.Range(min=0, error="must be a non-negative integer"),
            validate.Range(max=OFFSET_MAX, error="is too large"),
        ],
        error_messages={"invalid": "must be a non-negative integer"},
    )

    @post_load
    def cap_limit(self, data: dict, **_kwargs) -> dict:
        data["limit"] = min(data["limit"], LIMIT_MAX)
        return data


class ArticleQuery(PageQuery):
    """The list's filters, which combine, and a page. Our additions: q searches the
    articles' text; drafts lists the signed-in author's drafts instead of published ones."""

    tag = String()
    author = String()
    favorited = String(attribute="favorited_by")
    q = text(max_length=SEARCH_MAX_LENGTH, allow_blank=True)
    drafts = fields.Boolean(
        load_default=False,
        truthy={"true", "1"},
        falsy={"false", "0"},
        error_messages={"invalid": "must be true or false"},
    )


class ArticleSummaryOut(BaseSchema):
    """An article in a list: everything but the body."""

    slug = fields.String()
    title = fields.String()
    description = fields.String()
    tag_list = fields.List(fields.String(), data_key="tagList")
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")
    published = fields.Boolean()
    published_at = Timestamp(data_key="publishedAt", allow_none=True)
    reading_minutes = fields.Integer(data_key="readingMinutes")
    views_count = fields.Integer(data_key="viewsCount")
    favorited = fields.Boolean()
    favorites_count = fields.Integer(data_key="favoritesCount")
    author = fields.Nested(ProfileOut)


class ArticleOut(ArticleSummaryOut):
    body = fields.String()


class ArticleListOut(BaseSchema):
    """A page of a list, and how many articles the whole list holds."""

    articles = fields.List(fields.Nested(ArticleSummaryOut))
    count = fields.Integer(data_key="articlesCount")


class ArticleFoundOut(ArticleSummaryOut):
    """An article a search found: a list item with a snippet of its body, the matched
    words in <mark> elements, the rest escaped HTML text."""

    snippet = fields.String()


class ArticleSearchOut(BaseSchema):
    """A page of what a search found, best match first, and how many it found."""

    articles = fields.List(fields.Nested(ArticleFoundOut))
    count = fields.Integer(data_key="articlesCount")


class TagListOut(BaseSchema):
    tags = fields.List(fields.String())
