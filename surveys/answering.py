"""Answering through a link: what state a link is in, and the one-time submission.

The submission writes a ``Response`` that names the campaign, center and version only,
and marks the recipient as answered with a conditional UPDATE, so that two submissions
racing each other cannot both count.
"""

import re
from dataclasses import dataclass

from django.db import transaction

from .campaigns import token_hash
from .models import Answer, Link, QuestionKind, Recipient, Response

# What secrets.token_urlsafe(32) produces; anything else is not looked up at all.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")

VALID, UNKNOWN, USED, EXPIRED = "valid", "unknown", "used", "expired"


class LinkError(Exception):
    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


@dataclass
class OpenedLink:
    state: str
    recipient: Recipient | None = None

    @property
    def campaign(self):
        return self.recipient.campaign if self.recipient else None


def open_link(token: str) -> OpenedLink:
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return OpenedLink(UNKNOWN)
    link = (
        Link.objects.select_related("recipient__campaign__version__template", "recipient__center")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        return OpenedLink(UNKNOWN)
    recipient = link.recipient
    if recipient.answered:
        return OpenedLink(USED, recipient)
    if not recipient.campaign.accepts_answers():
        return OpenedLink(EXPIRED, recipient)
    return OpenedLink(VALID, recipient)


@transaction.atomic
def submit(token: str, values: dict) -> Response:
    """Record the answers (``{question: value}`` as the answer form cleans them) once."""
    opened = open_link(token)
    if opened.state != VALID:
        raise LinkError(opened.state)
    recipient = opened.recipient
    if not Recipient.objects.filter(pk=recipient.pk, answered=False).update(answered=True):
        raise LinkError(USED)
    campaign = recipient.campaign
    response = Response.objects.create(
        campaign=campaign, center_id=recipient.center_id, version=campaign.version
    )
    answers = []
    for question, value in values.items():
        if value in (None, "", []):
            continue
        if question.kind == QuestionKind.TEXT:
            answers.append(Answer(response=response, question=question, text=value))
        elif question.kind == QuestionKind.MULTIPLE:
            answers += [Answer(response=response, question=question, value=v) for v in value]
        else:
            answers.append(Answer(response=response, question=question, value=value))
    Answer.objects.bulk_create(answers)
    return response
