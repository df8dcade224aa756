"""Answering through a link: what state a link is in, and the submission.

A link's state depends on its token and its campaign only, never on whether its
recipient has answered: every link of an open campaign opens the questionnaire, so that
whoever holds a link (the center printed it) cannot learn from it whether the recipient
answered. The first answer sent for a recipient is the one counted: the submission
marks the recipient as answered with a conditional UPDATE (two submissions racing each
other cannot both count) and writes a ``Response`` that names the campaign, center and
version only; a later one is not counted, and the pages say so to everyone alike
(``surveys/public/answer.html`` before, ``thanks.html`` after), so that nobody is told
that an answer was counted when it was not.
"""

import re
from dataclasses import dataclass

from django.db import transaction

from .campaigns import token_hash
from .models import Answer, Link, QuestionKind, Recipient, Response
from .releases import release_due

# What secrets.token_urlsafe(32) produces; anything else is not looked up at all.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")

VALID, UNKNOWN, EXPIRED = "valid", "unknown", "expired"


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
    if not recipient.campaign.accepts_answers():
        return OpenedLink(EXPIRED, recipient)
    return OpenedLink(VALID, recipient)


@transaction.atomic
def submit(token: str, values: dict) -> Response | None:
    """Record the answers (``{question: value}`` as the answer form cleans them) if they
    are the first sent for the link's recipient; None when they are not counted. The
    caller shows the same page either way."""
    opened = open_link(token)
    if opened.state != VALID:
        raise LinkError(opened.state)
    recipient = opened.recipient
    release_due()  # before the write: what is held back was all sent today
    if not Recipient.objects.filter(pk=recipient.pk, answered=False).update(answered=True):
        return None
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
