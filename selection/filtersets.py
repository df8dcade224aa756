import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.scoping import scope_centers
from organizations.models import Center, Role

from .models import (
    AppointmentStatus,
    CoordinatorAppointment,
    RoundKind,
    RoundStatus,
    SelectionRound,
    Term,
)


class CenterInScopeMixin:
    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["center"].queryset = scope_centers(user).order_by("code")


class RoundFilterSet(CenterInScopeMixin, django_filters.FilterSet):
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=RoundKind.choices, label=_("Kind"))

    class Meta:
        model = SelectionRound
        fields = []


class TermFilterSet(CenterInScopeMixin, django_filters.FilterSet):
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))
    role = django_filters.ChoiceFilter(
        choices=[(r.value, r.label) for r in (Role.CHIEF_COORDINATOR, Role.COORDINATOR)],
        label=_("Role"),
    )
    ends_by = django_filters.DateFilter(
        field_name="end_date",
        lookup_expr="lte",
        label=_("Ends by"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    current = django_filters.BooleanFilter(
        method="filter_current", label=_("Current only"), widget=forms.CheckboxInput
    )

    class Meta:
        model = Term
        fields = []

    def filter_current(self, queryset, name, value):
        if value:
            return queryset.current(datetime.date.today())
        return queryset


class AppointmentFilterSet(CenterInScopeMixin, django_filters.FilterSet):
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))
    status = django_filters.ChoiceFilter(choices=AppointmentStatus.choices, label=_("Status"))

    class Meta:
        model = CoordinatorAppointment
        fields = []
