import django_filters
from django.utils.translation import gettext_lazy as _

from organizations.models import Center
from planning.models import FiscalYear

from .models import Contract


class ContractFilterSet(django_filters.FilterSet):
    fiscal_year = django_filters.ModelChoiceFilter(
        queryset=FiscalYear.objects.order_by("-year"), label=_("Fiscal year")
    )
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))

    class Meta:
        model = Contract
        fields = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        # The centers of the contracts the user reads (the body's own, a bureau's …).
        self.filters["center"].queryset = Center.objects.filter(
            pk__in=Contract.objects.for_user(user).values("center_id")
        ).order_by("code")
