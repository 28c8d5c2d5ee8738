"""What clients send to comment, and what they get back."""

from marshmallow import fields

from app.users.schemas import ProfileOut
from app.web.schemas import BaseSchema, Timestamp, text


class CommentCreate(BaseSchema):
    body = text(max_length=10_000, required=True)


class CommentUpdate(CommentCreate):
    """An edit replaces the body, the one thing about a comment its author may change."""


class CommentOut(BaseSchema):
    id = fields.Integer()
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")
    body = fields.String()
    edited = fields.Boolean(
        metadata={"description": "Whether the body was changed after the comment was posted"}
    )
    author = fields.Nested(ProfileOut)


class CommentListOut(BaseSchema):
    comments = fields.List(fields.Nested(CommentOut))
