"""Follow-up requests: 6 and 12 months after a case is solved, the client gets a
single-use link (the survey mechanism's tokens: ``surveys.campaigns.new_token`` and
``token_hash``) and reports their figures, which become an impact record. The client
reports on purpose and by name, so the survey's anonymity rules do not apply; the page
says so.

``manage.py impact_follow_ups --base-url https://…`` sends what is due: run it once a day
(cron or a systemd timer, beside ``run_daily``; the links need the public address).
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import Case, CaseStatus
from surveys.campaigns import new_token, token_hash

from .models import FollowUpRequest, ImpactPoint, ImpactRecord, ImpactSource

logger = logging.getLogger(__name__)
MONTHS = (6, 12)


def months_later(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):  # 31 August + 6 months: the end of February
        try:
            return datetime.date(year, month + 1, last)
        except ValueError:
            continue
    raise AssertionError(day)


def due(today: datetime.date) -> list[tuple[Case, int]]:
    """(case, months) whose request is due and not sent: the client gave an e-mail."""
    found = []
    for months in MONTHS:
        # Solved on or before the day ``months`` ago (a month is at most 31 days).
        latest = today - datetime.timedelta(days=months * 28)
        cases = (
            Case.objects.filter(status=CaseStatus.SOLVED, resolved_on__lte=latest)
            .exclude(client__email="")
            .exclude(impact_requests__months=months)
            .select_related("client", "center")
        )
        # Not a request a year late: only up to two months past its day.
        earliest = today - datetime.timedelta(days=months * 31 + 62)
        for case in cases.filter(Q(resolved_on__gte=earliest)):
            if months_later(case.resolved_on, months) <= today:
                found.append((case, months))
    return found


def send_due(*, today: datetime.date, base_url: str, dry_run: bool = False) -> int:
    pairs = due(today)
    if dry_run:
        return len(pairs)
    for case, months in pairs:
        token = new_token()
        with transaction.atomic():
            FollowUpRequest.objects.create(
                case=case, center=case.center, months=months, token_hash=token_hash(token)
            )
            link = base_url.rstrip("/") + reverse("casestudies:follow_up", args=[token])
            message = _(
                "%(center)s asks how your business has changed since the consultation "
                "(%(months)s months ago). Please report your figures here: %(link)s\n"
                "This is not an anonymous survey: your answer is recorded for your business."
            ) % {"center": case.center.name, "months": months, "link": link}
            address = case.client.email
            transaction.on_commit(
                lambda a=address, m=message: send_mail(
                    _("Follow-up from the Yorozu Support Center"),
                    m,
                    settings.DEFAULT_FROM_EMAIL,
                    [a],
                )
            )
    return len(pairs)


def open_request(token: str) -> FollowUpRequest | None:
    """The unanswered request of ``token`` (None: unknown or already used)."""
    if not token or len(token) > 100:
        return None
    return (
        FollowUpRequest.objects.filter(token_hash=token_hash(token), answered_at__isnull=True)
        .select_related("case__client", "center")
        .first()
    )


def answer(token: str, figures: dict) -> ImpactRecord | None:
    """Write the client's figures once: a conditional UPDATE claims the link, so two
    submissions racing each other cannot both count. None: the link was used already."""
    with transaction.atomic():
        request = open_request(token)
        if request is None:
            return None
        claimed = FollowUpRequest.objects.filter(pk=request.pk, answered_at__isnull=True).update(
            answered_at=timezone.now()
        )
        if not claimed:
            return None
        record = ImpactRecord.objects.create(
            client=request.case.client,
            center=request.center,
            point=ImpactPoint.FOLLOW_UP,
            source=ImpactSource.SURVEY,
            **figures,
        )
        FollowUpRequest.objects.filter(pk=request.pk).update(record=record)
    return record
