import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.scoping import scope_centers

from .models import (
    Bureau,
    Center,
    Person,
    Prefecture,
    Qualification,
    Role,
    SupportInstitution,
    SupportInstitutionType,
    active_on,
)


class StatusChoices:
    CURRENT = "current"
    FORMER = "former"
    ALL = "all"
    choices = [(CURRENT, _("Current")), (FORMER, _("Former")), (ALL, _("All"))]


class PersonFilterSet(django_filters.FilterSet):
    """One filter set for the staff list page and its export."""

    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    bureau = django_filters.ModelChoiceFilter(
        queryset=Bureau.objects.all(), method="filter_bureau", label=_("Bureau")
    )
    center = django_filters.ModelChoiceFilter(
        queryset=Center.objects.none(), method="filter_center", label=_("Center")
    )
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role", label=_("Role"))
    qualification = django_filters.ModelChoiceFilter(
        queryset=Qualification.objects.all(), field_name="qualifications", label=_("Qualification")
    )
    status = django_filters.ChoiceFilter(
        choices=StatusChoices.choices,
        method="filter_status",
        label=_("Status"),
        empty_label=None,
    )

    class Meta:
        model = Person
        fields = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", StatusChoices.CURRENT)
        super().__init__(data, *args, **kwargs)
        centers = scope_centers(user)
        self.filters["center"].queryset = centers.select_related("prefecture")
        self.filters["bureau"].queryset = Bureau.objects.filter(
            pk__in=centers.values("prefecture__bureau")
        )
        self.form.fields["q"].widget = forms.TextInput(
            attrs={"placeholder": _("name, kana or staff code"), "type": "search"}
        )

    @property
    def today(self):
        return datetime.date.today()

    def _assignment_filter(self, queryset, condition: Q):
        # Every assignment condition must hold on the same assignment row.
        return queryset.filter(pk__in=Person.objects.filter(condition).values("pk"))

    def _current_prefix(self):
        status = self.form.cleaned_data.get("status")
        return active_on(self.today, "assignments__") if status == StatusChoices.CURRENT else Q()

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(kana__icontains=value) | Q(staff_code__icontains=value)
        )

    def filter_bureau(self, queryset, name, value):
        return self._assignment_filter(
            queryset, Q(assignments__center__prefecture__bureau=value) & self._current_prefix()
        )

    def filter_center(self, queryset, name, value):
        return self._assignment_filter(
            queryset, Q(assignments__center=value) & self._current_prefix()
        )

    def filter_role(self, queryset, name, value):
        return self._assignment_filter(
            queryset, Q(assignments__role=value) & self._current_prefix()
        )

    def filter_status(self, queryset, name, value):
        current = Person.objects.filter(active_on(self.today, "assignments__")).values("pk")
        if value == StatusChoices.CURRENT:
            return queryset.filter(pk__in=current)
        if value == StatusChoices.FORMER:
            return queryset.exclude(pk__in=current)
        return queryset


class SupportInstitutionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    prefecture = django_filters.ModelChoiceFilter(
        queryset=Prefecture.objects.none(), label=_("Prefecture")
    )
    institution_type = django_filters.ModelChoiceFilter(
        queryset=SupportInstitutionType.objects.all(), label=_("Type")
    )

    class Meta:
        model = SupportInstitution
        fields = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["prefecture"].queryset = Prefecture.objects.filter(
            center__in=scope_centers(user)
        )
