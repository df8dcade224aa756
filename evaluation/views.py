"""Evaluation screens: thin views over the workflow, scoring and budget functions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core import roles
from core.history import history_for
from core.pdf import PdfMixin
from core.scoping import CHANGE, VIEW, may_edit, role_of, scope_rule
from core.tabular import xlsx_response
from core.views import (
    FormsetMixin,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedObjectMixin,
    ScopedUpdateView,
)
from core.workflow import StateFormMixin, StepRefused, StepView
from organizations.models import Center
from planning.models import FiscalYear
from planning.views import selected_year

from . import checklists, scoring, workflow
from .forms import (
    AdjustmentForm,
    AttachmentForm,
    BoardCommentForm,
    BoardReviewForm,
    BudgetForm,
    ChecklistForm,
    ChecklistItemFormSet,
    CopyChecklistForm,
    GuidanceActionForm,
    GuidancePlanForm,
    HearingForm,
    ReasonForm,
    ResultReviewForm,
    RulesForm,
    ScoresForm,
)
from .models import (
    GRADES,
    BoardComment,
    BudgetAllocation,
    BudgetLine,
    CenterEvaluation,
    ChecklistTemplate,
    EvaluationRules,
    EvaluationRun,
    GuidanceAction,
    GuidancePlan,
    Hearing,
    HearingAttachment,
    HearingScore,
)

STEP_ERRORS = StepRefused


def _years(request):
    return {"years": FiscalYear.objects.all(), "year": selected_year(request)}


# --- Rules -----------------------------------------------------------------------------


class RulesListView(ScopedListView):
    model = EvaluationRules
    template_name = "evaluation/rules_list.html"

    def get_queryset(self):
        self.year = selected_year(self.request)
        return super().get_queryset().filter(fiscal_year=self.year).select_related("created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_years(self.request))
        context["may_edit"] = may_edit(self.request.user, EvaluationRules)
        return context


class RulesDetailView(ScopedDetailView):
    model = EvaluationRules
    template_name = "evaluation/rules_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = RulesForm(instance=self.object, with_reason=False)
        context["history"] = history_for(self.object, viewer=self.request.user)
        context["refusals"] = self.object.events.filter(refused=True).select_related("user")
        return context


@scope_rule("the rules are national; only agency_admin (RulesQuerySet editors) may save a version")
def rules_create(request):
    if not may_edit(request.user, EvaluationRules):
        raise PermissionDenied
    year = selected_year(request)
    if year is None:
        raise Http404
    latest = workflow.latest_rules(year)
    form = RulesForm(
        request.POST or None, instance=latest if not request.POST else None, initial={"reason": ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            rules = workflow.save_rules(
                year,
                user=request.user,
                values=form.cleaned_data,
                reason=form.cleaned_data["reason"],
            )
        except STEP_ERRORS as error:
            messages.error(request, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Rules version %(v)s saved.") % {"v": rules.version})
            return redirect(rules)
    return render(
        request, "evaluation/rules_form.html", {"form": form, "year": year, "latest": latest}
    )


# --- Hearings --------------------------------------------------------------------------


class HearingListView(ScopedListView):
    model = Hearing
    template_name = "evaluation/hearing_list.html"

    def get_queryset(self):
        self.year = selected_year(self.request)
        return (
            super()
            .get_queryset()
            .filter(fiscal_year=self.year)
            .select_related("center__prefecture__bureau", "template")
            .annotate(scored_items=Count("scores", filter=Q(scores__score__isnull=False)))
            .order_by("center__code")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_years(self.request))
        context["may_edit"] = may_edit(self.request.user, Hearing)
        heard = {h.center_id for h in self.object_list}
        context["missing"] = Center.objects.for_user(self.request.user).exclude(pk__in=heard)
        return context


class HearingCreateView(ScopedCreateView):
    model = Hearing
    form_class = HearingForm
    template_name = "evaluation/form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        year = selected_year(self.request)
        return {"fiscal_year": year, "center": self.request.GET.get("center")}

    def get_success_url(self):
        return reverse("evaluation:hearing_scores", args=[self.object.pk])


# --- Hearing checklists ----------------------------------------------------------------


class ChecklistListView(ScopedListView):
    model = ChecklistTemplate
    template_name = "evaluation/checklist_list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                item_count=Count("items", distinct=True),
                hearing_count=Count("hearings", distinct=True),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = may_edit(self.request.user, ChecklistTemplate)
        return context


class ChecklistDetailView(ScopedDetailView):
    model = ChecklistTemplate
    template_name = "evaluation/checklist_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items"] = self.object.items.all()
        context["hearing_count"] = self.object.hearings.count()  # shown; 0 = editable
        context["may_edit"] = may_edit(self.request.user, ChecklistTemplate)
        context["history"] = history_for(self.object, viewer=self.request.user)
        return context


class ChecklistFormMixin(FormsetMixin):
    """The checklist and its items, saved together in one transaction."""

    model = ChecklistTemplate
    form_class = ChecklistForm
    template_name = "evaluation/checklist_form.html"
    saved_message = gettext_lazy("Checklist saved.")

    def get_formset(self, data=None):
        instance = getattr(self, "object", None) or ChecklistTemplate()
        return ChecklistItemFormSet(data, instance=instance, prefix="items")

    def before_save(self, form):
        form.instance._history_user = self.request.user


class ChecklistCreateView(ChecklistFormMixin, ScopedCreateView):
    pass


class ChecklistUpdateView(ChecklistFormMixin, ScopedUpdateView):
    def dispatch(self, request, *args, **kwargs):
        template = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if template.in_use():
            messages.error(
                request,
                _("Hearings use this checklist, so it stays as it is: copy it to change it."),
            )
            return redirect(template)
        return super().dispatch(request, *args, **kwargs)


class ChecklistCopyView(ScopedObjectMixin, View):
    """A copy of a checklist to edit; it replaces the original for new hearings."""

    model = ChecklistTemplate
    scope_action = CHANGE

    def dispatch(self, request, *args, **kwargs):
        self.template = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form):
        return render(
            request=self.request,
            template_name="evaluation/checklist_copy.html",
            context={"form": form, "object": self.template},
        )

    def get(self, request, pk):
        name = _("%(name)s (copy)") % {"name": self.template.name}
        return self.render_form(CopyChecklistForm(initial={"name": name[:100]}))

    def post(self, request, pk):
        form = CopyChecklistForm(request.POST)
        if not form.is_valid():
            return self.render_form(form)
        copy = checklists.copy_checklist(self.template, form.cleaned_data["name"], request.user)
        messages.success(request, _("Copied; the copy is offered for new hearings instead."))
        return redirect("evaluation:checklist_update", copy.pk)


class HearingUpdateView(ScopedUpdateView):
    model = Hearing
    form_class = HearingForm
    template_name = "evaluation/form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs


class HearingDetailView(ScopedDetailView):
    model = Hearing
    template_name = "evaluation/hearing_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hearing = self.object
        scores = {s.item_id: s for s in hearing.scores.all()}
        context["rows"] = [(item, scores.get(item.pk)) for item in hearing.template.items.all()]
        total = sum(s.score or 0 for s in scores.values())
        context["score_sum"], context["maximum"] = total, 3 * len(context["rows"])
        context["may_edit"] = (
            Hearing.objects.for_user(self.request.user, CHANGE).filter(pk=hearing.pk).exists()
        )
        context["attachment_form"] = AttachmentForm()
        context["history"] = history_for(hearing, viewer=self.request.user)
        return context


class HearingScoresView(ScopedObjectMixin, View):
    model = Hearing
    scope_action = CHANGE
    template_name = "evaluation/hearing_scores.html"

    def dispatch(self, request, *args, **kwargs):
        self.hearing = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(
            request,
            self.template_name,
            {"hearing": self.hearing, "form": ScoresForm(hearing=self.hearing)},
        )

    def post(self, request, pk):
        form = ScoresForm(request.POST, hearing=self.hearing)
        if not form.is_valid():
            return render(request, self.template_name, {"hearing": self.hearing, "form": form})
        with transaction.atomic():
            for item in form.items:
                score, _new = HearingScore.objects.get_or_create(hearing=self.hearing, item=item)
                score.score = form.cleaned_data[f"score_{item.pk}"]
                score.comment = form.cleaned_data[f"comment_{item.pk}"]
                score._history_user = request.user
                score.save()
        messages.success(request, _("Scores saved."))
        return redirect(self.hearing)


class HearingAttachView(ScopedObjectMixin, View):
    model = Hearing
    scope_action = CHANGE

    def post(self, request, pk):
        hearing = get_object_or_404(self.get_queryset(), pk=pk)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            attachment = form.save(commit=False)
            attachment.hearing, attachment.uploaded_by = hearing, request.user
            attachment.name = attachment.name or attachment.file.name
            attachment.save()
            messages.success(request, _("Attachment added."))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect(hearing)


class AttachmentDownloadView(ScopedObjectMixin, View):
    model = HearingAttachment

    def get(self, request, pk):
        attachment = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(
            handle, as_attachment=True, filename=attachment.file.name.split("/")[-1]
        )


# --- The evaluation run ----------------------------------------------------------------


class RunListView(ScopedListView):
    model = EvaluationRun
    template_name = "evaluation/run_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("fiscal_year", "rules", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_years(self.request))
        role = role_of(self.request.user)
        context["may_run"] = role == roles.AGENCY_ADMIN
        context["may_see_hearings"] = role not in {roles.COORDINATOR, roles.IMPLEMENTING_BODY}
        context["may_see_budget"] = (
            role in roles.NATIONAL or BudgetAllocation.objects.for_user(self.request.user).exists()
        )
        return context


@scope_rule("runs the national evaluation; the workflow allows only agency_admin")
def run_start(request):
    if request.method != "POST":
        return redirect("evaluation:run_list")
    raw = request.POST.get("fiscal_year", "")
    year = get_object_or_404(FiscalYear, pk=int(raw)) if raw.isdecimal() else None
    if year is None:
        messages.error(request, _("Choose a fiscal year."))
        return redirect("evaluation:run_list")
    try:
        run = workflow.run_evaluation(
            year, user=request.user, override=request.POST.get("override", "")
        )
    except STEP_ERRORS as error:
        messages.error(request, str(error))
        return redirect("evaluation:run_list")
    messages.success(request, _("The evaluation of %(year)s was computed.") % {"year": year})
    return redirect(run)


def grade_counts(results) -> list[tuple[str, int]]:
    counted = dict(results.values_list("grade").annotate(n=Count("id")).order_by())
    return [(grade, counted.get(grade, 0)) for grade in GRADES]


_board_comment_count = (
    BoardComment.objects.filter(run=OuterRef("run"), center=OuterRef("center"))
    .order_by()
    .values("center")
    .annotate(n=Count("id"))
    .values("n")
)


class RunDetailView(ScopedDetailView):
    model = EvaluationRun
    template_name = "evaluation/run_detail.html"

    def results(self):
        return (
            CenterEvaluation.objects.for_user(self.request.user)
            .filter(run=self.object)
            .select_related("center__prefecture__bureau", "reviewed_by")
            .annotate(board_comment_count=Subquery(_board_comment_count))
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.GET.get("export") == "xlsx":
            return self.export()
        return self.render_to_response(self.get_context_data(object=self.object))

    def export(self):
        headers = [
            _("Center code"),
            _("Center"),
            _("Bureau"),
            _("Indicator points"),
            _("Survey points"),
            _("Hearing points"),
            _("Total"),
            _("Grade"),
            _("Reviewed by the bureau"),
            _("Bureau's review"),
            _("Bureau's comment"),
        ]
        rows = (
            [
                r.center.code,
                r.center.name,
                r.center.prefecture.bureau.short_name,
                r.indicator_points,
                r.survey_points,
                r.hearing_points,
                r.total,
                r.grade,
                r.reviewed_at.date() if r.reviewed_at else "",
                str(r.get_review_state_display()),
                r.review_comment,
            ]
            for r in self.results()
        )
        return xlsx_response(
            f"evaluation-{self.object.fiscal_year.year}-v{self.object.version}.xlsx",
            str(_("Evaluation")),
            headers,
            rows,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, run = self.request.user, self.object
        results = self.results()
        role = role_of(user)
        context["show_board"] = role not in roles.CENTER_STAFF
        board_comments = list(
            BoardComment.objects.for_user(user).filter(run=run).select_related("center", "author")
        )
        context.update(
            results=results,
            grades=grade_counts(results),
            pending=results.filter(reviewed_at__isnull=True).count(),
            rechecks=results.filter(recheck_requested_at__isnull=False).count(),
            is_agency=role == roles.AGENCY_ADMIN,
            may_review=workflow.RUN.may_take(run, "review", user),
            may_comment_as_board=workflow.RUN.may_take(run, "board_comment", user),
            may_board_review=workflow.RUN.may_take(run, "board_review", user)
            and not run.board_done,
            may_waive=workflow.RUN.may_take(run, "waive_board_review", user) and not run.board_done,
            board_comments=board_comments,
            # The board's overall comment is the note of its review step.
            board_note=run.events.filter(action="board_review", refused=False)
            .values_list("note", flat=True)
            .last()
            if run.board_reviewed_at and context["show_board"]
            else "",
            board_review_form=BoardReviewForm(),
            reason_form=ReasonForm(),
            events=run.events.select_related("user")
            if role
            in frozenset({roles.AGENCY_ADMIN, roles.HQ_STAFF, roles.BUREAU_OFFICER}) | roles.BOARD
            else [],
        )
        context["next_budget"] = BudgetAllocation.objects.filter(run=run).first()
        return context


class RunStepView(StepView):
    """Finalise, correct (with a reason), complete the advisory board's review (with an
    optional comment) or waive it (with a reason)."""

    workflow = workflow.RUN
    actions = {"finalise": None, "correct": None, "board_review": None, "waive_board_review": None}
    forms = {
        "correct": ReasonForm,
        "board_review": BoardReviewForm,
        "waive_board_review": ReasonForm,
    }

    def get_form(self, data=None):
        form_class = self.forms.get(self.get_step().name)
        return form_class(data) if form_class else None

    def take(self, run, step, data):
        user = self.request.user
        if step.name == "finalise":
            return len(workflow.finalise(run, user=user))
        if step.name == "correct":
            return workflow.start_correction(run, user=user, reason=data["reason"])
        if step.name == "board_review":
            return workflow.complete_board_review(run, user=user, comment=data["comment"])
        return workflow.waive_board_review(run, user=user, reason=data["reason"])

    def success_message(self, step, result):
        if step.name == "finalise":
            return _("Finalised. %(n)s centers were put on focused guidance.") % {"n": result}
        if step.name == "correct":
            return _("Correction v%(v)s started.") % {"v": result.version}
        return super().success_message(step, result)


class ResultStepView(StepView):
    """A step of the evaluation taken on one center's result: the bureau's review of it, or
    an advisory board member's comment on it."""

    workflow = workflow.RUN
    model = CenterEvaluation  # reached through the result; the step is the run's
    scope_action = VIEW
    forms = {"review": ResultReviewForm, "board_comment": BoardCommentForm}

    def get_queryset(self):
        return super().get_queryset().select_related("run", "center")

    def get_form(self, data=None):
        return self.forms[self.get_step().name](data)

    def refusal(self, result):
        return self.workflow.refusal(result.run, self.get_step().name, self.request.user)

    def take(self, result, step, data):
        user = self.request.user
        if step.name == "review":
            workflow.review_result(result, user=user, **data)
        else:
            workflow.comment_as_board(result, user=user, text=data["text"])
        return result

    def run(self, obj, form):
        self._step = self.get_step()
        data = form.step_data() if hasattr(form, "step_data") else form.cleaned_data
        return self.take(obj, self._step, data)

    def success_message(self, step, result):
        if step.name == "review":
            return _("Your review of %(center)s is recorded.") % {"center": result.center.name}
        return _("Comment recorded.")

    def success_url(self, result):
        return result.run.get_absolute_url() + f"#center-{result.center.code}"


class WhatIfView(ScopedDetailView):
    """Which centers' grades would move under other rules, from the run's stored inputs."""

    model = EvaluationRun
    scope_action = CHANGE  # the Agency's tool: RunQuerySet editors
    template_name = "evaluation/whatif.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        data = self.request.GET if "weight_consultations" in self.request.GET else None
        form = RulesForm(data, instance=run.rules if data is None else None, with_reason=False)
        context["form"] = form
        if data is not None and form.is_valid():
            proposed = workflow.rules_from(run.rules, form.cleaned_data)
            changes = []
            for result in run.results.select_related("center").order_by("center__code"):
                new = scoring.score(result.inputs, proposed)
                if new.grade != result.grade or new.total != result.total:
                    changes.append(
                        {
                            "result": result,
                            "total": new.total,
                            "grade": new.grade,
                            "moved": new.grade != result.grade,
                        }
                    )
            context["changes"] = changes
            context["moved"] = sum(1 for c in changes if c["moved"])
            context["query"] = self.request.GET.urlencode()
            context["may_apply"] = not run.is_final and not run.rules.is_locked
        return context


class WhatIfApplyView(ScopedObjectMixin, View):
    """Save the previewed rules as a new version and compute the draft again."""

    model = EvaluationRun
    scope_action = CHANGE

    def post(self, request, pk):
        run = get_object_or_404(self.get_queryset(), pk=pk)
        form = RulesForm(request.POST, with_reason=True)
        if not form.is_valid():
            messages.error(request, _("A new rules version needs a reason."))
            return redirect(run)
        try:
            with transaction.atomic():  # the new rules only together with the run under them
                workflow.save_rules(
                    run.fiscal_year,
                    user=request.user,
                    values=form.cleaned_data,
                    reason=form.cleaned_data["reason"],
                )
                run = workflow.run_evaluation(run.fiscal_year, user=request.user)
        except STEP_ERRORS as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("New rules saved and the evaluation computed again."))
        return redirect(run)


class ResultDetailView(ScopedDetailView):
    model = CenterEvaluation
    template_name = "evaluation/result_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("run__rules", "run__fiscal_year", "center")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.object
        breakdown = result.breakdown
        context["indicator_lines"] = [
            {**line, "name": scoring.indicator_label(line)} for line in breakdown["indicators"]
        ]
        context["has_impact"] = any(line.get("reference") for line in breakdown["indicators"])
        context["survey_lines"] = [
            {**line, "name": scoring.survey_label(line["kind"])} for line in breakdown["surveys"]
        ]
        context["flags"] = [scoring.describe_flag(flag) for flag in breakdown["flags"]]
        context["hearing"] = breakdown["hearing"]
        context["guidance"] = getattr(result, "guidance", None)
        user = self.request.user
        context["may_review"] = workflow.RUN.may_take(result.run, "review", user)
        context["may_comment_as_board"] = workflow.RUN.may_take(result.run, "board_comment", user)
        context["board_comments"] = (
            BoardComment.objects.for_user(user)
            .filter(run=result.run, center=result.center)
            .select_related("author")
        )
        return context


class ResultPdfView(PdfMixin, ResultDetailView):
    """The evaluation sheet on paper: the page's breakdown, plus the center's budget
    line as the viewer may see it (a draft budget stays with the Agency and HQ)."""

    pdf_template = "evaluation/result_pdf.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.object
        context["budget_line"] = (
            BudgetLine.objects.for_user(self.request.user)
            .filter(center=result.center, allocation__run=result.run)
            .first()
        )
        return context

    def pdf_filename(self, context):
        return f"評価シート-{self.object.center.name}-{self.object.run.fiscal_year.year}.pdf"


# --- Budget ----------------------------------------------------------------------------


class BudgetListView(ScopedListView):
    model = BudgetAllocation
    template_name = "evaluation/budget_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("fiscal_year", "run__fiscal_year")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["runs"] = (
            EvaluationRun.objects.for_user(self.request.user, CHANGE)
            .filter(status="finalised")
            .select_related("fiscal_year")
        )
        return context


class BudgetEditView(ScopedObjectMixin, View):
    """The envelope and the bases of next year's budget, from a finalised evaluation."""

    model = EvaluationRun
    scope_action = CHANGE  # the Agency's: RunQuerySet editors

    def dispatch(self, request, *args, **kwargs):
        self.run = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        self.existing = BudgetAllocation.objects.filter(run=self.run).first()
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        existing = self.existing
        return BudgetForm(
            data,
            centers=Center.objects.order_by("code"),
            initial_bases=dict(existing.lines.values_list("center_id", "base")) if existing else {},
            initial={"envelope": existing.envelope if existing else None},
        )

    def get(self, request, pk):
        if self.existing is not None and self.existing.is_decided:
            messages.info(request, _("This budget is decided; it can no longer change."))
            return redirect(self.existing)
        return render(
            request, "evaluation/budget_form.html", {"form": self.form(), "run": self.run}
        )

    def post(self, request, pk):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                allocation = workflow.allocate_budget(
                    self.run,
                    user=request.user,
                    envelope=form.cleaned_data["envelope"],
                    bases=form.bases(),
                )
            except STEP_ERRORS as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Budget allocated."))
                return redirect(allocation)
        return render(request, "evaluation/budget_form.html", {"form": form, "run": self.run})


class BudgetDetailView(ScopedDetailView):
    model = BudgetAllocation
    template_name = "evaluation/budget_detail.html"

    def lines(self):
        return (
            BudgetLine.objects.for_user(self.request.user)
            .filter(allocation=self.object)
            .select_related("center__prefecture__bureau", "contract")
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.GET.get("export") == "xlsx":
            headers = [
                _("Center code"),
                _("Center"),
                _("Grade"),
                _("Base (yen)"),
                _("Grade factor"),
                _("Allocation (yen)"),
                _("Manual adjustment"),
                _("Reason for the adjustment"),
            ]
            rows = (
                [
                    line.center.code,
                    line.center.name,
                    line.grade,
                    line.base,
                    line.factor,
                    line.amount,
                    _("yes") if line.is_adjusted else "",
                    line.adjustment_reason,
                ]
                for line in self.lines()
            )
            return xlsx_response(
                f"budget-{self.object.fiscal_year.year}.xlsx", str(_("Budget")), headers, rows
            )
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = self.lines()
        context["lines"] = lines
        context["line_total"] = lines.aggregate(total=Sum("amount"))["total"] or 0
        context["may_edit"] = (
            may_edit(self.request.user, BudgetAllocation) and not self.object.is_decided
        )
        context["history"] = history_for(self.object, viewer=self.request.user)
        return context


class LineAdjustView(ScopedUpdateView):
    model = BudgetLine
    form_class = AdjustmentForm
    template_name = "evaluation/form.html"

    def form_valid(self, form):
        line = self.object
        try:
            allocation = workflow.adjust_line(
                BudgetLine.objects.get(pk=line.pk),
                user=self.request.user,
                amount=form.cleaned_data["adjusted_amount"],
                reason=form.cleaned_data["adjustment_reason"],
            )
        except STEP_ERRORS as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Adjustment saved; the other centers were rescaled."))
        return redirect(allocation)


# --- Guidance --------------------------------------------------------------------------


class GuidanceListView(ScopedListView):
    model = GuidancePlan
    template_name = "evaluation/guidance_list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("center__prefecture__bureau", "fiscal_year", "evaluation")
            .annotate(open_actions=Count("actions", filter=Q(actions__status="open")))
            .order_by("-fiscal_year__year", "center__code")
        )


class GuidanceDetailView(ScopedDetailView):
    model = GuidancePlan
    template_name = "evaluation/guidance_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, user = self.object, self.request.user
        may_change = GuidancePlan.objects.for_user(user, CHANGE).filter(pk=plan.pk).exists()
        context["may_edit_plan"] = may_change and role_of(user) != roles.CENTER_MANAGER
        context["may_edit_actions"] = may_change
        context["plan_form"] = GuidancePlanForm(instance=plan)
        context["action_form"] = GuidanceActionForm()
        context["actions"] = plan.actions.all()
        context["history"] = history_for(plan, viewer=user)
        return context


class GuidanceUpdateView(StateFormMixin, ScopedUpdateView):
    workflow = workflow.GUIDANCE
    model = GuidancePlan
    form_class = GuidancePlanForm
    template_name = "evaluation/form.html"

    def get_queryset(self):
        # The center follows its actions; the plan itself is the evaluators'.
        if role_of(self.request.user) == roles.CENTER_MANAGER:
            return GuidancePlan.objects.none()
        return super().get_queryset()


class GuidanceActionCreateView(ScopedObjectMixin, View):
    model = GuidancePlan
    scope_action = CHANGE

    def post(self, request, pk):
        plan = get_object_or_404(self.get_queryset(), pk=pk)
        form = GuidanceActionForm(request.POST)
        if form.is_valid():
            action = form.save(commit=False)
            action.plan = plan
            action._history_user = request.user
            action.save()
            messages.success(request, _("Action added."))
        else:
            for field, errors in form.errors.items():
                for error in errors:
                    label = form.fields[field].label if field in form.fields else ""
                    messages.error(request, f"{label}: {error}" if label else error)
        return redirect(plan)


class GuidanceActionUpdateView(StateFormMixin, ScopedUpdateView):
    workflow = workflow.GUIDANCE_ACTION
    model = GuidanceAction
    form_class = GuidanceActionForm
    template_name = "evaluation/form.html"
