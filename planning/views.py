"""Plan screens and dashboards: thin views over workflow functions and the progress module."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from consultations.indicators import STANDARD, VISITORS, compute_cached
from core import roles
from core.fiscal import Period, fiscal_year_of, plausible_year
from core.history import history_for
from core.pdf import PdfMixin
from core.scoping import is_national, may_edit, role_of, scope_centers, scope_rule
from core.views import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedObjectMixin,
    ScopedUpdateView,
)
from core.workflow import StepRefused, StepView
from liaison.models import summary as liaison_summary
from organizations.models import Bureau, Center

from . import compiled, progress, workflow
from .forms import (
    ActivityPolicyForm,
    DecisionForm,
    FiscalYearForm,
    PlanContentForm,
)
from .models import (
    ActivityPolicy,
    BusinessPlan,
    ChangeRequestStatus,
    FiscalYear,
    PlanChangeRequest,
    PlanVersion,
)


def selected_year(request) -> FiscalYear | None:
    """The fiscal year asked for (?fy=2025), else the current one, else the latest."""
    years = FiscalYear.objects.all()
    value = plausible_year(request.GET.get("fy"))
    if value:
        found = years.filter(year=value).first()
        if found:
            return found
    current = fiscal_year_of(datetime.date.today())
    return years.filter(year=current).first() or years.first()


# --- Fiscal years and the activity policy ------------------------------------------------


class FiscalYearListView(ScopedListView):
    model = FiscalYear
    template_name = "planning/fiscalyear_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("policy")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = may_edit(self.request.user, FiscalYear)
        context["may_edit_policy"] = may_edit(self.request.user, ActivityPolicy)
        return context


class FiscalYearCreateView(ScopedCreateView):
    model = FiscalYear
    form_class = FiscalYearForm
    template_name = "planning/form.html"
    success_url = reverse_lazy("planning:year_list")


class FiscalYearUpdateView(ScopedUpdateView):
    model = FiscalYear
    form_class = FiscalYearForm
    template_name = "planning/form.html"
    success_url = reverse_lazy("planning:year_list")


class PolicyUpdateView(ScopedUpdateView):
    model = ActivityPolicy
    form_class = ActivityPolicyForm
    template_name = "planning/form.html"
    success_url = reverse_lazy("planning:year_list")


class PolicyCreateView(ScopedCreateView):
    model = ActivityPolicy
    form_class = ActivityPolicyForm
    template_name = "planning/form.html"
    success_url = reverse_lazy("planning:year_list")

    def form_valid(self, form):
        fy = self.request.GET.get("fy", "")
        form.instance.fiscal_year = get_object_or_404(
            FiscalYear.objects.filter(policy__isnull=True), pk=int(fy) if fy.isdecimal() else None
        )
        form.instance.published_by = self.request.user
        form.instance.published_at = datetime.datetime.now(datetime.UTC)
        return super().form_valid(form)


class PolicyDetailView(ScopedDetailView):
    model = ActivityPolicy
    template_name = "planning/policy_detail.html"


# --- Plans -----------------------------------------------------------------------------


class PlanListView(ScopedListView):
    model = BusinessPlan
    template_name = "planning/plan_list.html"
    paginate_by = None

    def get_queryset(self):
        self.year = selected_year(self.request)
        return (
            super()
            .get_queryset()
            .filter(fiscal_year=self.year)
            .select_related("center__prefecture__bureau")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["year"] = self.year
        context["years"] = FiscalYear.objects.all()
        planned = set(context["object_list"].values_list("center_id", flat=True))
        context["missing"] = scope_centers(user).exclude(pk__in=planned).order_by("code")
        context["may_create"] = (
            role_of(user) == roles.CENTER_MANAGER and user.center_id not in planned and self.year
        )
        return context


@scope_rule("creates a plan only for the center manager's own center (workflow.create_plan)")
def plan_create(request):
    if request.method != "POST":
        return redirect("planning:plan_list")
    value = request.POST.get("fiscal_year", "")
    year = get_object_or_404(FiscalYear, pk=int(value) if value.isdecimal() else None)
    center = request.user.center
    try:
        plan = workflow.create_plan(center=center, fiscal_year=year, user=request.user)
    except StepRefused as error:
        messages.error(request, str(error))
        return redirect("planning:plan_list")
    return redirect("planning:plan_edit", pk=plan.pk)


class PlanDetailView(ScopedDetailView):
    model = BusinessPlan
    template_name = "planning/plan_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("center", "fiscal_year")
            .prefetch_related("targets", "priorities__priority_field")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, role = self.object, role_of(self.request.user)
        last_year = workflow.proposed_targets(plan.center, plan.fiscal_year.year)
        context["targets"] = [
            {
                "label": i.label,
                "target": plan.target_for(i.code),
                "last_year": last_year.get(i.code, 0),
            }
            for i in STANDARD
        ]
        context["interview"] = getattr(plan, "interview", None)
        context["versions"] = plan.versions.select_related("created_by")
        context["changes"] = plan.change_requests.select_related("requested_by", "decided_by")
        context["events"] = plan.events.select_related("user")
        context["history"] = history_for(plan)
        is_center, is_bureau = role in roles.CENTER, role in roles.BUREAU
        status = plan.status
        may = {step.name for step in workflow.PLAN.available(plan, self.request.user)}
        context["actions"] = {
            "edit": is_center and status in workflow.EDITABLE,
            "submit": "submit" in may,
            "schedule": "schedule" in may,
            "interview": "interview" in may,
            "revise": "revise" in may
            and bool(context["interview"] and context["interview"].changes_requested),
            "confirm": "confirm" in may,
            "change": is_center
            and plan.is_frozen
            and not plan.change_requests.filter(status=ChangeRequestStatus.PENDING).exists(),
            "decide": is_bureau,
        }
        return context


class PlanPdfView(PdfMixin, PlanDetailView):
    """The plan on paper: sections, targets, priority fields, version and confirmation."""

    pdf_template = "planning/plan_pdf.html"

    def pdf_filename(self, context):
        plan = self.object
        return f"事業計画-{plan.center.name}-{plan.fiscal_year.year}.pdf"


class PlanContentView(ScopedObjectMixin, DetailView):
    """Edit the plan (while it may be edited), or propose a change to a confirmed one."""

    model = BusinessPlan
    template_name = "planning/plan_form.html"
    change_request = False

    def form(self, data=None):
        plan = self.object
        return PlanContentForm(
            data,
            initial=PlanContentForm.initial_from(plan),
            last_year=workflow.proposed_targets(plan.center, plan.fiscal_year.year),
            with_reason=self.change_request,
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render(self.form())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render(form)
        content = form.content()
        try:
            if self.change_request:
                workflow.request_change(
                    self.object, user=request.user, reason=form.cleaned_data["reason"], **content
                )
                messages.success(request, _("Change request sent to the bureau."))
            else:
                workflow.save_content(self.object, user=request.user, **content)
                messages.success(request, _("Saved."))
        except StepRefused as error:
            form.add_error(None, str(error))
            return self.render(form)
        return redirect(self.object)

    def render(self, form):
        return render(
            self.request,
            self.template_name,
            {
                "object": self.object,
                "form": form,
                "change_request": self.change_request,
                "recommended": recommended_fields(self.object, form),
            },
        )


def recommended_fields(plan, form) -> list[tuple[object, bool]]:
    """The year's policy's recommended priority fields, each with whether the plan chose it."""
    policy = getattr(plan.fiscal_year, "policy", None) if plan.fiscal_year_id else None
    if policy is None:
        return []
    chosen = set()
    for n in range(workflow.MAX_PRIORITIES):
        value = (
            form[f"priority_{n}_field"].value() if f"priority_{n}_field" in form.fields else None
        )
        if value not in (None, ""):
            chosen.add(str(getattr(value, "pk", value)))
    return [(field, str(field.pk) in chosen) for field in policy.recommended_fields.all()]


class ChangeDecisionView(StepView):
    """The bureau's decision on a change request: approve or reject, with a note."""

    workflow = workflow.CHANGE
    step = "approve"
    form_class = DecisionForm

    def take(self, change, step, data):
        return workflow.decide_change(
            change,
            user=self.request.user,
            approve=data["decision"] == "approve",
            note=data["note"],
        )

    def success_url(self, change):
        return change.plan.get_absolute_url()


class VersionCompareView(ScopedDetailView):
    """A version beside the one before it."""

    model = PlanVersion
    template_name = "planning/version_compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = self.object
        previous = (
            version.plan.versions.filter(number__lt=version.number).order_by("-number").first()
        )
        context["previous"] = previous
        empty = {"sections": {}, "targets": {}, "priorities": []}
        context["rows"] = workflow.compare(
            previous.snapshot if previous else empty, version.snapshot
        )
        return context


class ChangeRequestDetailView(ScopedDetailView):
    """A pending change beside the confirmed plan it would replace."""

    model = PlanChangeRequest
    template_name = "planning/change_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = workflow.compare(
            workflow.snapshot(self.object.plan), {**self.object.proposed}
        )
        context["may_decide"] = (
            role_of(self.request.user) == roles.BUREAU_OFFICER
            and self.object.status == ChangeRequestStatus.PENDING
        )
        context["decision_form"] = DecisionForm()
        return context


# --- Dashboards ------------------------------------------------------------------------


def _dashboard_context(request, centers, *, title):
    year = selected_year(request)
    today = datetime.date.today()
    as_of = today
    if request.GET.get("as_of"):
        try:
            as_of = datetime.date.fromisoformat(request.GET["as_of"])
        except ValueError:
            messages.error(request, _("The date must look like 2025-10-31."))
    rows = progress.center_progress(fiscal_year=year, centers=centers, as_of=as_of) if year else []
    # With every center in scope, leave the center filter out (the nation's own figure).
    scope = None if not centers.query.where else centers
    return {
        "title": title,
        "year": year,
        "years": FiscalYear.objects.all(),
        "as_of": as_of,
        "rows": rows,
        "indicators": STANDARD,
        "totals": compiled.totals(rows),
        "warnings": progress.early_warnings(rows),
        # A client seen by two centers counts for each in the sum, once here.
        "distinct_visitors": (
            _distinct_visitors(year, as_of, scope)
            if year and as_of >= Period.fiscal_year(year.year).start
            else None
        ),
    }


def _distinct_visitors(year, as_of, scope):
    # Not past the year's end: a date in the next year must not count its sessions into
    # this year's visitors (and a whole year is read from the summaries, not from the
    # sessions). The figure is cached until a session of the year changes.
    period = Period(
        Period.fiscal_year(year.year).start, min(as_of, Period.fiscal_year(year.year).end)
    )
    return compute_cached([VISITORS], period=period, centers=scope)["visitors"]


class CenterDashboardView(ScopedDetailView):
    model = Center
    template_name = "planning/dashboard_center.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        center = self.object
        context.update(
            _dashboard_context(self.request, Center.objects.filter(pk=center.pk), title=center.name)
        )
        year = context["year"]
        if year:
            period = Period.fiscal_year(year.year)
            monthly = compute_cached(STANDARD, period=period, centers=[center.pk], group="month")
            context["months"] = [
                {"month": m, "values": [monthly.get(m, {}).get(i.code, 0) for i in STANDARD]}
                for m in period.months()
            ]
        context["row"] = context["rows"][0] if context["rows"] else None
        context["center_scope"] = Center.objects.filter(pk=center.pk)
        return context


class BureauDashboardView(ScopedDetailView):
    model = Bureau
    template_name = "planning/dashboard_bureau.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") in {"xlsx", "pdf"}:
            # The bureau's 実績取りまとめ: its centers in the user's scope, and their total.
            self.object = self.get_object()
            context = self.get_context_data(object=self.object)
            if context["year"] and request.GET["export"] == "pdf":
                return compiled.pdf(
                    request,
                    title=self.object.name,
                    year=context["year"].year,
                    sheets=[compiled.bureau_sheet(self.object, context["rows"])],
                )
            if context["year"]:
                return compiled.bureau_workbook(context["year"].year, self.object, context["rows"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        centers = scope_centers(self.request.user).filter(prefecture__bureau=self.object)
        context.update(_dashboard_context(self.request, centers, title=self.object.name))
        context["center_scope"] = centers
        context["bureau_pk"] = self.object.pk
        if context["year"]:
            context["priority_figures"] = progress.priority_figures(
                context["rows"],
                fiscal_year=context["year"],
                as_of=context["as_of"],
                centers=centers,
            )
        context["export_query"] = (
            f"fy={context['year'].year}&as_of={context['as_of']:%Y-%m-%d}"
            if context["year"]
            else ""
        )
        sort = self.request.GET.get("sort", "")
        if sort.startswith("rate:"):
            code = sort.split(":", 1)[1]
            context["rows"].sort(
                key=lambda r: (
                    r.item(code).rate if r.item(code) and r.item(code).rate is not None else -1
                )
            )
        return context


@scope_rule("national roles only; raises PermissionDenied for every other role")
def national_dashboard(request):
    if not is_national(request.user):
        raise PermissionDenied
    context = _dashboard_context(request, Center.objects.all(), title=_("National dashboard"))
    year = context["year"]
    if year and request.GET.get("export") == "xlsx":
        return compiled.national_workbook(year.year, context["rows"])
    if year and request.GET.get("export") == "pdf":
        return compiled.pdf(
            request,
            title=_("National dashboard"),
            year=year.year,
            sheets=compiled.national_sheets(context["rows"]),
        )
    if year:
        context["priority_figures"] = progress.priority_figures(
            context["rows"], fiscal_year=year, as_of=context["as_of"], centers=None
        )
        context["bureaus"] = [
            (bureau, compiled.totals(rows)) for bureau, rows in compiled.by_bureau(context["rows"])
        ]
        # HQ's own liaison: shown apart, never part of the centers' rows or totals.
        context["hq_liaison"] = liaison_summary(Period.fiscal_year(year.year))
    return render(request, "planning/dashboard_national.html", context)


@scope_rule("national roles only; raises PermissionDenied for every other role")
def national_trend(request):
    """Ten fiscal years of national figures, loaded after the dashboard (htmx): the
    engine's figures of each year (from its summaries, docs/benchmarks.md)."""
    if not is_national(request.user):
        raise PermissionDenied
    year = selected_year(request)
    trend = []
    if year:
        for fy in range(year.year - 9, year.year + 1):
            values = compute_cached(STANDARD, period=Period.fiscal_year(fy))
            if any(values.values()):
                trend.append({"year": fy, "values": [values[i.code] for i in STANDARD]})
    return render(request, "planning/_trend.html", {"trend": trend, "indicators": STANDARD})


@scope_rule("warnings only for scope_centers(user)")
def warnings_view(request):
    context = _dashboard_context(request, scope_centers(request.user), title=_("Early warnings"))
    return render(request, "planning/warnings.html", context)


@scope_rule("redirects to the dashboard of the user's own scope")
def my_dashboard(request):
    user, role = request.user, role_of(request.user)
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    if is_national(user):
        return redirect(reverse("planning:national_dashboard") + query)
    if role == roles.BUREAU_OFFICER and user.bureau_id:
        return redirect(reverse("planning:bureau_dashboard", args=[user.bureau_id]) + query)
    if user.center_id:
        return redirect(reverse("planning:center_dashboard", args=[user.center_id]) + query)
    if role == roles.IMPLEMENTING_BODY:  # the first of the centers it runs
        center = Center.objects.for_user(user).order_by("code").first()
        if center is not None:
            return redirect(reverse("planning:center_dashboard", args=[center.pk]) + query)
    return redirect("planning:warnings")
