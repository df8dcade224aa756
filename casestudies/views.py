"""Thin views: each reads through ``for_user`` and calls the functions of ``workflow``."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views import View

from consultations.models import Case, may_see_identity
from core import roles
from core.scoping import CHANGE, role_of, scope_rule
from core.views import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedObjectMixin,
    ScopedUpdateView,
)
from core.workflow import StepRefused, step_view

from . import workflow
from .forms import CaseStudyForm, ConsentForm, ImpactRecordForm, ReasonForm
from .models import CaseStudy, CaseStudyStatus, ImpactRecord


class ImpactRecordCreateView(ScopedCreateView):
    model = ImpactRecord
    form_class = ImpactRecordForm
    template_name = "casestudies/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = {}
        if self.request.GET.get("client", "").isdecimal():
            initial["client"] = self.request.GET["client"]
        if getattr(self.request.user, "center_id", None):
            initial["center"] = self.request.user.center_id
        return initial

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, gettext_lazy("Saved."))
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": ImpactRecord._meta.verbose_name}


class CaseStudyListView(ScopedListView):
    model = CaseStudy
    template_name = "casestudies/list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("center", "prefecture")

    def get_context_data(self, **kwargs):
        from core.fiscal import fiscal_year_of

        context = super().get_context_data(**kwargs)
        context["may_print"] = role_of(self.request.user) in roles.NATIONAL
        context["current_year"] = fiscal_year_of(datetime.date.today())
        return context


class CaseStudyDetailView(ScopedDetailView):
    model = CaseStudy
    template_name = "casestudies/detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("case__client", "center", "prefecture")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        study, user = self.object, self.request.user
        own_center = may_see_identity(user) and study.center_id == getattr(user, "center_id", None)
        context.update(
            {
                "client_name": study.case.client.business_name
                if own_center
                else study.public_name(),
                "steps": workflow.CASE_STUDY.available(study, user),
                "may_edit": study.status in EDITABLE
                and CaseStudy.objects.for_user(user, CHANGE).filter(pk=study.pk).exists(),
                "problems": workflow.publication_problems(study),
                "events": study.events.select_related("user"),
            }
        )
        return context


EDITABLE = {CaseStudyStatus.DRAFT, CaseStudyStatus.CONSENTED}


@scope_rule("drafts only from the solved cases that Case.objects.for_user(user, CHANGE) returns")
class CaseStudyCreateView(View):
    template_name = "casestudies/form.html"

    def case(self):
        try:
            workflow.CASE_STUDY.check_role("draft", self.request.user)
        except StepRefused as refusal:
            raise PermissionDenied(refusal.message) from refusal
        number = self.request.GET.get("case", "")
        if not number.isdecimal():
            raise Http404
        return get_object_or_404(Case.objects.for_user(self.request.user, CHANGE), pk=number)

    def get(self, request):
        case = self.case()
        form = CaseStudyForm(initial={"title": case.title, "industry": case.client.industry})
        return self.render(case, form)

    def post(self, request):
        case = self.case()
        form = CaseStudyForm(request.POST)
        if form.is_valid():
            try:
                study = workflow.draft(case=case, user=request.user, **form.cleaned_data)
            except StepRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, gettext_lazy("Draft saved."))
                return redirect(study)
        return self.render(case, form)

    def render(self, case, form):
        return render(
            self.request,
            self.template_name,
            {"form": form, "title": gettext_lazy("Draft a case study"), "case": case},
        )


class CaseStudyUpdateView(ScopedUpdateView):
    """The center (its drafts) and HQ (before approving) edit the text."""

    model = CaseStudy
    form_class = CaseStudyForm
    template_name = "casestudies/form.html"

    def get_queryset(self):
        return super().get_queryset().filter(status__in=EDITABLE)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, gettext_lazy("Saved."))
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": self.object.title}


class ConsentView(ScopedObjectMixin, View):
    """Record the client's consent with its signed document (a file: not the bare step view)."""

    model = CaseStudy
    scope_action = CHANGE
    template_name = "casestudies/form.html"

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return self.render(self.get_object(), ConsentForm())

    def post(self, request, pk):
        study = self.get_object()
        form = ConsentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                workflow.record_consent(
                    study,
                    user=request.user,
                    document=form.cleaned_data["document"],
                    names_client=form.cleaned_data["names_client"],
                )
            except StepRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, workflow.CASE_STUDY.step("record_consent").done)
                return redirect(study)
        return self.render(study, form)

    def render(self, study, form):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": study,
                "multipart": True,
                "title": workflow.CASE_STUDY.step("record_consent").label,
                "refusal": workflow.CASE_STUDY.refusal(study, "record_consent", self.request.user),
            },
        )


class ConsentDocumentView(ScopedObjectMixin, View):
    """The signed consent: for the study's center and HQ only (drafts' readers)."""

    model = CaseStudy
    scope_action = CHANGE

    def get(self, request, pk):
        study = get_object_or_404(self.get_queryset(), pk=pk, consent_document__isnull=False)
        response = HttpResponse(
            bytes(study.consent_document), content_type=study.consent_document_type
        )
        response["Content-Disposition"] = "attachment; filename=consent" + (
            "." + study.consent_document_name.rsplit(".", 1)[-1]
            if "." in study.consent_document_name
            else ""
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


publish_view = step_view(workflow.CASE_STUDY, step="publish", actions={"publish": workflow.publish})
withdraw_view = step_view(
    workflow.CASE_STUDY,
    step="withdraw",
    actions={"withdraw": workflow.withdraw},
    form_class=ReasonForm,
)
