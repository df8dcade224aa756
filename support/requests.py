"""Support requests: the center asks, HQ assigns a supporter, the supporter advises,
the center closes the request with its outcome.

The steps are declared once (``REQUEST``) and taken through ``core.workflow``; a step
that is not allowed raises ``StepRefused`` with a message for the user and changes nothing.
"""

import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.scoping import users_for_center
from core.workflow import Step, StepRefused, Workflow, register

from .models import RequestOutcome, RequestStatus, SupportRequest

OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.ASSIGNED, RequestStatus.ADVISED)


def _hq_of(request) -> list:
    return users_for_center(request.center, roles.HQ)


def _center_of(request) -> list:
    return users_for_center(request.center, roles.CENTER_STAFF)


def _supporter_of(request) -> list:
    return [request.supporter] if request.supporter_id else []


REQUEST = register(
    Workflow(
        name="support.request",
        label=gettext_lazy("Support request"),
        model=SupportRequest,
        states=RequestStatus.choices,
        steps=[
            Step(
                "request",
                gettext_lazy("Ask HQ for support"),
                frozenset(),
                RequestStatus.REQUESTED,
                roles.CENTER_STAFF,
                notify=_hq_of,
            ),
            Step(
                "assign",
                gettext_lazy("Assign a supporter"),
                frozenset({RequestStatus.REQUESTED, RequestStatus.ASSIGNED}),
                RequestStatus.ASSIGNED,
                roles.HQ,
                notify=lambda request: [*_supporter_of(request), *_center_of(request)],
                done=gettext_lazy("Supporter assigned."),
            ),
            Step(
                "advise",
                gettext_lazy("Record the advice"),
                frozenset({RequestStatus.ASSIGNED, RequestStatus.ADVISED}),
                RequestStatus.ADVISED,
                roles.SUPPORTERS,
                notify=_center_of,
                done=gettext_lazy("Advice recorded."),
            ),
            Step(
                "close",
                gettext_lazy("Close the request"),
                frozenset(OPEN_STATUSES),
                RequestStatus.CLOSED,
                roles.CENTER_STAFF,
                notify=lambda request: [*_supporter_of(request), *_hq_of(request)],
                done=gettext_lazy("Request closed."),
            ),
        ],
    )
)


@transaction.atomic
def request_support(*, user, center, title: str, description: str, topic=None) -> SupportRequest:
    REQUEST.check_role("request", user)
    if user.center_id != center.pk:
        raise StepRefused(_("Only the center's own staff can ask HQ for support."))
    if not title.strip() or not description.strip():
        raise StepRefused(_("Give the subject and what the center needs."))
    request = SupportRequest(
        center=center,
        title=title.strip(),
        description=description.strip(),
        topic=topic,
        requested_by=user,
    )
    REQUEST.created(request, "request", user=user)
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


def assign_supporter(request: SupportRequest, *, user, supporter) -> SupportRequest:
    with REQUEST.taking(request, "assign", user=user) as taken:
        if supporter is None or supporter.role not in roles.SUPPORTERS or not supporter.is_active:
            raise StepRefused(_("Choose an active supporter."))
        locked = taken.obj
        locked.supporter = supporter
        locked.assigned_by = user
        locked.assigned_on = datetime.date.today()
        taken.note = str(supporter)
    return locked


def record_advice(request: SupportRequest, *, user, advice: str) -> SupportRequest:
    # A supporter reaches only the requests assigned to it (its scope).
    with REQUEST.taking(request, "advise", user=user) as taken:
        if not advice.strip():
            raise StepRefused(_("Write the advice."))
        locked = taken.obj
        locked.advice = advice.strip()
        locked.advised_on = datetime.date.today()
    return locked


def close_request(request: SupportRequest, *, user, outcome: str, note: str = "") -> SupportRequest:
    with REQUEST.taking(request, "close", user=user) as taken:
        if outcome not in RequestOutcome.values:
            raise StepRefused(_("Choose the outcome."))
        if outcome != RequestOutcome.WITHDRAWN and taken.source != RequestStatus.ADVISED:
            raise StepRefused(
                _(
                    "The request can be closed with a result once the supporter has advised; until then it can only be withdrawn."
                )
            )
        locked = taken.obj
        locked.outcome = outcome
        locked.outcome_note = note.strip()
        locked.closed_on = datetime.date.today()
        taken.note = note.strip()
    return locked
