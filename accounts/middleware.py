"""The idle timeout and the two-step login gate, for every request of a signed-in user."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import mfa
from .models import SecurityEvent, SecurityEventKind

# Last activity is written to the session at most once a minute, not on every request.
ACTIVITY_GRANULARITY = 60


def clock() -> float:
    return time.time()


def _redirect(request, url):
    if request.headers.get("HX-Request") == "true":
        # htmx would swap the target page into a fragment: have it load the page instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class IdleTimeoutMiddleware:
    """Logs out a session idle for SESSION_IDLE_TIMEOUT seconds, or older than
    SESSION_COOKIE_AGE however active, and says so on the login page.

    A middleware rather than SESSION_SAVE_EVERY_REQUEST with a short SESSION_COOKIE_AGE:
    that would write the session on every request (this writes it once a minute), would
    lose the absolute limit of a working day, and would send an expired user to the login
    page without a word of why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(clock())
            session = request.session
            last = session.get(mfa.LAST_ACTIVITY_SESSION_KEY)
            started = session.get(mfa.LOGIN_AT_SESSION_KEY)
            message = None
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                message = _(
                    "You were logged out after %(minutes)d minutes without activity. "
                    "Please log in again."
                ) % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60}
                SecurityEvent.record(
                    SecurityEventKind.IDLE_LOGOUT, account=request.user, request=request
                )
            elif started is not None and now - started > settings.SESSION_COOKIE_AGE:
                message = _("Your login has expired. Please log in again.")
            if message:
                logout(request)
                messages.info(request, message)
                login = reverse(settings.LOGIN_URL)
                if request.method == "GET":
                    login += "?" + urlencode({"next": request.get_full_path()})
                return _redirect(request, login)
            # A page polling a job's progress by itself (core/job_views.py) is not activity.
            polling = request.headers.get("X-Yorozu-Poll") == "1"
            if not polling and (last is None or now - last >= ACTIVITY_GRANULARITY):
                session[mfa.LAST_ACTIVITY_SESSION_KEY] = now
        return self.get_response(request)


# Pages a signed-in user reaches before the second step: the step itself and the way out.
# Public pages (@login_not_required: the login page, the survey pages) stay public.
BEFORE_SECOND_STEP = {
    "accounts:mfa_verify",
    "accounts:mfa_enrol",
    "accounts:logout",
    "set_language",
}


class MFAMiddleware:
    """A user who must give a code (enrolled, or of a role the Agency's policy names)
    reaches nothing but BEFORE_SECOND_STEP until they do: the code page when they have
    an authenticator, the enrolment page when they have none yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        if getattr(view_func, "login_required", True) is False:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in BEFORE_SECOND_STEP:
            return None
        if not mfa.needs_second_step(request):
            return None
        if mfa.enrolled_per_session(request):
            target = reverse("accounts:mfa_verify")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
        else:
            target = reverse("accounts:mfa_enrol")
        return _redirect(request, target)
