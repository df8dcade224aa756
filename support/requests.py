"""Support requests: the center asks, HQ assigns a supporter, the supporter advises,
the center closes the request with its outcome.

Each step is one transactional function that checks who may take it; a step that
is not allowed raises ``RequestError`` with a message for the user and changes nothing.
"""

import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.scoping import CHANGE, role_of

from .models import (
    CENTER_STAFF,
    HQ_VISITORS,
    RequestOutcome,
    RequestStatus,
    SupportRequest,
)

OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.ASSIGNED, RequestStatus.ADVISED)


class RequestError(Exception):
    """A request step that is not allowed; the message is for the user."""


def _locked(request: SupportRequest, user) -> SupportRequest:
    locked = (
        SupportRequest.objects.for_user(user, CHANGE)
        .select_for_update(of=("self",))
        .filter(pk=request.pk)
        .first()
    )
    if locked is None:
        raise RequestError(_("This request is outside your scope."))
    return locked


def _save(request: SupportRequest, user) -> None:
    request._history_user = user
    request.save()


@transaction.atomic
def request_support(*, user, center, title: str, description: str, topic=None) -> SupportRequest:
    if role_of(user) not in CENTER_STAFF or user.center_id != center.pk:
        raise RequestError(_("Only the center's own staff can ask HQ for support."))
    if not title.strip() or not description.strip():
        raise RequestError(_("Give the subject and what the center needs."))
    request = SupportRequest(
        center=center,
        title=title.strip(),
        description=description.strip(),
        topic=topic,
        requested_by=user,
    )
    _save(request, user)
    return request


def supporter_candidates(request: SupportRequest):
    """Active supporters, those who handled this topic before first, then the least busy."""
    from accounts.models import User, UserRole

    same_topic = (
        Q(support_requests__topic_id=request.topic_id) if request.topic_id else Q(pk__in=[])
    )
    return (
        User.objects.filter(role=UserRole.SUPPORTER, is_active=True)
        .select_related("person")
        .annotate(
            open_count=Count(
                "support_requests",
                filter=Q(
                    support_requests__status__in=[RequestStatus.ASSIGNED, RequestStatus.ADVISED]
                ),
            ),
            topic_count=Count("support_requests", filter=same_topic),
        )
        .order_by("-topic_count", "open_count", "username")
    )


@transaction.atomic
def assign_supporter(request: SupportRequest, *, user, supporter) -> SupportRequest:
    if role_of(user) not in HQ_VISITORS:
        raise RequestError(_("Only HQ assigns a supporter."))
    locked = _locked(request, user)
    if locked.status not in (RequestStatus.REQUESTED, RequestStatus.ASSIGNED):
        raise RequestError(
            _("A request that is “%(status)s” cannot be given another supporter.")
            % {"status": locked.get_status_display()}
        )
    if supporter is None or supporter.role != "supporter" or not supporter.is_active:
        raise RequestError(_("Choose an active supporter."))
    locked.supporter = supporter
    locked.assigned_by = user
    locked.assigned_on = datetime.date.today()
    locked.status = RequestStatus.ASSIGNED
    _save(locked, user)
    return locked


@transaction.atomic
def record_advice(request: SupportRequest, *, user, advice: str) -> SupportRequest:
    if role_of(user) != "supporter":
        raise RequestError(_("Only the assigned supporter records the advice."))
    locked = _locked(request, user)  # a supporter reaches only the requests assigned to it
    if locked.status not in (RequestStatus.ASSIGNED, RequestStatus.ADVISED):
        raise RequestError(
            _("A request that is “%(status)s” takes no advice.")
            % {"status": locked.get_status_display()}
        )
    if not advice.strip():
        raise RequestError(_("Write the advice."))
    locked.advice = advice.strip()
    locked.advised_on = datetime.date.today()
    locked.status = RequestStatus.ADVISED
    _save(locked, user)
    return locked


@transaction.atomic
def close_request(request: SupportRequest, *, user, outcome: str, note: str = "") -> SupportRequest:
    if role_of(user) not in CENTER_STAFF:
        raise RequestError(_("Only the center closes its request."))
    locked = _locked(request, user)
    if locked.status == RequestStatus.CLOSED:
        raise RequestError(_("This request is already closed."))
    if outcome not in RequestOutcome.values:
        raise RequestError(_("Choose the outcome."))
    if outcome != RequestOutcome.WITHDRAWN and locked.status != RequestStatus.ADVISED:
        raise RequestError(
            _(
                "The request can be closed with a result once the supporter has advised; until then it can only be withdrawn."
            )
        )
    locked.outcome = outcome
    locked.outcome_note = note.strip()
    locked.closed_on = datetime.date.today()
    locked.status = RequestStatus.CLOSED
    _save(locked, user)
    return locked
