"""What clients send to comment, and what they get back."""

from marshmallow import fields

from app.users.schemas import ProfileOut
from app.web.schemas import BaseSchema, Timestamp, text


class CommentCreate(BaseSchema):
    body = text(max_length=10_000, required=True)


class CommentOut(BaseSchema):
    id = fields.Integer()
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")
    body = fields.String()
    author = fields.Nested(ProfileOut)


class CommentListOut(BaseSchema):
    comments = fields.List(fields.Nested(CommentOut))
