import datetime

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import View

from core.history import history_for
from core.scoping import CHANGE, role_of, scope_centers, scope_rule
from core.views import ScopedCreateView, ScopedListView, ScopedObjectMixin, ScopedUpdateView
from organizations.models import Bureau, Role, active_on

from . import lockout
from .forms import UserAccountForm, UserCreateForm
from .models import User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@scope_rule("shows only scope_centers(user) and national totals to national roles")
def home(request):
    """The signed-in user's home page: what their role works on, within their scope."""
    role = role_of(request.user)
    centers = scope_centers(request.user).select_related("prefecture__bureau", "implementing_body")
    today = datetime.date.today()
    current = active_on(today, "assignments__")
    centers = centers.annotate(
        staff_count=Count("assignments", filter=current),
        coordinator_count=Count(
            "assignments", filter=current & Q(assignments__role=Role.COORDINATOR)
        ),
    )
    context = {"role": role, "centers": centers, "today": today}
    if role in {"agency_admin", "hq_staff"}:
        context["bureaus"] = Bureau.objects.annotate(
            center_count=Count("prefectures__center", distinct=True),
            staff_count=Count(
                "prefectures__center__assignments",
                filter=active_on(today, "prefectures__center__assignments__"),
            ),
        ).order_by("order")
        context["user_count"] = User.objects.filter(is_active=True).count()
    if role == "committee_member":
        from selection.models import SelectionRound

        context["rounds"] = (
            SelectionRound.objects.for_user(request.user)
            .select_related("center")
            .order_by("-term_start", "-id")
        )
    template = {
        "agency_admin": "accounts/home_national.html",
        "hq_staff": "accounts/home_national.html",
        "bureau_officer": "accounts/home_bureau.html",
        "hq_expert": "accounts/home_expert.html",
        "supporter": "support/home_supporter.html",
        "center_manager": "accounts/home_center.html",
        "coordinator": "accounts/home_center.html",
    }.get(role, "accounts/home_other.html")
    return render(request, template, context)


class UserListView(ScopedListView):
    model = User
    scope_action = CHANGE
    template_name = "accounts/user_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("bureau", "center")


class UserCreateView(ScopedCreateView):
    model = User
    form_class = UserCreateForm
    template_name = "accounts/user_form.html"
    success_url = reverse_lazy("accounts:user_list")

    def form_valid(self, form):
        messages.success(self.request, _("Account created."))
        return super().form_valid(form)


class UserUpdateView(ScopedUpdateView):
    model = User
    form_class = UserAccountForm
    template_name = "accounts/user_form.html"
    success_url = reverse_lazy("accounts:user_list")

    def form_valid(self, form):
        messages.success(self.request, _("Saved."))
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_for(self.object)
        context["locked"] = lockout.is_locked(self.object)
        return context


class UserUnlockView(ScopedObjectMixin, View):
    """The Agency unlocks an account that too many failed logins locked."""

    model = User
    scope_action = CHANGE

    def post(self, request, pk):
        account = get_object_or_404(self.get_queryset(), pk=pk)
        lockout.unlock(account, by=request.user)
        messages.success(request, _("The account can log in again."))
        return redirect("accounts:user_update", pk=account.pk)
