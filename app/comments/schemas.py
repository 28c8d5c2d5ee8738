"""What clients send to comment, and what they get back."""

from marshmallow import fields

from app.schemas import BaseSchema, Timestamp, text
from app.users.schemas import ProfileOut


class CommentCreate(BaseSchema):
    body = text(max_length=10_000, required=True)


class CommentOut(BaseSchema):
    id = fields.Integer(attribute="comment.id")
    created_at = Timestamp(attribute="comment.created_at", data_key="createdAt")
    updated_at = Timestamp(attribute="comment.updated_at", data_key="updatedAt")
    body = fields.String(attribute="comment.body")
    author = fields.Nested(ProfileOut)
