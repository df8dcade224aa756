"""Record screens: thin views over scoped querysets, filter sets and forms."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, Max, Prefetch, Q
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from core.access_log import record_identity
from core.fiscal import Period, fiscal_year_of, plausible_year
from core.history import history_for
from core.scoping import CHANGE, is_national, scope_centers, scope_rule
from core.views import (
    FilteredListView,
    ScopedCreateView,
    ScopedDetailView,
    ScopedUpdateView,
    ValueColumn,
)
from organizations.models import Bureau

from . import indicators
from .filtersets import (
    CaseFilterSet,
    ClientFilterSet,
    ConsultationFilterSet,
    NetworkActivityFilterSet,
)
from .forms import (
    CaseForm,
    ClientRecordForm,
    ConsultationForm,
    NetworkActivityForm,
    QuickConsultationForm,
    client_option,
)
from .models import (
    Case,
    Client,
    Consultation,
    Mode,
    NetworkActivity,
    may_see_identity,
    pseudonyms,
)


def _date(value):
    return value.isoformat() if value else ""


def staff_codes(session) -> str:
    """Lead first, then the others: the import's 担当者 column."""
    people = ([session.lead_staff] if session.lead_staff else []) + list(session.other_staff.all())
    return ";".join(p.staff_code for p in people)


def client_label(client, user) -> str:
    return client.business_name if may_see_identity(user) else client.pseudonym


class IdentityRequiredMixin:
    """Forms about a client show who it is: only the staff of its centers use them.

    The Agency administrator may import records for the whole network but does
    not see client identities, so these forms are closed to that role.
    """

    def dispatch(self, request, *args, **kwargs):
        if not may_see_identity(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class IdentityListMixin:
    """The "new" buttons of client-bearing lists are for the roles that use those forms.

    A page or export that shows client identity is recorded in the access log (the
    export by core.access_log.AccessLogMiddleware, told here that identity is in it).
    """

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = context["may_edit"] and may_see_identity(self.request.user)
        context["identity"] = may_see_identity(self.request.user)
        if context["identity"]:
            record_identity(self.request, rows=len(context["object_list"]))
        return context

    def export(self, kind):
        self.request.shows_identity = may_see_identity(self.request.user)
        return super().export(kind)


class RecordFormMixin:
    """Passes the user to the form (it scopes its choices) and says what happened."""

    template_name = "consultations/record_form.html"
    saved_message = gettext_lazy("Saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, self.saved_message)
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "model_name": self.model._meta.verbose_name}


class RecordDetailMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_for(self.object, viewer=self.request.user)
        context["identity"] = may_see_identity(self.request.user)
        shown = (
            self.object if isinstance(self.object, Client) else getattr(self.object, "client", None)
        )
        if context["identity"] and shown is not None:
            record_identity(self.request, obj=shown)
        context["may_edit"] = (
            self.model.objects.for_user(self.request.user, CHANGE)
            .filter(pk=self.object.pk)
            .exists()
        )
        return context


# --- Consultation sessions -------------------------------------------------------------


class ConsultationListView(IdentityListMixin, FilteredListView):
    model = Consultation
    filterset_class = ConsultationFilterSet
    template_name = "consultations/consultation_list.html"
    export_name = "consultations"
    export_title = gettext_lazy("Consultations")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("center", "client", "lead_staff", "case")
            .order_by("-date", "-start_time", "-id")
        )

    def export_columns(self):
        """Read with values_list (ValueColumn), each cell but the pseudonym made by the
        database: a national year is 700,000 rows."""
        from core.lookups import choice_label, hour_minute, joined, joined_related, key_or_pk

        identity = may_see_identity(self.request.user)
        others = joined_related(
            Consultation.other_staff.through, "consultation", "person__staff_code"
        )
        return [
            ValueColumn("対応ID", key_or_pk()),
            ValueColumn("拠点", "center__code"),
            ValueColumn("相談者ID", "client__external_id"),
            ValueColumn("課題ID", "case__external_id"),
            ValueColumn("対応日", Cast("date", CharField())),
            ValueColumn("開始時刻", hour_minute("start_time")),
            ValueColumn("時間(分)", "minutes"),
            ValueColumn("対応方法", choice_label("mode", Mode.choices)),
            # Lead first, then the others: the import's 担当者 column.
            ValueColumn("担当者", joined("lead_staff__staff_code", others)),
            ValueColumn("概要", "summary"),
            ValueColumn("相談者", "client__business_name")
            if identity
            else ValueColumn("相談者", "client_id", pseudonyms()),
        ]


class ConsultationDetailView(RecordDetailMixin, ScopedDetailView):
    model = Consultation
    template_name = "consultations/consultation_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("center", "client", "case", "lead_staff")


class ConsultationCreateView(IdentityRequiredMixin, RecordFormMixin, ScopedCreateView):
    model = Consultation
    form_class = ConsultationForm

    def get_initial(self):
        initial = {"date": datetime.date.today()}
        for name in ("client", "case"):
            if self.request.GET.get(name, "").isdecimal():
                initial[name] = self.request.GET[name]
        if self.request.user.person_id:
            initial["lead_staff"] = self.request.user.person_id
        return initial


class ConsultationUpdateView(IdentityRequiredMixin, RecordFormMixin, ScopedUpdateView):
    model = Consultation
    form_class = ConsultationForm


class QuickEntryView(IdentityRequiredMixin, RecordFormMixin, ScopedCreateView):
    """Record a session from the keyboard: client, date, minutes, mode, summary, Enter."""

    model = Consultation
    form_class = QuickConsultationForm
    template_name = "consultations/quick_entry.html"

    def form_valid(self, form):
        form.instance.client = form.cleaned_data["client_ref"]
        super().form_valid(form)
        return redirect(reverse("consultations:quick_entry") + f"?saved={self.object.pk}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = my_sessions(self.request.user)
        context["recent"] = my_latest_sessions(self.request.user)
        context["client_options"] = recent_clients(self.request.user)
        saved = self.request.GET.get("saved", "")
        context["saved"] = mine.filter(pk=saved).first() if saved.isdecimal() else None
        return context


RECENT_DAYS = 365


def my_sessions(user):
    """The sessions the user led (all of the center's when the account has no staff record)."""
    mine = Consultation.objects.for_user(user).select_related("client")
    if user.person_id:
        mine = mine.filter(lead_staff_id=user.person_id)
    return mine


def my_latest_sessions(user, limit: int = 8):
    """The user's latest entries, newest first (quick entry and the coordinator's home)."""
    # The last 12 months' sessions (through the (center, date) index), not a walk
    # back through every session of the center for the user's last eight.
    since = datetime.date.today() - datetime.timedelta(days=RECENT_DAYS)
    return my_sessions(user).filter(date__gte=since).order_by("-id")[:limit]


# The latest sessions read for the quick entry's recent clients: a client comes back
# about three times a year, so this holds several hundred clients at any center.
RECENT_SESSIONS = 2000


def recent_clients(user, text: str = "", limit: int = 200) -> list:
    """The quick entry's client choices: with ``text``, the clients in scope it finds;
    without, the clients of the user's centers' latest sessions of the last 12 months,
    the latest first, after those registered since (who may have had no session yet).

    Read from the latest ``RECENT_SESSIONS`` sessions through the (center, date)
    index, not by grouping the year's sessions (Tokyo's 75,000: 15 ms on every quick
    entry) nor by annotating every client in scope with its last session (docs/
    benchmarks.md, 2026-12-07)."""
    clients = Client.objects.for_user(user).only("pk", "business_name")
    if text:
        found = ClientFilterSet({"q": text}, queryset=clients, user=user).qs
        return list(found.order_by("-id")[:limit])
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    latest = (
        Consultation.objects.for_user(user)
        .filter(date__gte=timezone.localdate(since))
        .order_by("-date", "-id")
        .values_list("client_id", flat=True)[:RECENT_SESSIONS]
    )
    registered = (
        Client.objects.filter(home_center__in=scope_centers(user), created_at__gte=since)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )
    # Each client once, where it first appears: the order is the latest session's.
    ids = list(dict.fromkeys([*registered, *latest]))[:limit]
    by_id = clients.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


@scope_rule("lists only Client.objects.for_user(user)")
def client_options(request):
    """<option>s for the quick-entry client field, searched as the user types (htmx)."""
    if not may_see_identity(request.user):
        return HttpResponse("")
    text = request.GET.get("client_ref", "").strip()
    clients = recent_clients(request.user, text, limit=50)
    # Each search shows client names: recorded once, with what was typed (the filter) and
    # how many identities came back.
    record_identity(request, what=text[:255] or "(recent clients)", rows=len(clients))
    html = format_html_join(
        "", '<option value="{}"></option>', ((client_option(c),) for c in clients)
    )
    return HttpResponse(html)


@scope_rule("lists only Client.objects.for_user(user)")
def client_choices(request):
    """<option>s for a client field (``core.widgets.SearchSelect``), as the user types."""
    if not may_see_identity(request.user):
        return HttpResponse("")
    clients = recent_clients(request.user, request.GET.get("q", "").strip(), limit=50)
    return choices_response(clients, label=client_option)


@scope_rule("lists only Case.objects.for_user(user)")
def case_choices(request):
    """<option>s for a case field: the cases of the chosen client, or those the text finds."""
    cases = Case.objects.for_user(request.user).order_by("-opened_on", "-id")
    client = request.GET.get("client", "")
    if client.isdecimal():
        cases = cases.filter(client_id=client)
    text = request.GET.get("q", "").strip()
    if text:
        cases = cases.filter(Q(title__icontains=text) | Q(external_id=text))
    return choices_response(cases[:50], label=str, blank=True)


def choices_response(objects, *, label, blank=False):
    rows = [("", "---------")] if blank else []
    rows += [(obj.pk, label(obj)) for obj in objects]
    return HttpResponse(format_html_join("", '<option value="{}">{}</option>', rows))


# --- Clients ---------------------------------------------------------------------------


class ClientListView(IdentityListMixin, FilteredListView):
    model = Client
    filterset_class = ClientFilterSet
    template_name = "consultations/client_list.html"
    export_name = "clients"
    export_title = gettext_lazy("Clients")

    def get_base_queryset(self):
        return (
            super().get_base_queryset().select_related("home_center", "prefecture").order_by("-id")
        )

    def annotate_page(self, rows):
        """Sessions and last session date of the clients shown, counting only the
        viewer's centers. Sorting every client in scope by its last session would
        aggregate all of a center's sessions on every page view (Tokyo: 1.8 million
        clients in ten years), so the list runs newest registered first."""
        activity = (
            Consultation.objects.filter(
                client__in=rows, center__in=scope_centers(self.request.user)
            )
            .values("client_id")
            .annotate(session_count=Count("pk"), last_seen=Max("date"))
        )
        by_client = {row["client_id"]: row for row in activity}
        for client in rows:
            found = by_client.get(client.pk, {})
            client.session_count = found.get("session_count", 0)
            client.last_seen = found.get("last_seen")

    def export_columns(self):
        identity = may_see_identity(self.request.user)

        def confidential(getter):
            return getter if identity else (lambda o: "")

        return [
            ("相談者ID", lambda o: o.external_id or f"#{o.pk}"),
            ("拠点", lambda o: o.home_center.code),
            ("事業者名", lambda o: o.business_name if identity else o.pseudonym),
            ("法人番号", confidential(lambda o: o.corporate_number)),
            ("形態", lambda o: o.get_form_display()),
            ("業種", lambda o: o.industry),
            ("従業員数", lambda o: o.employees if o.employees is not None else ""),
            ("資本金", lambda o: o.capital if o.capital is not None else ""),
            ("都道府県", lambda o: o.prefecture.name if o.prefecture else ""),
            ("市区町村", lambda o: o.municipality),
            ("電話", confidential(lambda o: o.phone)),
            ("メール", confidential(lambda o: o.email)),
            ("調査同意", lambda o: "有" if o.survey_consent else "無"),
        ]


class ClientDetailView(RecordDetailMixin, ScopedDetailView):
    model = Client
    template_name = "consultations/client_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # The timeline shows only what the viewer's centers did with this client.
        context["cases"] = (
            Case.objects.for_user(user).filter(client=self.object).prefetch_related("topics")
        )
        context["timeline"] = (
            Consultation.objects.for_user(user)
            .filter(client=self.object)
            .select_related("center", "case", "lead_staff")
            .order_by("-date", "-start_time")
        )
        # The centers of the client's own sessions (through their client index), not
        # every center's sessions joined and de-duplicated (docs/benchmarks.md, 2026-12-07).
        served = Consultation.objects.filter(client=self.object).values("center_id")
        context["centers_served"] = scope_centers(user).filter(
            Q(pk__in=served) | Q(pk=self.object.home_center_id)
        )
        return context


class ClientCreateView(IdentityRequiredMixin, RecordFormMixin, ScopedCreateView):
    model = Client
    form_class = ClientRecordForm
    template_name = "consultations/client_form.html"


class ClientUpdateView(IdentityRequiredMixin, RecordFormMixin, ScopedUpdateView):
    model = Client
    form_class = ClientRecordForm
    template_name = "consultations/client_form.html"


# --- Cases -----------------------------------------------------------------------------


class CaseListView(IdentityListMixin, FilteredListView):
    model = Case
    filterset_class = CaseFilterSet
    template_name = "consultations/case_list.html"
    export_name = "cases"
    export_title = gettext_lazy("Cases")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("center", "client")
            .prefetch_related("topics", "priority_fields")
            .order_by("-opened_on", "-id")
        )

    def annotate_page(self, rows):
        counts = dict(
            Consultation.objects.filter(case__in=rows)
            .values_list("case_id")
            .annotate(Count("pk"))
            .order_by()
        )
        for case in rows:
            case.session_count = counts.get(case.pk, 0)

    def export_columns(self):
        return [
            ("課題ID", lambda o: o.external_id or f"#{o.pk}"),
            ("相談者ID", lambda o: o.client.external_id or ""),
            ("拠点", lambda o: o.center.code),
            ("相談分野", lambda o: ";".join(t.name for t in o.topics.all())),
            ("重点分野", lambda o: ";".join(p.name for p in o.priority_fields.all())),
            ("開始日", lambda o: _date(o.opened_on)),
            ("状態", lambda o: o.get_status_display()),
            ("解決日", lambda o: _date(o.resolved_on)),
            ("解決区分", lambda o: o.get_resolution_kind_display() if o.resolution_kind else ""),
            ("成果", lambda o: o.evidence),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identity"] = may_see_identity(self.request.user)
        return context


class CaseDetailView(RecordDetailMixin, ScopedDetailView):
    model = Case
    template_name = "consultations/case_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timeline"] = self.object.consultations.select_related("lead_staff").order_by(
            "-date", "-start_time"
        )
        return context


class CaseCreateView(IdentityRequiredMixin, RecordFormMixin, ScopedCreateView):
    model = Case
    form_class = CaseForm

    def get_initial(self):
        initial = {"opened_on": datetime.date.today()}
        if self.request.GET.get("client", "").isdecimal():
            initial["client"] = self.request.GET["client"]
        return initial


class CaseUpdateView(IdentityRequiredMixin, RecordFormMixin, ScopedUpdateView):
    model = Case
    form_class = CaseForm


# --- Network activities ----------------------------------------------------------------


class ActivityListView(FilteredListView):
    model = NetworkActivity
    filterset_class = NetworkActivityFilterSet
    template_name = "consultations/activity_list.html"
    export_name = "network-activities"
    export_title = gettext_lazy("Network activities")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("center")
            .prefetch_related("institutions", Prefetch("staff"))
            .order_by("-date", "-id")
        )

    def export_columns(self):
        return [
            ("活動ID", lambda o: o.external_id or f"#{o.pk}"),
            ("拠点", lambda o: o.center.code),
            ("実施日", lambda o: _date(o.date)),
            ("連携機関", lambda o: ";".join(i.name for i in o.institutions.all())),
            ("区分", lambda o: o.get_kind_display()),
            ("内容", lambda o: o.description),
            ("担当者", lambda o: ";".join(p.staff_code for p in o.staff.all())),
        ]


class ActivityDetailView(RecordDetailMixin, ScopedDetailView):
    model = NetworkActivity
    template_name = "consultations/activity_detail.html"


class ActivityCreateView(RecordFormMixin, ScopedCreateView):
    model = NetworkActivity
    form_class = NetworkActivityForm

    def get_initial(self):
        return {"date": datetime.date.today()}


class ActivityUpdateView(RecordFormMixin, ScopedUpdateView):
    model = NetworkActivity
    form_class = NetworkActivityForm


# --- Indicators ------------------------------------------------------------------------


@scope_rule("counts only records of scope_centers(user), via the indicator engine")
def indicator_table(request):
    """Per-center indicator table for a period, each figure linking to its records."""
    today = datetime.date.today()
    fy = plausible_year(request.GET.get("fy")) or fiscal_year_of(today)
    period = Period.fiscal_year(fy)
    centers = scope_centers(request.user)
    bureau_id = request.GET.get("bureau", "")
    bureau = Bureau.objects.filter(pk=bureau_id).first() if bureau_id.isdecimal() else None
    if bureau:
        centers = centers.filter(prefecture__bureau=bureau)
    rows = indicators.center_table(period=period, centers=centers)
    # What the support changed (casestudies.impact), center by center in the same order.
    from casestudies.impact import IMPACT, impact_table

    impact = impact_table(period=period, centers=centers)
    impact_rows = [(r.label, impact[r.center.pk if r.center else None]) for r in rows]
    if request.GET.get("export") == "xlsx":
        from core.tabular import xlsx_response

        headers = [_("Center")] + [str(i.label) for i in indicators.STANDARD]
        data = [[str(r.label)] + [r.values[i.code] for i in indicators.STANDARD] for r in rows]
        return xlsx_response(f"indicators-{fy}.xlsx", f"{fy}", headers, data)
    return render(
        request,
        "consultations/indicator_table.html",
        {
            "rows": rows,
            "indicators": indicators.STANDARD,
            "period": period,
            "fy": fy,
            "years": range(fiscal_year_of(today), fiscal_year_of(today) - 10, -1),
            "bureaus": Bureau.objects.filter(
                pk__in=scope_centers(request.user).values("prefecture__bureau")
            ),
            "bureau": bureau,
            "impact_indicators": IMPACT,
            "impact_rows": impact_rows,
        },
    )


class CrossCenterDuplicateListView(ListView):
    """Clients with the same corporate number registered at more than one center.

    A center is never told that another center registered the same business (the
    client form compares only within its scope); the Agency, who sees every center,
    finds such pairs here and settles them with the centers.
    """

    scope_rule = "national roles only; lists Client.objects.for_user(user)"
    template_name = "consultations/duplicate_list.html"
    paginate_by = 100

    def dispatch(self, request, *args, **kwargs):
        if not is_national(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        clients = Client.objects.for_user(self.request.user)
        shared = (
            clients.exclude(corporate_number="")
            .values("corporate_number")
            .annotate(centers=Count("home_center", distinct=True))
            .filter(centers__gt=1)
            .values("corporate_number")
        )
        return (
            clients.filter(corporate_number__in=shared)
            .select_related("home_center")
            .order_by("corporate_number", "home_center__code", "pk")
        )
