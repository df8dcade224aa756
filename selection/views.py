"""Selection, term and appointment screens: thin views over the workflow functions.

Every view reads through ``Model.objects.for_user``; scores come only through
``Scoresheet``/``ScoreEntry`` querysets (sealed until the round is closed) and
``scoring.results`` (None until then).
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core import roles
from core.fiscal import Period, fiscal_year_of
from core.history import combined_history, history_for
from core.pdf import PdfMixin
from core.scoping import CHANGE, role_of, scope_rule
from core.tabular import _content_disposition, csv_response, xlsx_response
from core.views import FilteredListView, ScopedDetailView, ScopedObjectMixin, in_default_order
from core.workflow import ChangeView, StepRefused, StepView

from . import appointments, scoring, workflow
from .filtersets import AppointmentFilterSet, RoundFilterSet, TermFilterSet
from .forms import (
    AgreementForm,
    ApprovalForm,
    CandidateForm,
    ConfirmForm,
    CriteriaFormSet,
    DecisionCorrectionForm,
    DecisionForm,
    DeclarationForm,
    DeclineForm,
    MemberForm,
    ProposalForm,
    RoundForm,
    ScoreForm,
)
from .models import (
    Candidate,
    CandidateDocument,
    CommitteeMember,
    CoordinatorAppointment,
    Decision,
    RoundKind,
    RoundStatus,
    Scoresheet,
    SelectionRound,
    Term,
)
from .terms import results_table, term_results
from .workflow import ROUND, SEAT, start_scoring, submit_scores


def _is_bureau(user, round_) -> bool:
    return (
        SelectionRound.objects.for_user(user, CHANGE).filter(pk=round_.pk).exists()
        if role_of(user) == roles.BUREAU_OFFICER
        else False
    )


def _sitting_chief_results(round_) -> dict:
    """The center's results during the term being renewed (renewal rounds only)."""
    current = round_.current_assignment
    if round_.kind != RoundKind.RENEWAL or current is None:
        return {"term_results": None}
    years = term_results(round_.center, current.start_date, current.end_date)
    return {"term_results": years, "term_table": results_table(years)}


# --- Rounds ------------------------------------------------------------------------------


class RoundListView(FilteredListView):
    model = SelectionRound
    filterset_class = RoundFilterSet
    template_name = "selection/round_list.html"
    export_name = "selection-rounds"
    export_title = gettext_lazy("Selection rounds")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("center", "nominee")
            .annotate(
                member_count=Count("members", distinct=True),
                candidate_count=Count("candidates", distinct=True),
                submitted_count=Count(
                    "members", filter=Q(members__submitted_at__isnull=False), distinct=True
                ),
            )
            .order_by("-term_start", "center__code", "-id")
        )

    def export_columns(self):
        return [
            (_("Center"), lambda r: r.center.name),
            (_("Kind"), lambda r: r.get_kind_display()),
            (_("Status"), lambda r: r.get_status_display()),
            (_("Term starts"), lambda r: r.term_start.isoformat()),
            (_("Term ends"), lambda r: r.term_end.isoformat()),
            (_("Committee members"), lambda r: r.member_count),
            (_("Candidates"), lambda r: r.candidate_count),
            (_("Decision"), lambda r: r.get_decision_display()),
            (_("Nominee"), lambda r: r.nominee.name if r.nominee else ""),
            (_("Decided on"), lambda r: r.decided_at.date().isoformat() if r.decided_at else ""),
        ]


@scope_rule("bureau officers only; workflow.create_round refuses centers outside their scope")
def round_create(request):
    if role_of(request.user) != roles.BUREAU_OFFICER:
        raise PermissionDenied
    next_year = Period.fiscal_year(fiscal_year_of(datetime.date.today()) + 1)
    form = RoundForm(
        request.POST or None,
        user=request.user,
        initial={"term_start": next_year.start, "term_end": next_year.end},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = workflow.create_round(user=request.user, **data)
            messages.success(request, _("Selection round created with the default criteria."))
            return redirect(round_)
        except StepRefused as error:
            form.add_error(None, str(error))
    return render(
        request,
        "selection/form.html",
        {
            "form": form,
            "title": _("New selection round"),
            "submit_label": _("Create"),
            "cancel_url": reverse("selection:round_list"),
        },
    )


class RoundDetailView(ScopedDetailView):
    model = SelectionRound
    template_name = "selection/round_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("center__prefecture__bureau", "nominee", "decided_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_, user = self.object, self.request.user
        criteria = list(round_.criteria.all())
        members = list(round_.members.select_related("user", "person"))
        candidates = list(
            round_.candidates.select_related("person").prefetch_related(
                "qualifications", "documents"
            )
        )
        seat = next((m for m in members if m.user_id == user.pk), None)
        context.update(
            {
                "criteria": criteria,
                "total_weight": sum(c.weight for c in criteria),
                "members": members,
                "submitted": sum(1 for m in members if m.submitted_at),
                "candidates": candidates,
                "seat": seat,
                "may_manage": _is_bureau(user, round_),
                "start_problems": workflow.start_problems(round_) if round_.in_setup else [],
                "results": scoring.results(round_),
                **_sitting_chief_results(round_),
                "terms": round_.terms.select_related("person"),
                "decisions": round_.decisions.select_related("nominee", "decided_by"),
                "events": round_.events.select_related("user"),
                # The setup only: members' sheets have their own page, sealed until closure.
                "history": combined_history(round_, *criteria, *candidates, *members),
            }
        )
        return context


class RoundPdfView(PdfMixin, RoundDetailView):
    """The round's result for the bureau's file (the scores as sealed as on the page)."""

    pdf_template = "selection/round_pdf.html"

    def pdf_filename(self, context):
        return f"選定結果-{self.object.center.name}-{self.object.term_start:%Y}.pdf"


class RoundResultsView(ScopedDetailView):
    """The results block alone (htmx polls it while members are scoring)."""

    model = SelectionRound
    template_name = "selection/_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_ = self.object
        context["results"] = scoring.results(round_)
        context["members"] = list(round_.members.all())
        context["submitted"] = sum(1 for m in context["members"] if m.submitted_at)
        return context


class RoundExportView(ScopedObjectMixin, View):
    """Every score of a closed round, one row per member, candidate and criterion."""

    model = SelectionRound

    def get(self, request, pk):
        round_ = get_object_or_404(self.get_queryset(), pk=pk)
        if not round_.results_visible:
            raise PermissionDenied(_("The scores are sealed until every member has submitted."))
        sheets = (
            Scoresheet.objects.for_user(request.user)
            .filter(member__round=round_)
            .select_related("member__user", "candidate")
            .prefetch_related("entries__criterion")
            .order_by("candidate__kana", "candidate_id", "member_id")
        )
        headers = [
            _("Candidate"),
            _("Member"),
            _("Seat"),
            _("Conflict of interest"),
            _("Criterion"),
            _("Weight"),
            _("Score"),
            _("Comment"),
        ]

        def rows():
            for sheet in sheets:
                base = [
                    sheet.candidate.name,
                    str(sheet.member.user),
                    sheet.member.get_source_display(),
                    _("Yes") if sheet.conflict else _("No"),
                ]
                entries = list(sheet.entries.all()) or [None]
                for entry in entries:
                    yield base + [
                        entry.criterion.name if entry else "",
                        entry.criterion.weight if entry else "",
                        entry.value if entry else "",
                        sheet.comment,
                    ]

        name = f"selection-{round_.pk}-scores.{'csv' if request.GET.get('as') == 'csv' else 'xlsx'}"
        if request.GET.get("as") == "csv":
            return csv_response(name, headers, rows())
        return xlsx_response(name, str(_("Scores")), headers, rows())


class SetupView(ChangeView):
    """A change to a round while the bureau sets it up (``workflow._setup`` locks it)."""

    model = SelectionRound
    scope_action = CHANGE
    template_name = "selection/form.html"
    closed = gettext_lazy("Scoring has started: the round can no longer change.")

    def round_of(self, obj) -> SelectionRound:
        return obj

    def refusal(self, obj):
        return "" if self.round_of(obj).in_setup else str(self.closed)


class RoundEditView(SetupView):
    form_class = RoundForm
    title = gettext_lazy("Edit the round")

    def form_kwargs(self):
        r = self.get_object()
        return {
            **super().form_kwargs(),
            "editing": True,
            "initial": {"term_start": r.term_start, "term_end": r.term_end, "notes": r.notes},
        }

    def run(self, round_, form):
        workflow.update_round(round_, user=self.request.user, **form.cleaned_data)


class CriteriaView(SetupView):
    template_name = "selection/criteria_form.html"
    title = gettext_lazy("Criteria and weights")
    closed = gettext_lazy("Scoring has started: the criteria can no longer change.")
    done = gettext_lazy("Criteria saved.")

    def get_form(self, data=None):
        initial = [
            {"id": c.pk, "name": c.name, "description": c.description, "weight": c.weight}
            for c in self.get_object().criteria.all()
        ]
        return CriteriaFormSet(data, initial=initial, prefix="criteria")

    def run(self, round_, formset):
        rows = [
            {**f.cleaned_data, "delete": f.cleaned_data.get("DELETE", False)}
            for f in formset.forms
            if f.cleaned_data and (f.cleaned_data.get("id") or f.has_changed())
        ]
        workflow.save_criteria(round_, user=self.request.user, rows=rows)


class MemberAddView(SetupView):
    form_class = MemberForm
    title = gettext_lazy("Add a committee member")
    submit_label = gettext_lazy("Add")
    closed = gettext_lazy("Scoring has started: the committee can no longer change.")
    done = gettext_lazy("Member added.")

    def form_kwargs(self):
        return {**super().form_kwargs(), "round_": self.get_object()}

    def run(self, round_, form):
        data = form.cleaned_data
        workflow.add_member(
            round_,
            user=self.request.user,
            member=data["user"],
            source=data["source"],
            affiliation=data["affiliation"],
        )


class RemoveView(ChangeView):
    """Take a thing off a round (GET asks first; the buttons POST); back to the round."""

    scope_action = CHANGE
    submit_label = gettext_lazy("Remove")

    def success_url(self, obj):
        return self.back_to(obj).get_absolute_url()

    def page_context(self, obj, form):
        question = _("Remove %(thing)s?") % {"thing": obj}
        return {**super().page_context(obj, form), "question": question}


class MemberRemoveView(RemoveView):
    model = CommitteeMember
    title = gettext_lazy("Withdraw from the committee")
    done = gettext_lazy("Member removed.")

    def back_to(self, seat):
        return seat.round

    def run(self, seat, form):
        workflow.remove_member(seat, user=self.request.user)


class RoundStartView(StepView):
    workflow = ROUND
    step = "start"
    actions = {"start": start_scoring}

    def success_message(self, step, result):
        return _(
            "Scoring has started: the committee members can declare their conflicts and score."
        )


class DecisionView(StepView):
    workflow = ROUND
    step = "decide"
    form_class = DecisionForm
    template_name = "selection/form.html"
    submit_label = gettext_lazy("Record the decision")

    def form_kwargs(self):
        round_ = self.get_object()
        best = None
        results = scoring.results(round_)
        if results and results.ranking and results.ranking[0].rank == 1:
            best = results.ranking[0].candidate.pk
        return {
            **super().form_kwargs(),
            "round_": round_,
            "initial": {"decision": Decision.NOMINATE, "nominee": best},
        }

    def extra_context(self, round_):
        return {"results": scoring.results(round_)}

    def take(self, round_, step, data):
        nominee = data["nominee"] if data["decision"] == Decision.NOMINATE else None
        return workflow.decide(
            round_,
            user=self.request.user,
            nominee=nominee,
            reason=data["reason"],
            staff_code=data["staff_code"],
        )


class DecisionCorrectView(StepView):
    """The bureau corrects its decision: a new version, the term following it."""

    workflow = ROUND
    step = "correct_decision"
    form_class = DecisionCorrectionForm
    template_name = "selection/form.html"
    submit_label = gettext_lazy("Correct the decision")

    def form_kwargs(self):
        round_ = self.get_object()
        initial = {
            "decision": round_.decision,
            "nominee": round_.nominee_id,
            "term_end": round_.term_end,
            "reason": round_.decision_reason,
        }
        return {**super().form_kwargs(), "round_": round_, "initial": initial}

    def take(self, round_, step, data):
        nominee = data["nominee"] if data["decision"] == Decision.NOMINATE else None
        return workflow.correct_decision(
            round_,
            user=self.request.user,
            nominee=nominee,
            term_end=data["term_end"],
            reason=data["reason"],
            correction_reason=data["correction_reason"],
            staff_code=data["staff_code"],
        )


# --- Candidates --------------------------------------------------------------------------


class CandidateCreateView(SetupView):
    form_class = CandidateForm
    title = gettext_lazy("Add a candidate")
    submit_label = gettext_lazy("Add")
    closed = gettext_lazy("Scoring has started: the candidates can no longer change.")
    done = gettext_lazy("Candidate added.")

    def form_kwargs(self):
        return {**super().form_kwargs(), "user": self.request.user}

    def run(self, round_, form):
        data = form.cleaned_data
        candidate = workflow.save_candidate(
            round_,
            user=self.request.user,
            qualifications=data["qualifications"],
            **form.candidate_fields(),
        )
        if data["document"]:
            workflow.add_document(
                candidate,
                user=self.request.user,
                title=data["document_title"],
                upload=data["document"],
            )
        return candidate  # its page is where the user goes next


class CandidateUpdateView(SetupView):
    model = Candidate
    form_class = CandidateForm
    title = gettext_lazy("Edit the candidate")
    closed = gettext_lazy("Scoring has started: the candidates can no longer change.")
    done = gettext_lazy("Saved.")

    def round_of(self, candidate):
        return candidate.round

    def form_kwargs(self):
        instance = Candidate.objects.get(pk=self.kwargs["pk"])  # a copy the form may change
        return {**super().form_kwargs(), "user": self.request.user, "instance": instance}

    def run(self, candidate, form):
        data = form.cleaned_data
        workflow.save_candidate(
            candidate.round,
            user=self.request.user,
            candidate=candidate,
            qualifications=data["qualifications"],
            **form.candidate_fields(),
        )
        if data["document"]:
            workflow.add_document(
                candidate,
                user=self.request.user,
                title=data["document_title"],
                upload=data["document"],
            )


class CandidateRemoveView(RemoveView):
    model = Candidate
    title = gettext_lazy("Remove the candidate")
    done = gettext_lazy("Candidate removed.")

    def back_to(self, candidate):
        return candidate.round

    def run(self, candidate, form):
        workflow.remove_candidate(candidate, user=self.request.user)


class CandidateDetailView(ScopedDetailView):
    model = Candidate
    template_name = "selection/candidate_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("round__center", "person")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        candidate = self.object
        context["round"] = candidate.round
        context["documents"] = candidate.documents.defer("content").select_related("uploaded_by")
        if candidate.is_sitting_chief:
            context.update(_sitting_chief_results(candidate.round))
        context["may_manage"] = _is_bureau(self.request.user, candidate.round)
        context["history"] = history_for(candidate)
        return context


class DocumentDownloadView(ScopedObjectMixin, View):
    model = CandidateDocument

    def get(self, request, pk):
        document = get_object_or_404(self.get_queryset(), pk=pk)
        response = HttpResponse(bytes(document.content), content_type=document.content_type)
        response["Content-Disposition"] = _content_disposition(document.filename)
        response["X-Content-Type-Options"] = "nosniff"
        return response


class DocumentRemoveView(RemoveView):
    model = CandidateDocument
    title = gettext_lazy("Remove")
    done = gettext_lazy("Document removed.")

    def back_to(self, document):
        return document.candidate

    def run(self, document, form):
        workflow.remove_document(document, user=self.request.user)


# --- Committee members: declaring, scoring, submitting -----------------------------------


class MemberDetailView(ScopedDetailView):
    """A member's seat: to the member, their declaration, sheets and submission; to
    others, the seat and, once the round is closed, the member's assessments."""

    model = CommitteeMember
    template_name = "selection/member_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("round__center", "user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seat, user = self.object, self.request.user
        round_ = seat.round
        is_me = seat.user_id == user.pk
        # Through the sealed queryset: nothing of another member's before the round closes.
        sheets = in_default_order(
            Scoresheet.objects.for_user(user)
            .filter(member=seat)
            .select_related("candidate")
            .annotate(scored=Count("entries"))
        )
        context.update(
            {
                "round": round_,
                "is_me": is_me,
                "sheets": sheets,
                "criteria_count": round_.criteria.count(),
                "may_score": is_me
                and round_.status == RoundStatus.SCORING
                and not seat.submitted_at,
                "problems": workflow.submission_problems(seat)
                if is_me and round_.status == RoundStatus.SCORING
                else [],
            }
        )
        return context


class DeclarationView(StepView):
    workflow = SEAT
    step = "declare"
    form_class = DeclarationForm
    title = gettext_lazy("Declaration of conflicts of interest")
    template_name = "selection/declaration_form.html"
    submit_label = gettext_lazy("Save the declaration")
    done = gettext_lazy("Declaration saved. You can now score the candidates.")

    def get_queryset(self):
        # As for submitting: whoever sees the seat reaches the page, which says why the
        # declaration is the member's alone.
        return CommitteeMember.objects.for_user(self.request.user)

    def form_kwargs(self):
        sheets = (
            Scoresheet.objects.for_user(self.request.user, CHANGE)
            .filter(member_id=self.kwargs["pk"])
            .select_related("candidate")
        )
        return {**super().form_kwargs(), "sheets": sheets}

    def take(self, seat, step, data):
        return workflow.declare_conflicts(
            seat, user=self.request.user, declarations=self.form.declarations()
        )

    def get_form(self, data=None):
        self.form = super().get_form(data)
        return self.form


class SheetView(ScopedObjectMixin, View):
    """One candidate on one member's sheet: the profile, then the scores (or, read-only,
    what was scored once the round is closed)."""

    model = Scoresheet
    template_name = "selection/sheet.html"

    def get_object(self):
        return get_object_or_404(
            self.get_queryset().select_related(
                "member__round__center", "member__user", "candidate"
            ),
            pk=self.kwargs["pk"],
        )

    def editable(self, sheet) -> bool:
        return (
            Scoresheet.objects.for_user(self.request.user, CHANGE)
            .filter(pk=sheet.pk, conflict=False)
            .exists()
        )

    def get_form(self, sheet, data=None):
        entries = {e.criterion_id: e.value for e in sheet.entries.all()}
        return ScoreForm(
            data,
            criteria=sheet.member.round.criteria.all(),
            entries=entries,
            initial={"comment": sheet.comment},
        )

    def get(self, request, pk):
        sheet = self.get_object()
        return self.render(sheet, self.get_form(sheet) if self.editable(sheet) else None)

    def post(self, request, pk):
        sheet = self.get_object()
        form = self.get_form(sheet, request.POST)
        if form.is_valid():
            try:
                workflow.save_scores(
                    sheet,
                    user=request.user,
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                )
                messages.success(
                    request, _("Scores saved for %(name)s.") % {"name": sheet.candidate.name}
                )
                return redirect(sheet.member)
            except StepRefused as error:
                form.add_error(None, str(error))
        return self.render(sheet, form)

    def render(self, sheet, form):
        round_ = sheet.member.round
        candidate = sheet.candidate
        return render(
            self.request,
            self.template_name,
            {
                "object": sheet,
                "round": round_,
                "candidate": candidate,
                "form": form,
                "entries": sheet.entries.select_related("criterion"),
                "documents": candidate.documents.defer("content"),
                **(_sitting_chief_results(round_) if candidate.is_sitting_chief else {}),
                "history": history_for(sheet),
            },
        )


class MemberSubmitView(StepView):
    workflow = SEAT
    step = "submit"
    actions = {"submit": submit_scores}

    def get_queryset(self):
        # Whoever sees the seat reaches the page; the step itself is the member's alone
        # (the workflow refuses anyone else, and the page says why).
        return CommitteeMember.objects.for_user(self.request.user)

    def success_message(self, step, result):
        return _("Your scores are submitted.")

    def success_url(self, seat):
        return seat.round.get_absolute_url()


# --- Terms -------------------------------------------------------------------------------


class TermListView(FilteredListView):
    model = Term
    filterset_class = TermFilterSet
    template_name = "selection/term_list.html"
    export_name = "terms"
    export_title = gettext_lazy("Terms")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related(
                "center",
                "person",
                "selection_round__center",  # the source column names the round's center
                "appointment__center",
                "renews",
            )
            .order_by("center__code", "-start_date", "id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = False
        context["today"] = datetime.date.today()
        context["year_end"] = Period.fiscal_year(fiscal_year_of(context["today"])).end
        return context

    def export_columns(self):
        return [
            (_("Center"), lambda t: t.center.name),
            (_("Role"), lambda t: t.get_role_display()),
            (_("Staff code"), lambda t: t.person.staff_code),
            (_("Name"), lambda t: t.person.name),
            (_("Start date"), lambda t: t.start_date.isoformat()),
            (_("End date"), lambda t: t.end_date.isoformat() if t.end_date else ""),
            (_("Renewal"), lambda t: _("Yes") if t.renews_id else ""),
            (
                _("Source"),
                lambda t: str(t.selection_round or t.appointment or _("Staff records (roster)")),
            ),
        ]


# --- Coordinator appointments ------------------------------------------------------------


class AppointmentListView(FilteredListView):
    model = CoordinatorAppointment
    filterset_class = AppointmentFilterSet
    template_name = "selection/appointment_list.html"
    export_name = "coordinator-appointments"
    export_title = gettext_lazy("Coordinator appointments")

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("center").order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_propose"] = role_of(self.request.user) == roles.CENTER_MANAGER
        return context

    def export_columns(self):
        return [
            (_("Center"), lambda a: a.center.name),
            (_("Name"), lambda a: a.name),
            (_("Staff code"), lambda a: a.staff_code),
            (_("Term starts"), lambda a: a.start_date.isoformat()),
            (_("Term ends"), lambda a: a.end_date.isoformat()),
            (_("Status"), lambda a: a.get_status_display()),
            (_("Signatory of the implementing body"), lambda a: a.signatory),
        ]


@scope_rule("center managers only, for their own center (appointments.propose)")
def appointment_create(request):
    if role_of(request.user) != roles.CENTER_MANAGER or not request.user.center_id:
        raise PermissionDenied
    next_year = Period.fiscal_year(fiscal_year_of(datetime.date.today()) + 1)
    form = ProposalForm(
        request.POST or None,
        user=request.user,
        initial={"start_date": next_year.start, "end_date": next_year.end},
    )
    if request.method == "POST" and form.is_valid():
        try:
            appointment = appointments.propose(
                center=request.user.center, user=request.user, **form.cleaned_data
            )
            messages.success(request, _("Proposal recorded; the implementing body agrees next."))
            return redirect(appointment)
        except StepRefused as error:
            form.add_error(None, str(error))
    return render(
        request,
        "selection/form.html",
        {
            "form": form,
            "title": _("Propose a coordinator"),
            "submit_label": _("Propose"),
            "cancel_url": reverse("selection:appointment_list"),
        },
    )


class AppointmentDetailView(ScopedDetailView):
    model = CoordinatorAppointment
    template_name = "selection/appointment_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("center__prefecture__bureau", "person", "assignment")
            .defer("agreement_document")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        appointment, user = self.object, self.request.user
        context["agreement_by"] = (
            appointment.center.prefecture.bureau.get_appointment_agreement_display()
        )
        may = {step.name for step in appointments.APPOINTMENT.available(appointment, user)}
        context["actions"] = {
            "agree": "agree" in may,
            "approve": "approve" in may,
            "appoint": "appoint" in may,
            "decline": bool({"decline", "decline_approval"} & may),
        }
        context["events"] = appointment.events.select_related("user")
        context["history"] = history_for(appointment)
        return context


class AppointmentStepView(StepView):
    """A step of an appointment, each with its form (the term's creation only confirms)."""

    workflow = appointments.APPOINTMENT
    actions = {
        "agree": appointments.agree,
        "approve": appointments.approve,
        "appoint": appointments.create_term,
        "decline": appointments.decline,
    }
    forms = {
        "agree": AgreementForm,
        "approve": ApprovalForm,
        "appoint": ConfirmForm,
        "decline": DeclineForm,
    }

    def get_form(self, data=None):
        form_class = self.forms[self.get_step().name]
        kwargs = self.form_kwargs()
        if form_class is AgreementForm:
            kwargs["for_body"] = role_of(self.request.user) in roles.BODY
        return form_class(data, **kwargs)

    def success_message(self, step, result):
        return _("Recorded.")


class AgreementDocumentView(ScopedObjectMixin, View):
    """The agreement the implementing body signed, uploaded by the center."""

    model = CoordinatorAppointment

    def get(self, request, pk):
        appointment = get_object_or_404(
            self.get_queryset(), pk=pk, agreement_document__isnull=False
        )
        response = HttpResponse(
            bytes(appointment.agreement_document),
            content_type=appointment.agreement_document_type,
        )
        response["Content-Disposition"] = _content_disposition(appointment.agreement_document_name)
        response["X-Content-Type-Options"] = "nosniff"
        return response
