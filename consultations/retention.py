"""Retention of client identity: a client without a session for the years the Agency
sets (``accounts.SecurityPolicy.client_retention_years``, default 10) loses its name,
contacts and corporate number; its pseudonym stays (``Client.pseudonym`` is derived
from its key), and so do its sessions, cases and every indicator counted from them.

The audit history keeps old values (django-simple-history), so the same fields are
removed from every history row of the client, and the e-mail address copied to survey
recipients too. Run daily by ``manage.py run_daily`` (``pseudonymise_clients`` alone,
``--dry-run`` to count first); each run is recorded as a security event.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from .models import Client, Consultation, normalize_name

BATCH = 2000
# The identity fields: (name, value once removed). The business name becomes the pseudonym.
REMOVED = {
    "corporate_number": "",
    "contact_name": "",
    "phone": "",
    "email": "",
    "municipality": "",
}


def retention_years() -> int:
    from accounts.models import SecurityPolicy

    return SecurityPolicy.current().client_retention_years


def cutoff(today: datetime.date | None = None, years: int | None = None) -> datetime.date:
    """Clients with no session on or after this day (and registered before it) are due."""
    today = today or timezone.localdate()
    years = years or retention_years()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def due(before: datetime.date):
    """Clients whose identity is still kept and whose last session (or registration, for
    a client never seen) is before ``before``."""
    recent = Consultation.objects.filter(client=OuterRef("pk"), date__gte=before)
    registered_before = timezone.make_aware(datetime.datetime.combine(before, datetime.time()))
    return Client.objects.filter(
        pseudonymised_at__isnull=True, created_at__lt=registered_before
    ).exclude(Exists(recent))


@dataclass
class RetentionResult:
    before: datetime.date
    clients: int
    history_rows: int
    recipients: int
    dry_run: bool


def pseudonymise(*, today=None, dry_run: bool = False) -> RetentionResult:
    """Remove the identity of every client past the limit, in batches (each one
    transaction); with ``dry_run`` only count."""
    from surveys.models import Recipient

    before = cutoff(today)
    pks = list(due(before).order_by("pk").values_list("pk", flat=True))
    history = Client.history.model
    if dry_run:
        return RetentionResult(
            before,
            len(pks),
            history.objects.filter(id__in=pks).count(),
            Recipient.objects.filter(client_id__in=pks).exclude(email="").count(),
            True,
        )
    now = timezone.now()
    history_rows = recipients = 0
    for start in range(0, len(pks), BATCH):
        batch = pks[start : start + BATCH]
        with transaction.atomic():
            clients = list(Client.objects.select_for_update().filter(pk__in=batch))
            for client in clients:
                client.business_name = client.pseudonym
                client.name_key = normalize_name(client.business_name)
                client.phone_key = ""
                client.pseudonymised_at = now
                for name, value in REMOVED.items():
                    setattr(client, name, value)
            Client.objects.bulk_update(
                clients,
                ["business_name", "name_key", "phone_key", "pseudonymised_at", *REMOVED],
                batch_size=BATCH,
            )
            current_name = Client.objects.filter(pk=OuterRef("id")).values("business_name")
            history_rows += history.objects.filter(id__in=batch).update(
                business_name=Subquery(current_name[:1]), **REMOVED
            )
            recipients += (
                Recipient.objects.filter(client_id__in=batch).exclude(email="").update(email="")
            )
    if pks:
        _record(len(pks), before)
    return RetentionResult(before, len(pks), history_rows, recipients, False)


def _record(count: int, before: datetime.date) -> None:
    from accounts.models import SecurityEvent, SecurityEventKind

    SecurityEvent.objects.create(
        kind=SecurityEventKind.CLIENTS_PSEUDONYMISED,
        username="(retention)",
        detail=f"{count} clients without a session since {before:%Y-%m-%d}",
    )
