"""What readers send to report an item and get back, and what moderators' forms send."""

from marshmallow import Schema, fields, validate

from app.moderation.models import REASON_MAX_LENGTH, Action
from app.web.schemas import BaseSchema, Timestamp, text


def reason_field():
    return text(max_length=REASON_MAX_LENGTH, required=True)


class ReportCreate(BaseSchema):
    reason = reason_field()


class ReportOut(BaseSchema):
    id = fields.Integer()
    reason = fields.String()
    created_at = Timestamp(data_key="createdAt")
    article = fields.String(attribute="article.slug")
    comment_id = fields.Integer(data_key="commentId", allow_none=True)


def action_form(*actions: Action) -> Schema:
    """Return the schema of a moderator's form: one of these actions, and why."""
    choices = [str(action) for action in actions]
    return BaseSchema.from_dict(
        {
            "action": fields.String(
                required=True,
                validate=validate.OneOf(choices, error="choose one of: " + ", ".join(choices)),
                error_messages={"required": "must be chosen"},
            ),
            "reason": reason_field(),
        },
        name="ModerationForm",
    )()
