"""One FilterSet per record list; each serves the list page and its export alike."""

import datetime
import unicodedata

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.fiscal import Period, fiscal_year_of, plausible_year
from core.scoping import scope_center_ids, scope_centers
from organizations.models import Center, Person, SupportInstitution

from .indicators import VISITORS, by_code, counted_rows
from .models import (
    Case,
    CaseStatus,
    Client,
    ClientForm,
    Consultation,
    IndicatorFirstDay,
    Industry,
    Mode,
    NetworkActivity,
    NetworkKind,
    PriorityField,
    Topic,
    clients_of,
    may_see_identity,
    normalize_name,
)

TRIGRAM = 3  # the shortest text the trigram indexes (migration 0007) can serve
NATION = 0  # center_id of the nation's first days (consultations.summaries)


def normalized(value: str) -> str:
    # Full-width and half-width forms must find each other (ＡＢＣ = ABC, ｶﾅ = カナ).
    return unicodedata.normalize("NFKC", value or "").strip()


class DateInput(forms.DateInput):
    input_type = "date"


class FiscalYearFilter(django_filters.NumberFilter):
    def filter(self, qs, value):
        if plausible_year(value) is None:
            return qs
        period = Period.fiscal_year(int(value))
        return qs.filter(
            **{f"{self.field_name}__gte": period.start, f"{self.field_name}__lte": period.end}
        )


def fiscal_year_choices():
    import datetime

    current = fiscal_year_of(datetime.date.today())
    return [(year, f"{year}年度") for year in range(current, current - 10, -1)]


class ScopedFilterSet(django_filters.FilterSet):
    """Limits the center (and staff) choices to what the user can see."""

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user
        centers = scope_centers(user).select_related("prefecture")
        if "center" in self.filters:
            self.filters["center"].queryset = centers
        if "staff" in self.filters:
            self.filters["staff"].queryset = Person.objects.for_user(user)
        if "institution" in self.filters:
            self.filters["institution"].queryset = SupportInstitution.objects.for_user(user)
        if "q" in self.form.fields:
            self.form.fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        for name in ("fy", "solved_fy", "visited_fy"):
            if name in self.form.fields:
                self.form.fields[name].widget = forms.Select(
                    choices=[("", "---------"), *fiscal_year_choices()]
                )


class CountedFilters(django_filters.FilterSet):
    """The drill-down of a dashboard's figure: the rows its indicator counts over a period
    (``consultations.indicators.counted_rows``), with the list's own center or bureau.

    Set by the dashboards' links, not typed: the fields are hidden and the list says what
    it shows (``counted_note``).
    """

    counted = django_filters.CharFilter(
        method="filter_counted",
        widget=forms.HiddenInput,
        label=_("Counted in the figure (an indicator code, e.g. priority:3:sessions)"),
    )
    counted_from = django_filters.DateFilter(
        method="keep", widget=forms.HiddenInput, label=_("Figure counted from")
    )
    counted_to = django_filters.DateFilter(
        method="keep", widget=forms.HiddenInput, label=_("Figure counted to")
    )
    # A bureau dashboard's figure: its centers (an id, hidden: no choices read per page).
    bureau = django_filters.NumberFilter(
        method="filter_bureau", widget=forms.HiddenInput, label=_("Bureau (its id)")
    )

    counted_note = ""

    def keep(self, queryset, name, value):
        return queryset  # read by filter_counted

    def bureau_center_ids(self, bureau) -> list[int]:
        bureau_id = int(bureau)
        if not 0 < bureau_id < 2**31:
            return []
        return list(
            Center.objects.filter(prefecture__bureau_id=bureau_id).values_list("pk", flat=True)
        )

    def filter_bureau(self, queryset, name, value):
        return queryset.filter(center_id__in=self.bureau_center_ids(value))

    def counted_centers(self) -> list[int] | None:
        """The centers the figure is for: the list's center or bureau, within the scope."""
        data, scope = self.form.cleaned_data, scope_center_ids(self.user)
        if data.get("center"):
            ids = [data["center"].pk]
        elif data.get("bureau") is not None:
            ids = self.bureau_center_ids(data["bureau"])
        else:
            return scope
        return ids if scope is None else [i for i in ids if i in scope]

    def filter_counted(self, queryset, name, value):
        indicator = by_code(value)
        if indicator is None:
            return queryset.none()
        today = datetime.date.today()
        start = (
            self.form.cleaned_data.get("counted_from")
            or Period.fiscal_year(fiscal_year_of(today)).start
        )
        end = self.form.cleaned_data.get("counted_to") or today
        period = Period.between(start, end)
        self.counted_note = _("Counted in “%(figure)s”, %(start)s to %(end)s") % {
            "figure": indicator.label,
            "start": f"{start:%Y-%m-%d}",
            "end": f"{end:%Y-%m-%d}",
        }
        return counted_rows(indicator, period, queryset, center_ids=self.counted_centers())


class PeriodFilters(django_filters.FilterSet):
    fy = FiscalYearFilter(field_name="date", label=_("Fiscal year"))
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("From"), widget=DateInput()
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("To"), widget=DateInput()
    )


class ConsultationFilterSet(ScopedFilterSet, PeriodFilters, CountedFilters):
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))
    staff = django_filters.ModelChoiceFilter(
        queryset=Person.objects.none(), method="filter_staff", label=_("Staff")
    )
    mode = django_filters.ChoiceFilter(choices=Mode.choices, label=_("Mode"))
    topic = django_filters.ModelChoiceFilter(
        queryset=Topic.objects.all(), field_name="case__topics", label=_("Topic")
    )
    status = django_filters.ChoiceFilter(
        choices=CaseStatus.choices, field_name="case__status", label=_("Case status")
    )
    industry = django_filters.ChoiceFilter(
        choices=Industry.choices, field_name="client__industry", label=_("Industry")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Text in summary"))

    class Meta:
        model = Consultation
        fields = []

    def filter_staff(self, queryset, name, value):
        # EXISTS, not IN, inside the OR: see ClientQuerySet.for_user.
        joined = Consultation.other_staff.through.objects.filter(
            consultation_id=OuterRef("pk"), person=value
        )
        return queryset.filter(Q(lead_staff=value) | Exists(joined))

    TEXT_FIELDS = ("summary", "advice", "next_step")

    def within_one_center_year(self) -> bool:
        """Whether the list is of one center and at most a year (the text search's plan)."""
        data = self.form.cleaned_data
        centers = [data["center"].pk] if data.get("center") else scope_center_ids(self.user)
        start, end = data.get("date_from"), data.get("date_to")
        one_year = bool(data.get("fy")) or bool(start and end and (end - start).days <= 366)
        return centers is not None and len(centers) == 1 and one_year

    def filter_text(self, queryset, name, value):
        text = normalized(value)
        if len(text) >= TRIGRAM and not self.within_one_center_year():
            return queryset.filter(
                Q(summary__icontains=text)
                | Q(advice__icontains=text)
                | Q(next_step__icontains=text)
            )
        # Compared where no index serves, the text is checked on the sessions of the
        # period and scope only, through their own index: fewer than three characters
        # (販路, 融資) have no trigram, and PostgreSQL would read the trigram indexes
        # whole (35 s for a bureau's year); and a center's year (75,000 sessions at
        # most, Tokyo) is read faster than a common word's trigrams over ten years of
        # the nation (事業承継: 408,000 sessions, 310 ms), and in a bounded time.
        condition = Q()
        if text.lower() == text.upper():
            # No letter with a case (販路): compared as stored, without lower-casing three
            # texts of every session of the period (half the time of the search).
            for field in self.TEXT_FIELDS:
                condition |= Q(**{f"{field}__contains": text})
            return queryset.filter(condition)
        lowered = {f"lowered_{f}": Lower(f) for f in self.TEXT_FIELDS}
        for alias in lowered:
            condition |= Q(**{f"{alias}__contains": text.lower()})
        return queryset.alias(**lowered).filter(condition)


class ClientFilterSet(ScopedFilterSet, CountedFilters):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    center = django_filters.ModelChoiceFilter(
        queryset=Center.objects.none(), method="filter_center", label=_("Center")
    )
    form = django_filters.ChoiceFilter(choices=ClientForm.choices, label=_("Form"))
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("Industry"))
    survey_consent = django_filters.BooleanFilter(label=_("Consents to surveys"))
    visited_fy = django_filters.NumberFilter(
        method="filter_visited", label=_("Consulted in fiscal year")
    )

    class Meta:
        model = Client
        fields = []

    def filter_visited(self, queryset, name, value):
        """The clients the visitors indicator counts: a session in the year (at the chosen center)."""
        if plausible_year(value) is None:
            return queryset
        # From the visitors indicator's first days (one row per client, fiscal year and
        # center, kept equal to the sessions by consultations.summaries), not from a
        # year of sessions, which a bureau's list probed client by client.
        first_days = IndicatorFirstDay.objects.filter(
            family=VISITORS.family, field_id=0, fiscal_year=int(value)
        )
        center = self.form.cleaned_data.get("center")
        centers = [center.pk] if center else scope_center_ids(self.user)
        first_days = first_days.filter(center_id__in=centers if centers is not None else [NATION])
        return queryset.filter(pk__in=first_days.values("client_id"))

    def filter_center(self, queryset, name, value):
        return queryset.filter(pk__in=clients_of([value.pk]))

    def filter_bureau(self, queryset, name, value):
        return queryset.filter(pk__in=clients_of(self.bureau_center_ids(value)))

    def filter_text(self, queryset, name, value):
        text = normalized(value)
        if not may_see_identity(self.user):
            # Others may look a client up by ID only: names are confidential.
            return queryset.filter(external_id=text)
        digits = "".join(ch for ch in text if ch.isdecimal())
        key = normalize_name(text)
        if len(text) >= TRIGRAM and key == text.casefold():
            # Nothing the key leaves out (spaces, legal forms) was typed: the key
            # finds every name the text does, through one trigram index instead of
            # two, whose estimate the planner gets right (with both, it overestimated
            # rare name parts and walked every client: 2.8 s for 山本フ).
            condition = Q(name_key__contains=key)
        elif len(text) >= TRIGRAM:
            condition = Q(business_name__icontains=text) | Q(name_key__contains=key)
        else:
            # As for the sessions' text: no trigram, so no trigram index read whole.
            queryset = queryset.alias(lowered_name=Lower("business_name"))
            condition = Q(lowered_name__contains=text.lower())
        condition |= Q(external_id=text)
        if len(digits) >= 6:
            condition |= Q(phone_key__contains=digits) | Q(corporate_number=digits)
        return queryset.filter(condition)


class CaseFilterSet(ScopedFilterSet, CountedFilters):
    fy = FiscalYearFilter(field_name="opened_on", label=_("Opened in fiscal year"))
    solved_fy = FiscalYearFilter(field_name="resolved_on", label=_("Solved in fiscal year"))
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    topic = django_filters.ModelChoiceFilter(
        queryset=Topic.objects.all(), field_name="topics", label=_("Topic")
    )
    priority_field = django_filters.ModelChoiceFilter(
        queryset=PriorityField.objects.all(),
        field_name="priority_fields",
        label=_("Priority field"),
    )
    industry = django_filters.ChoiceFilter(
        choices=Industry.choices, field_name="client__industry", label=_("Industry")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))

    class Meta:
        model = Case
        fields = []

    def filter_text(self, queryset, name, value):
        text = normalized(value)
        return queryset.filter(Q(title__icontains=text) | Q(evidence__icontains=text))


class NetworkActivityFilterSet(ScopedFilterSet, PeriodFilters):
    center = django_filters.ModelChoiceFilter(queryset=Center.objects.none(), label=_("Center"))
    kind = django_filters.ChoiceFilter(choices=NetworkKind.choices, label=_("Kind"))
    institution = django_filters.ModelChoiceFilter(
        queryset=SupportInstitution.objects.none(),
        field_name="institutions",
        label=_("Support institution"),
    )
    staff = django_filters.ModelChoiceFilter(
        queryset=Person.objects.none(), field_name="staff", label=_("Staff")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))

    class Meta:
        model = NetworkActivity
        fields = []

    def filter_text(self, queryset, name, value):
        return queryset.filter(description__icontains=normalized(value))
