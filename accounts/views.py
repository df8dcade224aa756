import math

from axes.helpers import get_lockout_response
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from core.history import history_for
from core.scoping import CHANGE, role_of, scope_rule
from core.views import ScopedCreateView, ScopedListView, ScopedObjectMixin, ScopedUpdateView

from . import lockout, mfa
from .forms import CodeForm, SecurityPolicyForm, UserAccountForm, UserCreateForm
from .models import SecurityEvent, SecurityPolicy, User, UserRole

OWN_ACCOUNT = "acts on the signed-in user's own account only"
AGENCY_ONLY = "the Agency administrator only; 404 for every other role"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class UserListView(ScopedListView):
    model = User
    scope_action = CHANGE
    template_name = "accounts/user_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("bureau", "center", "implementing_body")


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
        context["mfa_enrolled"] = mfa.is_enrolled(self.object)
        context["recovery_codes_left"] = mfa.recovery_codes_left(self.object)
        context["security_events"] = self.object.security_events.select_related("actor")[:20]
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


class UserMFAResetView(ScopedObjectMixin, View):
    """The Agency removes an account's authenticator (a lost phone): recorded, and the
    user enrols again at their next request."""

    model = User
    scope_action = CHANGE

    def post(self, request, pk):
        account = get_object_or_404(self.get_queryset(), pk=pk)
        mfa.reset(account, by=request.user, request=request)
        messages.success(request, _("Two-step login was reset: the user sets it up again."))
        return redirect("accounts:user_update", pk=account.pk)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@scope_rule(OWN_ACCOUNT)
def mfa_enrol(request):
    """Set up the authenticator app: a QR code and its secret, confirmed by a code."""
    if mfa.is_enrolled(request.user):
        if mfa.is_verified(request):
            messages.info(request, _("Two-step login is already set up for your account."))
            return redirect("home")
        return redirect("accounts:mfa_verify")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.enrol(request, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes})
        form.add_error(
            "code",
            _("The code does not match. Check the time on your phone and enter the newest code."),
        )
    secret = mfa.pending_secret(request)
    uri = mfa.provisioning_uri(request.user, secret)
    context = {
        "form": form,
        "secret": mfa.base32(secret),
        "qr": mfa.qr_svg(uri),
        "required": mfa.requires_mfa(request.user),
    }
    return render(request, "accounts/mfa_enrol.html", context)


@scope_rule(OWN_ACCOUNT)
def mfa_verify(request):
    """The second step of a login: a code of the app, or one of the recovery codes."""
    if mfa.is_verified(request):
        return redirect(_next_url(request))
    if not mfa.is_enrolled(request.user):
        request.session[mfa.ENROLLED_SESSION_KEY] = False
        return redirect("accounts:mfa_enrol" if mfa.requires_mfa(request.user) else "home")
    credentials = {"username": request.user.get_username()}
    if lockout.is_locked(request.user):
        logout(request)
        return get_lockout_response(request, None, credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.verify(request, form.cleaned_data["code"])
        except mfa.Throttled as throttled:
            seconds = max(1, math.ceil((throttled.until - timezone.now()).total_seconds()))
            form.add_error(
                "code",
                _("Too soon after a wrong code: wait %(seconds)d seconds and try again.")
                % {"seconds": seconds},
            )
            return render(
                request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request)}
            )
        if device is not None:
            if not device.persistent_id.startswith("otp_totp."):
                messages.warning(
                    request,
                    _(
                        "You logged in with a recovery code. %(count)d codes are left; "
                        "ask the Agency to reset two-step login if you lost your phone."
                    )
                    % {"count": mfa.recovery_codes_left(request.user)},
                )
            return redirect(_next_url(request))
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return get_lockout_response(request, None, credentials)
        form.add_error("code", _("The code is wrong. Enter the newest code of your app."))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request)})


def _agency_only(request):
    if role_of(request.user) != UserRole.AGENCY_ADMIN:
        raise Http404


@scope_rule(AGENCY_ONLY)
def security_policy(request):
    """The Agency chooses which roles must use two-step login, and how long client
    identity is kept after a client's last session."""
    _agency_only(request)
    policy = SecurityPolicy.current()
    form = SecurityPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("accounts:security_policy")
    context = {
        "form": form,
        "enforced": settings.MFA_REQUIRED,
        "history": history_for(policy) if policy._state.adding is False else [],
        "object": policy,
    }
    return render(request, "accounts/security_policy.html", context)


EVENT_ROWS = 200


@scope_rule(AGENCY_ONLY)
def login_events(request):
    """Recent logins, logouts, failed logins (password or code), locked accounts and
    changes to how accounts log in; optionally of one user name."""
    _agency_only(request)
    username = request.GET.get("username", "").strip()
    logins = AccessLog.objects.order_by("-attempt_time")
    failures = AccessFailureLog.objects.order_by("-attempt_time")
    events = SecurityEvent.objects.select_related("actor")
    locked = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("-attempt_time")
    if username:
        logins, failures, events, locked = (
            qs.filter(username=username) for qs in (logins, failures, events, locked)
        )
    context = {
        "username": username,
        "logins": logins[:EVENT_ROWS],
        "failures": failures[:EVENT_ROWS],
        "events": events[:EVENT_ROWS],
        "locked": locked,
        "code_path": reverse("accounts:mfa_verify"),
        "rows": EVENT_ROWS,
    }
    return render(request, "accounts/login_events.html", context)
