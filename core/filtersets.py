"""The access log's filters, shared by its page and its export."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import AccessKind, AccessLogEntry
from core.scoping import scope_centers


class DateInput(forms.DateInput):
    input_type = "date"


class AccessLogFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("User, page or file"))
    kind = django_filters.ChoiceFilter(choices=AccessKind.choices, label=_("Kind"))
    identity = django_filters.BooleanFilter(label=_("Client identity included"))
    center = django_filters.ModelChoiceFilter(queryset=None, label=_("Center"))
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("From"), widget=DateInput
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("To"), widget=DateInput
    )

    class Meta:
        model = AccessLogEntry
        fields = ["q", "kind", "identity", "center", "date_from", "date_to"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["center"].queryset = scope_centers(user).select_related("prefecture")
        self.form.fields["q"].widget = forms.TextInput(attrs={"type": "search"})

    def search(self, queryset, _name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(what__icontains=value)
            | Q(path__icontains=value)
            | Q(filters__icontains=value)
        )
