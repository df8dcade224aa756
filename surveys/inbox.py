"""What surveys hand to people: an open campaign closing soon with a low response rate."""

import datetime

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core import roles
from core.home import InboxKind, register_kind

from .models import Campaign, CampaignStatus, Recipient, Response

# A campaign closing within this many days with fewer answers than this share is flagged.
CLOSING_DAYS = 7
LOW_RATE_PERCENT = 30


def _count(model, **lookups):
    rows = model.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), 0)


def low_response(user, today):
    """Open campaigns in scope closing within ``CLOSING_DAYS`` below ``LOW_RATE_PERCENT``."""
    return (
        Campaign.objects.for_user(user)
        .filter(status=CampaignStatus.OPEN, closes_on__lte=today + datetime.timedelta(CLOSING_DAYS))
        .annotate(invited=_count(Recipient), answered=_count(Response))
        .filter(invited__gt=0, answered__lt=F("invited") * LOW_RATE_PERCENT / 100.0)
    )


register_kind(
    InboxKind(
        "surveys.low_response",
        _("Survey closing with few answers"),
        _("Remind"),
        roles.CENTER | roles.HQ,
        low_response,
        lambda campaign: campaign.get_absolute_url(),
        title=lambda c: f"{c.center.name if c.center_id else ''} {c.name}".strip(),
        due_field="closes_on",
        related=("center",),
        order=50,
    )
)
