import django_filters
from django.utils.translation import gettext_lazy as _

from consultations.filtersets import ScopedFilterSet
from organizations.models import Center

from .models import Campaign, CampaignStatus, SurveyKind


class CampaignFilterSet(ScopedFilterSet):
    fy = django_filters.NumberFilter(field_name="fiscal_year__year", label=_("Fiscal year"))
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("Status"))
    center = django_filters.ModelChoiceFilter(
        queryset=Center.objects.none(), label=_("Center"), method="filter_center"
    )

    class Meta:
        model = Campaign
        fields = ["fy", "kind", "status", "center"]

    def filter_center(self, queryset, name, value):
        # A nationwide campaign concerns every center, so it stays in the list.
        from django.db.models import Q

        return queryset.filter(Q(center=value) | Q(center__isnull=True))
