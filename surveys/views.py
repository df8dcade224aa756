"""Survey screens for staff: thin views over campaigns.py, versions.py and results.py.

What staff see never ties an answer to a respondent: recipient lists show who was asked
and how (never whether or when they answered), results show aggregates and comments of
at least ``results.MIN_ANSWERS`` answers, and the per-answer download (no respondent in
it) is for the national roles alone.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from consultations.models import may_see_identity
from core import roles
from core.history import history_for
from core.scoping import CHANGE, is_national, may_edit, role_of, scope_centers, scope_rule
from core.tabular import xlsx_response
from core.views import (
    FilteredListView,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedObjectMixin,
    ScopedUpdateView,
)
from core.workflow import StepRefused, StepView
from organizations.models import Bureau, Center
from planning.models import FiscalYear
from planning.views import selected_year

from . import campaigns, results, versions
from .filtersets import CampaignFilterSet
from .forms import (
    CampaignForm,
    QuestionFormSet,
    TemplateForm,
    TemplateVersionForm,
    format_choices,
)
from .models import (
    DELIVERY_ROLES,
    Campaign,
    CampaignStatus,
    SurveyKind,
    SurveyTemplate,
)


def selected_kind(request) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in SurveyKind.values else SurveyKind.CLIENT


def base_url(request) -> str:
    return request.build_absolute_uri("/")


def export_answers(request, responses, name: str):
    """The per-answer .xlsx: for the national roles only."""
    if not is_national(request.user):
        raise PermissionDenied
    headers, rows = results.answer_table(responses)
    return xlsx_response(f"{name}.xlsx", _("Answers"), headers, rows)


# --- Campaigns -------------------------------------------------------------------------


class CampaignListView(FilteredListView):
    model = Campaign
    filterset_class = CampaignFilterSet
    template_name = "surveys/campaign_list.html"
    export_name = "survey-campaigns"
    export_title = gettext_lazy("Survey campaigns")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("fiscal_year", "center", "template")
            .annotate(recipient_count=Count("recipients"))
            .order_by("-fiscal_year__year", "kind", "center__code", "-id")
        )

    def export_columns(self):
        return [
            ("年度", lambda o: o.fiscal_year.year),
            ("調査", lambda o: o.get_kind_display()),
            ("名称", lambda o: o.name),
            ("拠点", lambda o: o.center.name if o.center else "全国"),
            ("状態", lambda o: o.get_status_display()),
            ("回答期限", lambda o: o.closes_on.isoformat()),
            ("対象者数", lambda o: o.recipient_count),
        ]


class CampaignFormMixin:
    model = Campaign
    form_class = CampaignForm
    template_name = "surveys/campaign_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Saved."))
        return response


class CampaignCreateView(CampaignFormMixin, ScopedCreateView):
    def get_initial(self):
        kind = self.request.GET.get("kind", "")
        return {"kind": kind} if kind in SurveyKind.values else {}

    def form_valid(self, form):
        form.instance.created_by = self.request.user
        return super().form_valid(form)


class CampaignUpdateView(CampaignFormMixin, ScopedUpdateView):
    def get_queryset(self):
        return super().get_queryset().exclude(status=CampaignStatus.CLOSED)


class CampaignDetailView(ScopedDetailView):
    model = Campaign
    template_name = "surveys/campaign_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("fiscal_year", "center", "template", "version")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign, user = self.object, self.request.user
        centers = scope_centers(user)
        figures = {row.center.pk: row.figures for row in results.campaign_rows(campaign, centers)}
        delivery = (
            campaign.recipients.filter(center__in=centers)
            .values("center", "center__name")
            .annotate(
                total=Count("pk"),
                by_email=Count("pk", filter=~Q(email="")),
                by_print=Count("pk", filter=Q(email="")),
            )
            .order_by("center__code")
        )
        context["delivery"] = [
            {**row, "figures": figures.get(row["center"], results.Figures())} for row in delivery
        ]
        context["min_answers"] = results.MIN_ANSWERS
        may_change = Campaign.objects.for_user(user, CHANGE).filter(pk=campaign.pk).exists()
        may_deliver = role_of(user) in DELIVERY_ROLES and campaign.accepts_answers()
        context["actions"] = {
            "edit": may_change and campaign.status != CampaignStatus.CLOSED,
            "launch": may_change and campaign.status == CampaignStatus.DRAFT,
            "close": may_change and campaign.status == CampaignStatus.OPEN,
            "deliver": may_deliver,
        }
        context["history"] = history_for(campaign, viewer=user)
        return context


class CampaignStepView(StepView):
    """Launch or close (POST; GET asks for a confirmation)."""

    workflow = campaigns.CAMPAIGN

    def take(self, campaign, step, data):
        if step.name == "launch":
            return campaigns.launch(
                campaign, user=self.request.user, base_url=base_url(self.request)
            )
        return campaigns.close(campaign, user=self.request.user)

    def confirmation(self, campaign, step):
        if step.name != "launch":
            return []
        preview = campaigns.launch_preview(campaign)
        numbers = {k: f"{v:,}" for k, v in vars(preview).items() if v is not None}
        if preview.emailed is not None:
            return [
                _(
                    "%(recipients)s recipients will be asked. E-mails will be sent now to "
                    "%(emailed)s of them (those with an address); the other %(to_print)s "
                    "are handed printed sheets."
                )
                % {**numbers, "to_print": f"{preview.recipients - preview.emailed:,}"}
            ]
        return [
            _(
                "%(recipients)s recipients will be drawn at random from %(candidates)s "
                "candidates; those drawn who have an e-mail address (%(with_email)s of the "
                "candidates have one) are e-mailed now, the others are handed printed sheets."
            )
            % numbers
        ]

    def success_message(self, step, result):
        if step.name == "launch":
            return _(
                "Launched: %(recipients)s recipients; links are being emailed to "
                "%(emailed)s (My jobs shows the progress), %(to_print)s to hand out "
                "on printed sheets."
            ) % vars(result)
        return super().success_message(step, result)


class SendEmailsView(ScopedObjectMixin, View):
    """Email links (again) to the recipients with an address in the user's scope."""

    model = Campaign

    def post(self, request, pk):
        campaign = get_object_or_404(self.get_queryset(), pk=pk)
        reminder = request.POST.get("reminder") == "1"
        try:
            sent = campaigns.send_emails(
                campaign, user=request.user, base_url=base_url(request), reminder=reminder
            )
        except StepRefused as error:
            messages.error(request, str(error))
            return redirect(campaign)
        if reminder:
            # Everyone with an address gets one, answered or not: the count tells nothing.
            messages.success(
                request,
                _(
                    "Reminders are being emailed to %(count)s recipients, whether they have "
                    "answered or not (My jobs shows the progress)."
                )
                % {"count": f"{sent:,}"},
            )
        else:
            messages.success(
                request,
                _("Links are being emailed to %(count)s recipients (My jobs shows the progress).")
                % {"count": f"{sent:,}"},
            )
        return redirect(campaign)


class SheetsView(ScopedObjectMixin, View):
    """A printable A4 sheet with a QR code per recipient (GET: choose; POST: print)."""

    model = Campaign

    def get_campaign(self, pk):
        return get_object_or_404(self.get_queryset().select_related("version", "center"), pk=pk)

    def centers(self, campaign):
        try:
            return campaigns.delivery_centers(campaign, self.request.user)
        except StepRefused:
            return Center.objects.none()

    def get(self, request, pk):
        campaign = self.get_campaign(pk)
        centers = self.centers(campaign).filter(pk__in=campaign.recipients.values("center"))
        return render(
            request,
            "surveys/sheets_form.html",
            {"object": campaign, "centers": centers, "open": campaign.accepts_answers()},
        )

    def post(self, request, pk):
        campaign = self.get_campaign(pk)
        value = request.POST.get("center", "")
        center = None
        if value.isdecimal():
            center = get_object_or_404(self.centers(campaign), pk=int(value))
        try:
            pairs = campaigns.print_links(
                campaign,
                user=request.user,
                everyone=request.POST.get("everyone") == "1",
                center=center,
            )
        except StepRefused as error:
            messages.error(request, str(error))
            return redirect(campaign)
        sheets = [
            {
                "recipient": recipient.label(request.user),
                "center": recipient.center,
                "url": (url := campaigns.answer_url(base_url(request), token)),
                "qr": qr_svg(url),
            }
            for recipient, token in pairs
        ]
        response = render(request, "surveys/sheets.html", {"object": campaign, "sheets": sheets})
        response["Cache-Control"] = "no-store"
        return response


def qr_svg(url: str) -> str:
    import segno

    # The URL is ours and segno escapes nothing of it into markup: safe to inline.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, omitsize=False))  # noqa: S308


class RecipientListView(ScopedDetailView):
    """Who the campaign asks, within the user's scope: how they are reached, never
    whether they answered."""

    model = Campaign
    template_name = "surveys/recipient_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        recipients = (
            self.object.recipients.filter(center__in=scope_centers(user))
            .select_related("center", "client", "institution")
            .order_by("center__code", "id")
        )
        page = Paginator(recipients, 100).get_page(self.request.GET.get("page"))
        identity = may_see_identity(user)
        context["page_obj"] = page
        context["rows"] = [
            {
                "center": r.center,
                "label": r.label(user),
                "email": r.email if (identity or r.institution_id) else ("✓" if r.email else ""),
                "channel": _("Email") if r.email else _("Printed sheet"),
            }
            for r in page
        ]
        return context


class CampaignResultsView(ScopedDetailView):
    model = Campaign
    template_name = "surveys/campaign_results.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            campaign = self.get_object()
            return export_answers(
                request, results.campaign_responses(campaign), f"survey-answers-{campaign.pk}"
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.object
        centers = scope_centers(self.request.user)
        rows = results.campaign_rows(campaign, centers)
        total = results.total_of(rows)
        shown = results.shown_only(results.campaign_responses(campaign, centers))
        context.update(
            {
                "rows": rows,
                "total": total,
                "recipient_total": sum(row.figures.recipients for row in rows),
                "blocks": results.question_results(shown) if total.shown else [],
                "may_export": is_national(self.request.user),
                "min_answers": results.MIN_ANSWERS,
                "many_centers": len(rows) > 1,
            }
        )
        return context


# --- Results for a fiscal year ------------------------------------------------------------


def results_context(request, centers, *, title):
    year, kind = selected_year(request), selected_kind(request)
    context = {
        "title": title,
        "year": year,
        "years": FiscalYear.objects.all(),
        "kind": kind,
        "kinds": SurveyKind.choices,
        "kind_label": SurveyKind(kind).label,
        "min_answers": results.MIN_ANSWERS,
    }
    if year is None:
        return context
    rows = results.center_rows(year.year, kind, centers)
    total = results.total_of(rows)
    shown = results.shown_only(results.year_responses(year.year, kind, centers))
    last = results.shown_only(results.year_responses(year.year - 1, kind, centers))
    context.update(
        {
            "rows": rows,
            "total": total,
            "last_total": results.total_of(rows, last_year=True),
            "recipient_total": sum(row.figures.recipients for row in rows),
            "blocks": results.question_results(shown, last) if total.shown else [],
            "hidden_centers": sum(1 for row in rows if not row.figures.shown),
        }
    )
    return context


@scope_rule("redirects to the results of the user's own scope")
def results_home(request):
    user, role = request.user, role_of(request.user)
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    if is_national(user):
        return redirect(reverse("surveys:national_results") + query)
    if role == roles.BUREAU_OFFICER and user.bureau_id:
        return redirect(reverse("surveys:bureau_results", args=[user.bureau_id]) + query)
    if user.center_id:
        return redirect(reverse("surveys:center_results", args=[user.center_id]) + query)
    center = scope_centers(user).order_by("code").first()
    if center is not None:
        return redirect(reverse("surveys:center_results", args=[center.pk]) + query)
    raise PermissionDenied


@scope_rule("national roles only; raises PermissionDenied for every other role")
def national_results(request):
    if not is_national(request.user):
        raise PermissionDenied
    context = results_context(request, Center.objects.all(), title=_("National survey results"))
    year = context["year"]
    if year and request.GET.get("export") == "xlsx":
        responses = results.year_responses(year.year, context["kind"])
        return export_answers(request, responses, f"survey-answers-{year.year}-{context['kind']}")
    if year:
        bureaus = {}
        for row in context["rows"]:
            bureaus.setdefault(row.center.prefecture.bureau, []).append(row)
        context["bureaus"] = [
            (bureau, results.total_of(rows), results.total_of(rows, last_year=True))
            for bureau, rows in bureaus.items()
        ]
    context["may_export"] = True
    return render(request, "surveys/results.html", context)


class BureauResultsView(ScopedDetailView):
    model = Bureau
    template_name = "surveys/results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        centers = scope_centers(self.request.user).filter(prefecture__bureau=self.object)
        context.update(results_context(self.request, centers, title=self.object.name))
        return context


class CenterResultsView(ScopedDetailView):
    model = Center
    template_name = "surveys/results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        centers = Center.objects.filter(pk=self.object.pk)
        context.update(results_context(self.request, centers, title=self.object.name))
        context["single_center"] = True
        return context


# --- Templates -------------------------------------------------------------------------


class TemplateListView(ScopedListView):
    model = SurveyTemplate
    template_name = "surveys/template_list.html"
    paginate_by = None

    def get_queryset(self):
        return super().get_queryset().annotate(version_count=Count("versions"))

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "may_edit": may_edit(self.request.user, SurveyTemplate),
        }


class TemplateCreateView(ScopedCreateView):
    model = SurveyTemplate
    form_class = TemplateForm
    template_name = "surveys/template_new.html"

    def get_success_url(self):
        return reverse("surveys:template_update", args=[self.object.pk])


class TemplateDetailView(ScopedDetailView):
    """A template's versions; ``?version=N`` shows an older one."""

    model = SurveyTemplate
    template_name = "surveys/template_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = self.object
        all_versions = template.versions.annotate(
            campaign_count=Count("campaigns", distinct=True),
            response_count=Count("responses", distinct=True),
        ).order_by("-number")
        number = self.request.GET.get("version", "")
        version = (
            all_versions.filter(number=int(number)).first() if number.isdecimal() else None
        ) or all_versions.first()
        context.update(
            {
                "versions": all_versions,
                "version": version,
                "questions": version.questions.all() if version else [],
                "may_edit": may_edit(self.request.user, SurveyTemplate),
                # A version one small campaign used would show its count of answers.
                "show_answers": is_national(self.request.user),
                "history": history_for(template, viewer=self.request.user),
            }
        )
        return context


class TemplateEditView(ScopedObjectMixin, View):
    """Edit the current version's questions; a version in use becomes a new version."""

    model = SurveyTemplate
    scope_action = CHANGE
    template_name = "surveys/template_form.html"

    def get_template(self, pk):
        return get_object_or_404(self.get_queryset(), pk=pk)

    def get(self, request, pk):
        template = self.get_template(pk)
        version = template.current_version()
        initial = {}
        questions = []
        if version:
            initial = {name: getattr(version, name) for name in versions.VERSION_FIELDS}
            questions = [
                {
                    "code": q.code,
                    "kind": q.kind,
                    "text": q.text,
                    "text_en": q.text_en,
                    "required": q.required,
                    "choices": format_choices(q.choices),
                    "ORDER": n,
                }
                for n, q in enumerate(version.questions.all(), start=1)
            ]
        return self.render(
            template,
            TemplateVersionForm(initial=initial),
            QuestionFormSet(initial=questions, prefix="questions"),
        )

    def post(self, request, pk):
        template = self.get_template(pk)
        form = TemplateVersionForm(request.POST)
        formset = QuestionFormSet(request.POST, prefix="questions")
        if form.is_valid() and formset.is_valid():
            questions = [
                {name: f.cleaned_data[name] for name in ("code", *versions.QUESTION_FIELDS)}
                for f in formset.ordered_forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            content = {name: form.cleaned_data[name] for name in versions.VERSION_FIELDS}
            try:
                version, created = versions.revise(
                    template,
                    user=request.user,
                    questions=questions,
                    note=form.cleaned_data["note"],
                    **content,
                )
            except StepRefused as error:
                form.add_error(None, str(error))
            else:
                if created:
                    messages.success(
                        request,
                        _(
                            "Saved as version %(number)s: the earlier version is in use, "
                            "and its answers stay with its questions."
                        )
                        % {"number": version.number},
                    )
                else:
                    messages.success(request, _("Saved."))
                return redirect(template)
        return self.render(template, form, formset)

    def render(self, template, form, formset):
        version = template.current_version()
        return render(
            self.request,
            self.template_name,
            {
                "object": template,
                "form": form,
                "formset": formset,
                "frozen": bool(version and version.is_frozen),
            },
        )
