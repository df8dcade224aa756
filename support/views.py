"""HQ support screens: thin views over scoped querysets and the functions of this app."""

import contextlib
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from consultations.models import may_see_identity
from core import roles
from core.fiscal import fiscal_year_of, plausible_year
from core.history import combined_history, history_for
from core.pdf import PdfMixin
from core.scoping import (
    CHANGE,
    VIEW,
    centers_editable_for,
    is_national,
    may_edit,
    role_of,
    scope_centers,
    scope_rule,
)
from core.tabular import xlsx_response
from core.views import (
    FilteredListView,
    FormsetMixin,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedObjectMixin,
    ScopedUpdateView,
)
from core.workflow import ChangeView, StateFormMixin, StepRefused, StepView
from organizations.models import Bureau, Person
from planning.models import FiscalYear

from . import attendance, calendar, meetings, requests, training, visits
from . import visit_plans as visit_plans_module
from .filtersets import (
    FollowUpFilterSet,
    SupportRequestFilterSet,
    TrainingEventFilterSet,
    VisitFilterSet,
)
from .forms import (
    AdviceForm,
    AssignForm,
    CalendarFilterForm,
    CloseForm,
    CoverageFilterForm,
    EscalationForm,
    ExpertAssignmentForm,
    FeedbackFormSet,
    FollowUpFormSet,
    FollowUpStatusForm,
    MeetingForm,
    MeetingReviewForm,
    RegisterForm,
    SupportRequestForm,
    TrainingEventForm,
    VisitForm,
    VisitPickForm,
    VisitPlanForm,
    sessions_of,
)
from .models import (
    CENTER_STAFF,
    OPEN_FOLLOW_UP,
    TRAINING_ORGANISERS,
    AttendanceStatus,
    Escalation,
    ExpertsMeeting,
    Feedback,
    FollowUp,
    SupportRequest,
    TrainingEvent,
    TrainingRegistration,
    Visit,
    VisitPlan,
)


def _date(value) -> str:
    return value.isoformat() if value else ""


def _names(users) -> str:
    return "、".join(u.get_full_name() or u.username for u in users)


# --- Visits ----------------------------------------------------------------------------


class VisitListView(FilteredListView):
    model = Visit
    filterset_class = VisitFilterSet
    template_name = "support/visit_list.html"
    export_name = "visits"
    export_title = gettext_lazy("Visits")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("center")
            .prefetch_related("experts", "findings")
            .annotate(
                open_count=Count("follow_ups", filter=Q(follow_ups__status__in=OPEN_FOLLOW_UP)),
                follow_up_count=Count("follow_ups"),
            )
            .order_by("-date", "-id")
        )

    def export_columns(self):
        return [
            ("訪問日", lambda v: _date(v.date)),
            ("拠点", lambda v: v.center.code),
            ("拠点名", lambda v: v.center.name),
            ("本部専門家", lambda v: _names(v.experts.all())),
            ("訪問時の段階", lambda v: v.get_escalation_level_display()),
            ("所見区分", lambda v: ";".join(f.name for f in v.findings.all())),
            ("所見", lambda v: v.observations),
            ("助言", lambda v: v.advice),
            ("フォローアップ", lambda v: v.follow_up_count),
            ("未完了", lambda v: v.open_count),
        ]


def visits_centers(user):
    """The centers where the user may record visits."""
    return centers_editable_for(user, Visit)


class VisitFormMixin(FormsetMixin):
    model = Visit
    form_class = VisitForm
    template_name = "support/visit_form.html"
    saved_message = gettext_lazy("Visit saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "center": self.center}

    def get_formset(self, data=None):
        return FollowUpFormSet(
            data,
            instance=getattr(self, "object", None) or Visit(center=self.center),
            prefix="follow_ups",
            form_kwargs={"center": self.center},
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["center"] = self.center
        day = context["form"]["date"].value()
        try:
            day = datetime.date.fromisoformat(str(day)) if day else datetime.date.today()
        except ValueError:
            day = datetime.date.today()
        if getattr(self, "object", None):
            context["previous"], context["sections"] = visits.items_for_visit(self.object)
        else:
            context["previous"], context["sections"] = visits.items_for_new_visit(self.center, day)
        return context


class VisitCreateView(VisitFormMixin, ScopedCreateView):
    """Step one picks the center and the day; step two is the visit itself, beside what
    is still open at that center."""

    object = None

    def dispatch(self, request, *args, **kwargs):
        raw = request.POST.get("center") or request.GET.get("center") or ""
        editable = visits_centers(request.user)
        self.center = editable.filter(pk=int(raw)).first() if raw.isdecimal() else None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.center is None:
            form = VisitPickForm(initial={"date": datetime.date.today()}, user=request.user)
            return render(request, "support/visit_pick.html", {"form": form})
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.center is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        initial = {"date": datetime.date.today()}
        with contextlib.suppress(ValueError):
            initial["date"] = datetime.date.fromisoformat(self.request.GET.get("date", ""))
        if role_of(self.request.user) == roles.HQ_EXPERT:
            initial["experts"] = [self.request.user.pk]
        return initial

    def form_valid(self, form):
        form.instance.center = self.center
        form.instance.recorded_by = self.request.user
        form.instance.escalation_level = visits.current_level(self.center)
        return super().form_valid(form)


class VisitUpdateView(VisitFormMixin, ScopedUpdateView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        self.center = obj.center
        return obj


@scope_rule("sessions of Consultation.objects.for_user(user) at a center the user may visit")
def visit_sessions(request):
    """The session checkboxes of the visit form for another day (htmx)."""
    raw = request.GET.get("center", "")
    center = visits_centers(request.user).filter(pk=int(raw)).first() if raw.isdecimal() else None
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = None
    form = VisitForm(user=request.user, center=center, initial={"date": day})
    form.fields["sessions"].queryset = sessions_of(request.user, center, day)
    return render(request, "support/_session_choices.html", {"field": form["sessions"]})


class VisitDetailView(ScopedDetailView):
    model = Visit
    template_name = "support/visit_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("center__prefecture__bureau")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visit, user = self.object, self.request.user
        context["sessions"] = visit.sessions.select_related("client", "lead_staff").order_by(
            "date", "start_time"
        )
        context["identity"] = may_see_identity(user)
        context["follow_ups"] = visit.follow_ups.select_related("owner")
        context["previous"], context["sections"] = visits.items_for_visit(visit)
        context["may_edit"] = Visit.objects.for_user(user, CHANGE).filter(pk=visit.pk).exists()
        context["may_work_follow_ups"] = may_edit(user, FollowUp)
        escalation = visits.escalation_of(visit.center)
        context["escalation"] = escalation
        context["may_escalate"] = visits.ESCALATION.may_take(escalation, "escalate", user)
        context["escalation_form"] = EscalationForm(initial={"level": escalation.level})
        context["history"] = combined_history(visit, *context["follow_ups"], viewer=user)
        return context


class VisitPdfView(PdfMixin, VisitDetailView):
    """The visit report on paper: findings, observations, advice and follow-ups."""

    pdf_template = "support/visit_pdf.html"

    def pdf_filename(self, context):
        return f"訪問報告-{self.object.center.name}-{self.object.date:%Y%m%d}.pdf"


class EscalateView(ChangeView):
    """POST from a visit's page: move its center's escalation level, at this visit (HQ only)."""

    model = Visit
    scope_action = VIEW
    form_class = EscalationForm
    inline_form = True
    done = gettext_lazy("Escalation level changed.")

    def refusal(self, visit):
        escalation = visits.escalation_of(visit.center)
        return visits.ESCALATION.refusal(escalation, "escalate", self.request.user) or ""

    def run(self, visit, form):
        visits.set_escalation(
            visits.escalation_of(visit.center),
            user=self.request.user,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            visit=visit,
        )


class EscalationDetailView(ScopedDetailView):
    """A center's escalation level now, and every change of it (who, when, from, to, why)."""

    model = Escalation
    template_name = "support/escalation_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("center__prefecture__bureau", "changed_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        escalation, user = self.object, self.request.user
        context["changes"] = visits.escalation_changes(escalation)
        context["may_escalate"] = visits.ESCALATION.may_take(escalation, "escalate", user)
        context["escalation_form"] = EscalationForm(initial={"level": escalation.level})
        context["visits"] = Visit.objects.for_user(user).filter(center=escalation.center)[:10]
        return context


def _escalate(escalation, *, user, level, reason):
    return visits.set_escalation(escalation, user=user, level=level, reason=reason)


class EscalationStepView(StepView):
    """POST: move a center's escalation level outside a visit, with the reason (HQ only)."""

    workflow = visits.ESCALATION
    step = "escalate"
    form_class = EscalationForm
    inline_form = True
    actions = {"escalate": _escalate}


# --- Visit plans -----------------------------------------------------------------------


def _plan_year(request) -> int:
    return plausible_year(request.GET.get("fy")) or fiscal_year_of(datetime.date.today())


@scope_rule("centers of scope_centers(user) only; only Visit plan editors get edit links")
def visit_plans(request):
    """The year's visit plan of every center in the user's scope against the visits held."""
    if role_of(request.user) not in roles.CENTER_WORK:
        raise PermissionDenied
    year = _plan_year(request)
    today = datetime.date.today()
    rows = visit_plans_module.plan_rows(
        scope_centers(request.user), fiscal_year=year, as_of=today, only_planned=False
    )
    return render(
        request,
        "support/visit_plans.html",
        {
            "year": year,
            "years": range(fiscal_year_of(today) + 1, fiscal_year_of(today) - 5, -1),
            "fiscal_year": FiscalYear.objects.filter(year=year).first(),
            "rows": rows,
            "totals": visit_plans_module.totals(rows),
            "as_of": today,
            "may_edit": may_edit(request.user, VisitPlan),
        },
    )


class VisitPlanFormMixin:
    model = VisitPlan
    form_class = VisitPlanForm
    template_name = "support/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Visit plan")}

    def get_success_url(self):
        messages.success(self.request, _("Visit plan saved."))
        return reverse("support:visit_plans") + f"?fy={self.object.fiscal_year.year}"


class VisitPlanCreateView(VisitPlanFormMixin, ScopedCreateView):
    def get_initial(self):
        initial = {"planned_visits": 4}
        year = FiscalYear.objects.filter(year=_plan_year(self.request)).first()
        if year:
            initial["fiscal_year"] = year.pk
        if self.request.GET.get("center", "").isdecimal():
            initial["center"] = int(self.request.GET["center"])
        return initial


class VisitPlanUpdateView(VisitPlanFormMixin, ScopedUpdateView):
    pass


# --- Follow-ups ------------------------------------------------------------------------


class FollowUpListView(FilteredListView):
    model = FollowUp
    filterset_class = FollowUpFilterSet
    template_name = "support/followup_list.html"
    export_name = "follow-ups"
    export_title = gettext_lazy("Follow-ups")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("visit__center", "owner")
            .order_by("due_date", "visit__center__code", "id")
        )

    def export_columns(self):
        return [
            ("訪問日", lambda f: _date(f.visit.date)),
            ("拠点", lambda f: f.visit.center.code),
            ("内容", lambda f: f.description),
            ("担当者", lambda f: f.owner.staff_code if f.owner else ""),
            ("期限", lambda f: _date(f.due_date)),
            ("状況", lambda f: f.get_status_display()),
            ("完了日", lambda f: _date(f.done_on)),
            ("メモ", lambda f: f.note),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = False  # follow-ups are created on their visit
        context["today"] = datetime.date.today()
        return context


class FollowUpUpdateView(StateFormMixin, ScopedUpdateView):
    """The center (or HQ) moves a follow-up on: status (a step), date done, note."""

    model = FollowUp
    workflow = visits.FOLLOW_UP
    form_class = FollowUpStatusForm
    template_name = "support/followup_form.html"

    def get_queryset(self):
        return super().get_queryset().select_related("visit__center", "owner")

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.errors:
            messages.success(self.request, _("Follow-up updated."))
        return response

    def get_success_url(self):
        return self.object.visit.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_for(self.object, viewer=self.request.user)
        return context


# --- HQ experts' meetings --------------------------------------------------------------


class MeetingListView(ScopedListView):
    model = ExpertsMeeting
    template_name = "support/meeting_list.html"

    def get_queryset(self):
        return super().get_queryset().annotate(feedback_count=Count("feedback"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = may_edit(self.request.user, ExpertsMeeting)
        return context


class MeetingFormMixin(FormsetMixin):
    model = ExpertsMeeting
    form_class = MeetingForm
    template_name = "support/meeting_form.html"
    saved_message = gettext_lazy("Meeting saved.")

    def get_formset(self, data=None):
        return FeedbackFormSet(
            data, instance=getattr(self, "object", None) or ExpertsMeeting(), prefix="feedback"
        )

    def before_save(self, form):
        if not form.instance.pk:
            form.instance.recorded_by = self.request.user


class MeetingCreateView(MeetingFormMixin, ScopedCreateView):
    object = None

    def get_initial(self):
        today = datetime.date.today()
        last = ExpertsMeeting.objects.order_by("-period_end").first()
        start = last.period_end + datetime.timedelta(days=1) if last else today.replace(day=1)
        return {"held_on": today, "period_start": start, "period_end": today}


class MeetingUpdateView(MeetingFormMixin, ScopedUpdateView):
    pass


class MeetingDetailView(ScopedDetailView):
    model = ExpertsMeeting
    template_name = "support/meeting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        context["summary"] = meetings.summarize(
            Visit.objects.for_user(user), start=meeting.period_start, end=meeting.period_end
        )
        context["levels"] = meetings.LEVELS
        context["feedback"] = (
            Feedback.objects.for_user(user).filter(meeting=meeting).select_related("center")
        )
        context["may_edit"] = may_edit(user, ExpertsMeeting)
        context["national"] = is_national(user)
        context["history"] = history_for(meeting, viewer=user)
        context["today"] = datetime.date.today()
        context["may_review_report"] = meetings.MEETING.may_take(meeting, "board_review", user)
        return context


class MeetingReviewView(StepView):
    """The advisory board's review of the meeting's report."""

    workflow = meetings.MEETING
    model = ExpertsMeeting  # a national record its readers open; the step is the board's
    scope_action = VIEW
    step = "board_review"
    form_class = MeetingReviewForm
    actions = {"board_review": meetings.review_report}

    def get_queryset(self):
        # Whoever reads the meeting reaches the page; the step is the board's alone (the
        # workflow refuses anyone else, and the page says why).
        return ExpertsMeeting.objects.for_user(self.request.user)


# --- Support requests ------------------------------------------------------------------


class SupportRequestListView(FilteredListView):
    model = SupportRequest
    filterset_class = SupportRequestFilterSet
    template_name = "support/request_list.html"
    export_name = "support-requests"
    export_title = gettext_lazy("Support requests")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("center", "topic", roles.SUPPORTER)
            .order_by("-requested_on", "-id")
        )

    def export_columns(self):
        return [
            ("依頼日", lambda r: _date(r.requested_on)),
            ("拠点", lambda r: r.center.code),
            ("件名", lambda r: r.title),
            ("相談分野", lambda r: r.topic.name if r.topic else ""),
            ("状況", lambda r: r.get_status_display()),
            ("サポーター", lambda r: _names([r.supporter]) if r.supporter else ""),
            ("助言", lambda r: r.advice),
            ("結果", lambda r: r.get_outcome_display() if r.outcome else ""),
            ("完了日", lambda r: _date(r.closed_on)),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = role_of(self.request.user) in CENTER_STAFF
        return context


@scope_rule("creates a request only for the user's own center (requests.request_support)")
def request_create(request):
    if role_of(request.user) not in CENTER_STAFF:
        raise PermissionDenied
    form = SupportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = requests.request_support(
                user=request.user, center=request.user.center, **form.cleaned_data
            )
        except StepRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Request sent to HQ."))
            return redirect(created)
    return render(
        request,
        "support/form.html",
        {"form": form, "title": _("Ask HQ for a supporter"), "submit": _("Send the request")},
    )


class SupportRequestDetailView(ScopedDetailView):
    """The request, and the one step the viewer may take on it (as a form, POSTed here)."""

    model = SupportRequest
    template_name = "support/request_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("center", "topic", roles.SUPPORTER)

    def forms_for(self, data=None):
        user, obj = self.request.user, self.object
        may = {step.name for step in requests.REQUEST.available(obj, user)}
        forms = {}
        if "assign" in may:
            forms["assign"] = AssignForm(
                data,
                candidates=requests.supporter_candidates(obj),
                initial={roles.SUPPORTER: obj.supporter_id},
            )
        if "advise" in may:
            forms["advise"] = AdviceForm(data, initial={"advice": obj.advice})
        if "close" in may:
            forms["close"] = CloseForm(data)
        return forms

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["step_forms"] = self.forms_for()
        context["candidates"] = (
            requests.supporter_candidates(self.object) if "assign" in context["step_forms"] else []
        )
        context["history"] = history_for(self.object, viewer=self.request.user)
        return context


class SupportRequestStepView(StepView):
    """A step on a request (assign, advise, close), POSTed from its page's forms."""

    workflow = requests.REQUEST
    inline_form = True  # the forms sit on the request's page: problems come back there
    actions = {
        "assign": requests.assign_supporter,
        "advise": requests.record_advice,
        "close": requests.close_request,
    }
    forms = {"assign": AssignForm, "advise": AdviceForm, "close": CloseForm}

    def get_form(self, data=None):
        step = self.get_step().name
        if step == "assign":
            return AssignForm(data, candidates=requests.supporter_candidates(self.get_object()))
        return self.forms[step](data)


# --- Training --------------------------------------------------------------------------


class TrainingListView(FilteredListView):
    model = TrainingEvent
    filterset_class = TrainingEventFilterSet
    template_name = "support/training_list.html"
    export_name = "training"
    export_title = gettext_lazy("Training")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("block")
            .annotate(
                registered=Count("registrations"),
                attended=Count(
                    "registrations", filter=Q(registrations__status=AttendanceStatus.ATTENDED)
                ),
            )
            .order_by("start_date", "code")
        )

    def export_columns(self):
        return [
            ("研修コード", lambda e: e.code),
            ("種別", lambda e: e.get_kind_display()),
            ("研修名", lambda e: e.title),
            ("ブロック", lambda e: e.block.name if e.block else ""),
            ("開始日", lambda e: _date(e.start_date)),
            ("終了日", lambda e: _date(e.end_date)),
            ("会場", lambda e: e.place),
            ("定員", lambda e: e.capacity),
            ("登録者", lambda e: e.registered),
            ("出席者", lambda e: e.attended),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_import"] = attendance.may_import(self.request.user)
        return context


class TrainingFormMixin:
    model = TrainingEvent
    form_class = TrainingEventForm
    template_name = "support/form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = (
            str(self.object) if getattr(self, "object", None) else _("New training event")
        )
        return context

    def form_valid(self, form):
        messages.success(self.request, _("Saved."))
        return super().form_valid(form)


class TrainingCreateView(TrainingFormMixin, ScopedCreateView):
    pass


class TrainingUpdateView(TrainingFormMixin, ScopedUpdateView):
    pass


class TrainingDetailView(ScopedDetailView):
    model = TrainingEvent
    template_name = "support/training_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("block")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event, user = self.object, self.request.user
        context["registrations"] = (
            TrainingRegistration.objects.for_user(user)
            .filter(event=event)
            .select_related("person", "center")
            .order_by("center__code", "person__kana")
        )
        context["taken"] = event.registrations.count()
        role = role_of(user)
        context["may_register"] = role in TRAINING_ORGANISERS or (
            role == roles.CENTER_MANAGER and event.start_date > datetime.date.today()
        )
        context["may_record"] = role in TRAINING_ORGANISERS
        context["may_edit"] = may_edit(user, TrainingEvent)
        context["register_form"] = kwargs.get("register_form") or RegisterForm()
        context["statuses"] = AttendanceStatus.choices
        context["history"] = history_for(event, viewer=user)
        return context


class TrainingRegisterView(StepView):
    """POST: register people by staff code (HQ: anyone; a center manager: own staff)."""

    workflow = training.REGISTRATION
    step = "register"
    # The step creates registrations: it is reached through the event they are for.
    model = TrainingEvent
    form_class = RegisterForm
    inline_form = True  # the form sits on the event's page (GET: a page of its own)

    def refusal(self, event):
        try:
            self.workflow.check_role(self.step, self.request.user)
        except StepRefused as refusal:
            return refusal.message
        return ""

    def take(self, event, step, data):
        return training.register(event, user=self.request.user, people=data["staff_codes"])

    def success_message(self, step, added):
        return _("%(count)s people registered.") % {"count": f"{added:,}"}


class TrainingAttendanceView(ScopedObjectMixin, View):
    """POST: the attendance of every registration shown on the event page (HQ)."""

    model = TrainingEvent
    scope_action = CHANGE

    def post(self, request, pk):
        event = get_object_or_404(self.get_queryset(), pk=pk)
        statuses = {
            int(key.removeprefix("status_")): value
            for key, value in request.POST.items()
            if key.startswith("status_") and key.removeprefix("status_").isdecimal()
        }
        try:
            changed = training.record_attendance(event, user=request.user, statuses=statuses)
            messages.success(
                request, _("Attendance saved (%(count)s changed).") % {"count": f"{changed:,}"}
            )
        except StepRefused as error:
            messages.error(request, str(error))
        return redirect(event)


@scope_rule("counts only the staff of scope_centers(user)")
def training_coverage(request):
    """Per center, the share of its staff trained this fiscal year; per block, events
    held against the plan of two a year."""
    form = CoverageFilterForm(request.GET or None)
    today = datetime.date.today()
    year, as_of, centers = fiscal_year_of(today), None, scope_centers(request.user)
    if form.is_valid():
        year = form.cleaned_data["fy"] or year
        as_of = form.cleaned_data["as_of"]
        if form.cleaned_data["bureau"]:
            centers = centers.filter(prefecture__bureau=form.cleaned_data["bureau"])
    rows = list(
        training.coverage(
            centers.select_related("prefecture__bureau"), fiscal_year=year, as_of=as_of
        ).order_by("code")
    )
    staff = sum(r.staff_count for r in rows)
    trained = sum(r.trained_count for r in rows)
    context = {
        "form": form,
        "year": year,
        "as_of": training.reference_date(year, as_of),
        "rows": rows,
        "total": {"staff": staff, "trained": trained, "share": trained / staff if staff else None},
        "plan": training.events_against_plan(year, as_of),
    }
    if request.GET.get("export") == "xlsx":
        headers = [_("Center"), _("Staff"), _("Trained"), _("Share")]
        data = [
            [
                r.name,
                r.staff_count,
                r.trained_count,
                round(r.trained_count / r.staff_count, 4) if r.staff_count else None,
            ]
            for r in rows
        ]
        return xlsx_response(f"training-coverage-{year}.xlsx", f"{year}年度", headers, data)
    query = request.GET.copy()
    query["export"] = "xlsx"
    context["export_query"] = query.urlencode()
    return render(request, "support/training_coverage.html", context)


class PersonTrainingView(ScopedDetailView):
    """A person's training history."""

    model = Person
    template_name = "support/person_training.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["registrations"] = training.person_history(self.object)
        return context


# --- Calendar --------------------------------------------------------------------------


@scope_rule("visits of Visit.objects.for_user(user); training events are national")
def calendar_view(request):
    first = calendar.parse_month(request.GET.get("month"))
    form = CalendarFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    weeks = calendar.month_grid(first)
    visit_list, events = calendar.entries_for(
        request.user,
        weeks,
        center=filters.get("center"),
        bureau=filters.get("bureau"),
        block=filters.get("block"),
    )
    calendar.fill(weeks, visits=visit_list, events=events)
    query = request.GET.copy()
    query.pop("month", None)
    return render(
        request,
        "support/calendar.html",
        {
            "form": form,
            "first": first,
            "weeks": weeks,
            "weekdays": [WEEKDAYS_ABBR[6], *(WEEKDAYS_ABBR[i] for i in range(6))],
            "previous": calendar.shift_month(first, -1),
            "next": calendar.shift_month(first, 1),
            "query": query.urlencode(),
        },
    )


# --- Assignments of HQ experts ---------------------------------------------------------


@scope_rule("national roles see every assignment; only agency_admin and hq_staff change them")
def expert_assignments(request):
    """Which HQ experts (project managers) look after which region and center."""
    from accounts.models import User, UserRole

    from .assignments import ASSIGNERS, assign_centers

    if not is_national(request.user):
        raise PermissionDenied
    may_assign = role_of(request.user) in ASSIGNERS
    form = ExpertAssignmentForm(request.POST or None)
    if request.method == "POST":
        if not may_assign:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            count = assign_centers(
                data["expert"],
                user=request.user,
                bureaus=data["bureaus"],
                centers=data["centers"],
                replace=data["replace"],
            )
            messages.success(
                request,
                _("%(expert)s now looks after %(count)s centers.")
                % {"expert": data["expert"], "count": count},
            )
            return redirect("support:expert_assignments")
    experts = User.objects.filter(role=UserRole.HQ_EXPERT, is_active=True)
    bureaus = Bureau.objects.prefetch_related(
        Prefetch(
            "prefectures__center__assigned_experts",
            queryset=experts.order_by("last_name", "username"),
        )
    ).order_by("order")
    rows = []
    for bureau in bureaus:
        for prefecture in bureau.prefectures.all():
            center = getattr(prefecture, "center", None)
            if center is not None:
                rows.append((bureau, center, list(center.assigned_experts.all())))
    experts = experts.annotate(center_count=Count("assigned_centers")).order_by(
        "last_name", "username"
    )
    return render(
        request,
        "support/expert_assignments.html",
        {"form": form, "may_assign": may_assign, "rows": rows, "experts": experts},
    )
