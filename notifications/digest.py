"""The daily mail: each user's digest of notifications and reminders of what falls due.

One mail per user at most: a "digest" user's notifications not yet mailed, and, for anyone
who keeps reminders on, the inbox items due within the days the Agency set on the current
fiscal year (``FiscalYear.reminder_days``). Notifications of "immediately" users whose mail
failed earlier go out here too. Nobody with e-mail "none" is mailed.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import home

from .models import EmailMode, Notification, Preference
from .notify import absolute, send_now

logger = logging.getLogger(__name__)

DEFAULT_REMINDER_DAYS = 3


def reminder_days(today: datetime.date) -> int:
    from planning.models import FiscalYear

    year = FiscalYear.current(today)
    return year.reminder_days if year else DEFAULT_REMINDER_DAYS


def due_soon(user, today: datetime.date, days: int) -> list:
    """The user's inbox items that are overdue or due within ``days``."""
    limit = today + datetime.timedelta(days=days)
    return [
        item
        for item in home.items(home.inbox(user, today=today, limit=50))
        if item.due is not None and item.due <= limit
    ]


@dataclass
class Report:
    mails: int = 0
    notifications: int = 0
    reminders: int = 0
    retried: int = 0
    failed: list = field(default_factory=list)

    def __str__(self):
        return (
            f"{self.mails} mails ({self.notifications} notifications, {self.reminders} "
            f"reminders), {self.retried} immediate mails sent again, {len(self.failed)} failed"
        )


def run(today: datetime.date | None = None, *, dry_run: bool = False) -> Report:
    today = today or timezone.localdate()
    report = Report()
    days = reminder_days(today)
    modes = dict(Preference.objects.values_list("user_id", "email"))
    wants_reminders = dict(Preference.objects.values_list("user_id", "reminders"))
    pending = Notification.objects.filter(emailed_at=None, read_at=None)
    if not dry_run:
        # Immediate mails that failed before: once more, one by one.
        immediate = pending.exclude(
            user_id__in=[pk for pk, mode in modes.items() if mode != EmailMode.IMMEDIATE]
        )
        report.retried = send_now(list(immediate.values_list("pk", flat=True)))
    users = get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk")
    for user in users:
        mode = modes.get(user.pk, EmailMode.IMMEDIATE)
        if mode == EmailMode.NONE:
            continue
        notes = list(pending.filter(user=user)) if mode == EmailMode.DIGEST else []
        reminders = due_soon(user, today, days) if wants_reminders.get(user.pk, True) else []
        if not notes and not reminders:
            continue
        report.notifications += len(notes)
        report.reminders += len(reminders)
        if dry_run:
            report.mails += 1
            continue
        try:
            _mail(user, notes, reminders, today)
        except Exception:  # the others still get theirs; these stay unsent for tomorrow
            logger.exception("daily mail to user %s not sent", user.pk)
            report.failed.append(user.pk)
            continue
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=timezone.now())
        report.mails += 1
    return report


def _mail(user, notes, reminders, today) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        lines = []
        if reminders:
            lines.append(_("Due soon or overdue in your inbox:"))
            for item in reminders:
                flag = _("OVERDUE") if item.overdue else ""
                lines.append(
                    f"- {item.due:%Y-%m-%d} {flag} {item.kind.label}: {item.title} "
                    f"{absolute(item.url)}".replace("  ", " ")
                )
            lines.append("")
        if notes:
            lines.append(_("What happened since your last digest:"))
            for note in notes:
                lines.append(f"- {note.title} {absolute(note.url)}".rstrip())
                if note.detail:
                    lines.append(f"  {note.detail}")
            lines.append("")
        lines.append(_("Your inbox: %(url)s") % {"url": absolute("/inbox/")})
        subject = _("[Yorozu] Your day: %(date)s") % {"date": f"{today:%Y-%m-%d}"}
    send_mail(subject, "\n".join(lines), None, [user.email])
