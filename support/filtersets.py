"""One FilterSet per list; each serves the list page and its export alike."""

import datetime

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User, UserRole
from consultations.filtersets import DateInput, FiscalYearFilter, ScopedFilterSet
from consultations.models import Topic
from organizations.models import Bureau, Center, TrainingBlock

from .models import (
    OPEN_FOLLOW_UP,
    EscalationLevel,
    FollowUp,
    FollowUpStatus,
    RequestStatus,
    SupportRequest,
    TrainingEvent,
    TrainingKind,
    Visit,
)


class VisitFilterSet(ScopedFilterSet):
    fy = FiscalYearFilter(field_name="date", label=_("Fiscal year"))
    # Up to a day: the visits a visit plan counts as held by then.
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("To"), widget=DateInput()
    )
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))
    bureau = django_filters.ModelChoiceFilter(
        queryset=Bureau.objects.all(), field_name="center__prefecture__bureau", label=_("Bureau")
    )
    level = django_filters.ChoiceFilter(
        choices=EscalationLevel.choices,
        field_name="escalation_level",
        label=_("Escalation level at the visit"),
    )
    expert = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(role=UserRole.HQ_EXPERT),
        field_name="experts",
        label=_("HQ expert"),
    )

    class Meta:
        model = Visit
        fields = []


class FollowUpState:
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    ALL = "all"
    choices = [
        (OPEN, _("Not done")),
        (OVERDUE, _("Overdue")),
        (DONE, _("Done")),
        (ALL, _("All")),
    ]


class FollowUpFilterSet(ScopedFilterSet):
    center = django_filters.ModelChoiceFilter(
        queryset=Center.objects.none(), field_name="visit__center", label=_("Center")
    )
    state = django_filters.ChoiceFilter(
        choices=FollowUpState.choices, method="filter_state", label=_("Status"), empty_label=None
    )

    class Meta:
        model = FollowUp
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", FollowUpState.OPEN)
        super().__init__(data, *args, **kwargs)

    def filter_state(self, queryset, name, value):
        if value == FollowUpState.OPEN:
            return queryset.filter(status__in=OPEN_FOLLOW_UP)
        if value == FollowUpState.OVERDUE:
            return queryset.filter(status__in=OPEN_FOLLOW_UP, due_date__lt=datetime.date.today())
        if value == FollowUpState.DONE:
            return queryset.filter(status=FollowUpStatus.DONE)
        return queryset


class SupportRequestFilterSet(ScopedFilterSet):
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices, label=_("Status"))
    topic = django_filters.ModelChoiceFilter(queryset=Topic.objects.all(), label=_("Topic"))
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))

    class Meta:
        model = SupportRequest
        fields = []

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | Q(advice__icontains=value)
        )


class TrainingEventFilterSet(ScopedFilterSet):
    fy = FiscalYearFilter(field_name="start_date", label=_("Fiscal year"))
    kind = django_filters.ChoiceFilter(choices=TrainingKind.choices, label=_("Kind"))
    block = django_filters.ModelChoiceFilter(
        queryset=TrainingBlock.objects.all(), label=_("Training block")
    )

    class Meta:
        model = TrainingEvent
        fields = []
