"""Failed logins counted per client address, on both login pages (ours and the admin's).

Accounts lock after their own failures (django-axes); an address is only made to wait,
so that one office behind one address is not shut out by a colleague's typos while a
script guessing across many accounts from one address is still stopped.
"""

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import reverse

from core import ratelimit

BUCKET = "login-failures"


def _window() -> int:
    return settings.LOGIN_ADDRESS_WINDOW


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    if request is not None:
        ratelimit.count(request, BUCKET, window=_window())


class LoginThrottleMiddleware:
    """A login POST from an address past the limit is answered 429 without trying it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path in {
            reverse("accounts:login"),
            reverse("admin:login"),
        }:
            failures = ratelimit.counted(request, BUCKET, window=_window())
            if failures >= settings.LOGIN_ADDRESS_LIMIT:
                response = render(request, "accounts/too_many_failures.html", status=429)
                response["Retry-After"] = str(_window())
                return response
        return self.get_response(request)
