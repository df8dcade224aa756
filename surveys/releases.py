"""When an answer starts to count in what staff see: once a day, never at once.

A response is written held back (``Response.released`` false). The first submission or
results read of a day (in ``settings.TIME_ZONE``, Asia/Tokyo) releases every response
held back, all of them sent on an earlier day, before anything else happens; closing a
campaign releases its own. So the figures and comments a center sees change at most
once a day (and at the close), from answers sent before today began, and no reload
right after a client has answered shows that answer.

The day of the last release is one row (``ReleaseDay``): the responses themselves carry
no time. A submission calls ``release_due`` in its own transaction before it writes, so
every response held back was sent on the day in that row.
"""

from django.db import transaction
from django.utils import timezone

from .models import ReleaseDay, Response

STATE = 1  # the primary key of the one row


def release_due() -> None:
    """Release the responses sent before today, once a day."""
    today = timezone.localdate()
    if ReleaseDay.objects.filter(pk=STATE, day__gte=today).exists():
        return
    with transaction.atomic():
        # The migration makes the row; a flushed test database may lack it. Then nothing
        # is known of the day the held-back responses were sent: keep them until tomorrow.
        state, created = ReleaseDay.objects.get_or_create(pk=STATE, defaults={"day": today})
        if created:
            return
        state = ReleaseDay.objects.select_for_update().get(pk=STATE)
        if state.day >= today:  # another process released while this one waited
            return
        Response.objects.filter(released=False).update(released=True)
        state.day = today
        state.save(update_fields=["day"])


def release_campaign(campaign) -> None:
    """At the close: no answer can follow, so the campaign's last ones count at once."""
    Response.objects.filter(campaign=campaign, released=False).update(released=True)
