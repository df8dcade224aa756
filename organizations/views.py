import datetime

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from core.history import combined_history, deleted_history
from core.scoping import (
    CHANGE,
    centers_editable_for,
    is_national,
    may_edit,
    scope_centers,
    scope_rule,
)
from core.tabular import xlsx_response
from core.views import (
    FilteredListView,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedUpdateView,
)

from . import institutions, roster
from .filtersets import PersonFilterSet, SupportInstitutionFilterSet
from .forms import (
    AssignmentFormSet,
    BureauSettingsForm,
    ImplementingBodyForm,
    PersonForm,
    PrefectureBlockForm,
    QualificationFilterForm,
    SupportInstitutionForm,
)
from .models import (
    Assignment,
    Bureau,
    Center,
    ImplementingBody,
    Person,
    Prefecture,
    Role,
    SupportInstitution,
    TrainingBlock,
    active_on,
)
from .qualification_stats import qualification_table


def _staff_counts():
    today = datetime.date.today()
    current = active_on(today, "assignments__")
    return {
        "chief_count": Count(
            "assignments", filter=current & Q(assignments__role=Role.CHIEF_COORDINATOR)
        ),
        "coordinator_count": Count(
            "assignments", filter=current & Q(assignments__role=Role.COORDINATOR)
        ),
        "expert_count": Count("assignments", filter=current & Q(assignments__role=Role.EXPERT)),
    }


class CenterListView(ScopedListView):
    model = Center
    paginate_by = None
    template_name = "organizations/center_list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("prefecture__bureau", "prefecture__training_block", "implementing_body")
            .annotate(**_staff_counts())
            .order_by("code")  # Meta.ordering does not apply to aggregate queries
        )


class CenterDetailView(ScopedDetailView):
    model = Center
    template_name = "organizations/center_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("prefecture__bureau", "implementing_body")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = datetime.date.today()
        context["current_assignments"] = (
            Assignment.objects.filter(center=self.object)
            .active_on(today)
            # Only staff the user may read (an implementing body reads no staff record).
            .filter(person__in=Person.objects.for_user(self.request.user).values("pk"))
            .select_related("person")
            .order_by("role", "person__kana")
        )
        from contracts.models import Contract

        # The bodies that ran the center, year by year (its contracts, as the user reads them).
        context["contracts"] = (
            Contract.objects.for_user(self.request.user)
            .filter(center=self.object)
            .select_related("body", "fiscal_year")
            .order_by("-fiscal_year__year")
        )
        context["agreement_by"] = self.object.prefecture.bureau.get_appointment_agreement_display()
        context["may_edit_bureau"] = (
            Bureau.objects.for_user(self.request.user, CHANGE)
            .filter(pk=self.object.prefecture.bureau_id)
            .exists()
        )
        context["may_edit_body"] = (
            ImplementingBody.objects.for_user(self.request.user, CHANGE)
            .filter(pk=self.object.implementing_body_id)
            .exists()
        )
        context["history"] = combined_history(self.object, self.object.implementing_body)
        return context


class ImplementingBodyUpdateView(ScopedUpdateView):
    model = ImplementingBody
    form_class = ImplementingBodyForm
    template_name = "organizations/form.html"

    def get_success_url(self):
        return self.object.centers.first().get_absolute_url()


class BureauSettingsView(ScopedUpdateView):
    """A bureau's own settings: who records the implementing body's agreement."""

    model = Bureau
    form_class = BureauSettingsForm
    template_name = "organizations/form.html"

    def form_valid(self, form):
        messages.success(self.request, _("Saved."))
        return super().form_valid(form)

    def get_success_url(self):
        return self.object.get_absolute_url()


class TrainingBlockListView(ListView):
    """Master data: the 7 blocks and their prefectures, visible to every signed-in user."""

    scope_rule = "master data, the same for every signed-in user"
    template_name = "organizations/block_list.html"

    def get_queryset(self):
        return TrainingBlock.objects.prefetch_related(
            Prefetch("prefectures", queryset=Prefecture.objects.order_by("code"))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = may_edit(self.request.user, Prefecture)
        return context


class PrefectureBlockUpdateView(ScopedUpdateView):
    model = Prefecture
    form_class = PrefectureBlockForm
    template_name = "organizations/form.html"
    success_url = reverse_lazy("organizations:block_list")


class PersonListView(FilteredListView):
    model = Person
    filterset_class = PersonFilterSet
    template_name = "organizations/person_list.html"
    export_name = "staff"
    export_title = gettext_lazy("Staff")

    def get_base_queryset(self):
        today = datetime.date.today()
        current = Assignment.objects.active_on(today).select_related("center")
        return (
            super()
            .get_base_queryset()
            .prefetch_related(
                Prefetch("assignments", queryset=current, to_attr="current"), "qualifications"
            )
            .order_by("kana", "staff_code")
        )

    def export_queryset(self):
        latest_first = Assignment.objects.select_related("center").order_by("-start_date")
        return self.get_queryset().prefetch_related(
            Prefetch("assignments", queryset=latest_first, to_attr="all_assignments")
        )

    def export_columns(self):
        """The roster format, one row per person, so an export re-imports unchanged."""

        def latest(person):
            return (person.current or person.all_assignments or [None])[0]

        def of_latest(getter):
            return lambda p: getter(latest(p)) if latest(p) else ""

        headers = roster.HEADERS
        return [
            (headers["staff_code"], lambda p: p.staff_code),
            (headers["name"], lambda p: p.name),
            (headers["kana"], lambda p: p.kana),
            (headers["center"], of_latest(lambda a: a.center.code if a.center else "")),
            (headers["role"], of_latest(lambda a: roster.ROLE_WORDS[a.role][0])),
            (headers["start_date"], of_latest(lambda a: a.start_date.isoformat())),
            (
                headers["end_date"],
                of_latest(lambda a: a.end_date.isoformat() if a.end_date else ""),
            ),
            (headers["qualifications"], lambda p: ";".join(q.name for q in p.qualifications.all())),
            (headers["email"], lambda p: p.email),
        ]


class PersonDetailView(ScopedDetailView):
    model = Person
    template_name = "organizations/person_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = datetime.date.today()
        assignments = self.object.assignments.select_related("center").order_by("-start_date")
        for a in assignments:
            a.is_current = a.start_date <= today and (a.end_date is None or a.end_date >= today)
        context["assignments"] = assignments
        context["may_edit"] = (
            Person.objects.for_user(self.request.user, CHANGE).filter(pk=self.object.pk).exists()
        )
        context["history"] = sorted(
            combined_history(self.object, *assignments)
            + deleted_history(Assignment, person_id=self.object.pk),
            key=lambda entry: entry.when,
            reverse=True,
        )
        return context


class PersonFormMixin:
    model = Person
    form_class = PersonForm
    template_name = "organizations/person_form.html"

    def assignments(self, person):
        """Only the assignments at centers the user may edit are shown and changed."""
        editable = centers_editable_for(self.request.user, Person)
        mine = Assignment.objects.filter(person=person, center__in=editable)
        if is_national(self.request.user):
            mine = Assignment.objects.filter(person=person)
        return mine.order_by("-start_date")

    def get_formset(self):
        person = getattr(self, "object", None) or Person()
        return AssignmentFormSet(
            self.request.POST or None,
            instance=person,
            queryset=self.assignments(person) if person.pk else Assignment.objects.none(),
            form_kwargs={"user": self.request.user},
            prefix="assignments",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        return context

    def form_valid(self, form):
        formset = AssignmentFormSet(
            self.request.POST,
            instance=form.instance,
            queryset=self.assignments(form.instance)
            if form.instance.pk
            else Assignment.objects.none(),
            form_kwargs={"user": self.request.user},
            prefix="assignments",
        )
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        self._formset = formset
        response = super().form_valid(form)
        messages.success(self.request, _("Saved."))
        return response

    def after_save(self, form):
        self._formset.instance = self.object
        self._formset.save()


class PersonCreateView(PersonFormMixin, ScopedCreateView):
    object = None


class PersonUpdateView(PersonFormMixin, ScopedUpdateView):
    pass


@scope_rule("counts only staff of scope_centers(user)")
def qualification_statistics(request):
    """保有資格: counts within the viewer's scope, narrowed by bureau or center, as of a date."""
    visible = scope_centers(request.user)
    form = QualificationFilterForm(
        request.GET or None, centers=visible.select_related("prefecture")
    )
    centers = visible
    as_of = datetime.date.today()
    if form.is_valid():
        if form.cleaned_data["bureau"]:
            centers = centers.filter(prefecture__bureau=form.cleaned_data["bureau"])
        if form.cleaned_data["center"]:
            centers = centers.filter(pk=form.cleaned_data["center"].pk)
        as_of = form.cleaned_data["as_of"] or as_of
    rows, staff = qualification_table(centers=centers, as_of=as_of)
    if request.GET.get("export") == "xlsx":
        headers = [_("Qualification"), _("Chief coordinators"), _("Coordinators")]
        data = [[r.qualification.name, r.chief_coordinators, r.coordinators] for r in rows]
        data.append([_("Staff in scope (people)"), staff["chief"], staff["coord"]])
        return xlsx_response(
            f"qualifications-{as_of:%Y%m%d}.xlsx", _("Qualifications"), headers, data
        )
    query = request.GET.copy()
    query["export"] = "xlsx"
    return render(
        request,
        "organizations/qualification_stats.html",
        {
            "form": form,
            "rows": rows,
            "staff": staff,
            "as_of": as_of,
            "export_query": query.urlencode(),
        },
    )


class SupportInstitutionListView(FilteredListView):
    model = SupportInstitution
    filterset_class = SupportInstitutionFilterSet
    template_name = "organizations/institution_list.html"
    export_name = "support-institutions"
    export_title = gettext_lazy("Support institutions")

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("institution_type", "prefecture")

    def export_columns(self):
        """The import's format (organizations.institutions), so an export re-imports unchanged."""
        headers = institutions.HEADERS
        return [
            (headers["name"], lambda o: o.name),
            (headers["type"], lambda o: o.institution_type.name),
            (headers["prefecture"], lambda o: o.prefecture.name),
            (headers["municipality"], lambda o: o.municipality),
            (headers["contact"], lambda o: o.contact),
            (headers["email"], lambda o: o.email),
            (_("Active"), lambda o: "○" if o.is_active else ""),
        ]


class SupportInstitutionFormMixin:
    model = SupportInstitution
    form_class = SupportInstitutionForm
    template_name = "organizations/form.html"
    success_url = reverse_lazy("organizations:institution_list")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class SupportInstitutionCreateView(SupportInstitutionFormMixin, ScopedCreateView):
    pass


class SupportInstitutionUpdateView(SupportInstitutionFormMixin, ScopedUpdateView):
    pass
