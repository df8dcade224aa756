"""HQ's liaison pages: its activities with the national institutions, its publicity
requests and the institutions themselves; for the Agency and HQ only (``HQQuerySet``)."""

import datetime

from django.contrib import messages
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from core.history import history_for
from core.scoping import may_edit
from core.views import ScopedCreateView, ScopedDetailView, ScopedListView, ScopedUpdateView

from .forms import HQActivityForm, NationalInstitutionForm, PublicityRequestForm
from .models import HQActivity, NationalInstitution, PublicityRequest


class LiaisonListView(ScopedListView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = may_edit(self.request.user, self.model)
        return context


class ActivityListView(LiaisonListView):
    model = HQActivity
    template_name = "liaison/activity_list.html"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("institutions")


class ActivityDetailView(ScopedDetailView):
    model = HQActivity
    template_name = "liaison/activity_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_edit"] = may_edit(self.request.user, HQActivity)
        context["history"] = history_for(self.object)
        return context


class SavedMessageMixin:
    template_name = "liaison/form.html"
    saved = _("Saved.")

    def form_valid(self, form):
        if form.instance.pk is None and hasattr(form.instance, "recorded_by_id"):
            form.instance.recorded_by = self.request.user
        response = super().form_valid(form)
        messages.success(self.request, self.saved)
        return response


class ActivityCreateView(SavedMessageMixin, ScopedCreateView):
    model = HQActivity
    form_class = HQActivityForm

    def get_initial(self):
        return {"date": datetime.date.today()}


class ActivityUpdateView(SavedMessageMixin, ScopedUpdateView):
    model = HQActivity
    form_class = HQActivityForm


class PublicityListView(LiaisonListView):
    model = PublicityRequest
    template_name = "liaison/publicity_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("institution")


class PublicityCreateView(SavedMessageMixin, ScopedCreateView):
    model = PublicityRequest
    form_class = PublicityRequestForm
    success_url = reverse_lazy("liaison:publicity_list")

    def get_initial(self):
        return {"requested_on": datetime.date.today()}


class PublicityUpdateView(SavedMessageMixin, ScopedUpdateView):
    model = PublicityRequest
    form_class = PublicityRequestForm
    success_url = reverse_lazy("liaison:publicity_list")


class InstitutionListView(LiaisonListView):
    model = NationalInstitution
    template_name = "liaison/institution_list.html"


class InstitutionCreateView(SavedMessageMixin, ScopedCreateView):
    model = NationalInstitution
    form_class = NationalInstitutionForm
    success_url = reverse_lazy("liaison:institution_list")


class InstitutionUpdateView(SavedMessageMixin, ScopedUpdateView):
    model = NationalInstitution
    form_class = NationalInstitutionForm
    success_url = reverse_lazy("liaison:institution_list")
