"""Two-step login: a TOTP authenticator app (django-otp) and single-use recovery codes.

A user whose role the Agency's policy names (accounts.SecurityPolicy), or who has
enrolled, passes two steps: the password (Django's login, counted by django-axes),
then a code. Between the two the session is logged in but not verified, and
accounts.middleware.MFAMiddleware lets it reach only the code page, the enrolment
page and logout. A wrong code counts as a failed login towards the same lock.
"""

import time
from base64 import b32encode
from binascii import unhexlify

import segno
from axes.utils import reset as reset_failures
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.utils.safestring import mark_safe
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from core.scoping import role_of

from .models import SecurityEvent, SecurityEventKind, SecurityPolicy

ENROLLED_SESSION_KEY = "mfa_enrolled"
PENDING_SECRET_SESSION_KEY = "mfa_pending_secret"
LAST_ACTIVITY_SESSION_KEY = "last_activity"
LOGIN_AT_SESSION_KEY = "login_at"


def required_roles() -> set[str]:
    """The roles that must use two-step login now (none when MFA_REQUIRED is off)."""
    if not settings.MFA_REQUIRED:
        return set()
    return set(SecurityPolicy.current().mfa_roles)


def requires_mfa(user) -> bool:
    role = role_of(user)
    return bool(role) and role in required_roles()


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request) -> bool:
    return getattr(request.user, "otp_device", None) is not None


def enrolled_per_session(request) -> bool:
    """Whether the user has an authenticator, as found at login (no query per request)."""
    enrolled = request.session.get(ENROLLED_SESSION_KEY)
    if enrolled is None:
        enrolled = request.session[ENROLLED_SESSION_KEY] = is_enrolled(request.user)
    return enrolled


def needs_second_step(request) -> bool:
    """The signed-in user must still give a code (or enrol) before anything else."""
    if is_verified(request):
        return False
    return enrolled_per_session(request) or requires_mfa(request.user)


# --- Enrolment -----------------------------------------------------------------------


def pending_secret(request) -> str:
    """The secret offered on the enrolment page, kept in the session until confirmed:
    showing the page writes nothing to the database."""
    secret = request.session.get(PENDING_SECRET_SESSION_KEY)
    if not secret:
        secret = request.session[PENDING_SECRET_SESSION_KEY] = random_hex(20)
    return secret


def base32(secret_hex: str) -> str:
    return b32encode(unhexlify(secret_hex)).decode()


def provisioning_uri(user, secret_hex: str) -> str:
    return TOTPDevice(user=user, key=secret_hex).config_url


def qr_svg(uri: str) -> str:
    # segno writes the SVG itself and escapes nothing of ours into markup.
    return mark_safe(segno.make(uri, error="m").svg_inline(scale=4, omitsize=False))  # noqa: S308


def _matching_totp(secret_hex: str, code: str) -> TOTP | None:
    code = normalise(code)
    if not code.isdigit():
        return None
    totp = TOTP(unhexlify(secret_hex))
    totp.time = time.time()
    return totp if totp.verify(int(code), tolerance=1) else None


def normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


@transaction.atomic
def enrol(request, code: str) -> list[str] | None:
    """Confirm the pending secret with a code from the app: the user's authenticator
    and ten new recovery codes replace any earlier ones, and the session is verified.
    Returns the recovery codes (shown once), or None when the code is wrong."""
    user = request.user
    secret = request.session.get(PENDING_SECRET_SESSION_KEY)
    matched = _matching_totp(secret, code) if secret else None
    if matched is None:
        return None
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user,
        name="authenticator",
        key=secret,
        confirmed=True,
        last_t=matched.t(),  # the code used here cannot log in again
    )
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    SecurityEvent.record(SecurityEventKind.MFA_ENROLLED, account=user, actor=user, request=request)
    del request.session[PENDING_SECRET_SESSION_KEY]
    request.session[ENROLLED_SESSION_KEY] = True
    otp_login(request, device)
    login_completed(user)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- The second step -----------------------------------------------------------------


class Throttled(Exception):
    """Too soon after a wrong code; try again after ``until``."""

    def __init__(self, until):
        super().__init__(until)
        self.until = until


def verify(request, code: str):
    """Check a code from the app, or a recovery code (used up by this). On success the
    session is verified; on failure the failure is counted by django-axes like a wrong
    password (request.axes_locked_out is set when it locks the account). Raises
    Throttled when the code comes too soon after a wrong one."""
    user = request.user
    code = normalise(code)
    device = None
    if code.isdigit():
        candidates = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        candidates = StaticDevice.objects.filter(user=user, confirmed=True)
    with transaction.atomic():
        for candidate in candidates.select_for_update():
            allowed, why = candidate.verify_is_allowed()
            if not allowed and why and "locked_until" in why:
                # django-otp's back-off after a wrong code (1, 2, 4 … s): not a new guess.
                raise Throttled(why["locked_until"])
            if candidate.verify_token(code):
                device = candidate
                break
    if device is None:
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        return None
    if isinstance(device, StaticDevice):
        SecurityEvent.record(
            SecurityEventKind.RECOVERY_CODE_USED, account=user, actor=user, request=request
        )
    otp_login(request, device)
    login_completed(user)
    return device


def login_completed(user) -> None:
    """Both steps passed: earlier failed logins no longer count towards the lock."""
    reset_failures(username=user.get_username())


@transaction.atomic
def reset(account, *, by, request=None) -> None:
    """An administrator removes the account's authenticator and recovery codes: the
    user enrols again at the next request (their session is no longer verified)."""
    TOTPDevice.objects.filter(user=account).delete()
    StaticDevice.objects.filter(user=account).delete()
    SecurityEvent.record(SecurityEventKind.MFA_RESET, account=account, actor=by, request=request)


@receiver(user_logged_in, dispatch_uid="accounts.mfa.on_login")
def on_login(sender, request, user, **kwargs):
    """The password step: note whether a code is due, and start the idle clock."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LAST_ACTIVITY_SESSION_KEY] = now
    request.session[LOGIN_AT_SESSION_KEY] = now
    if request.session.get(DEVICE_ID_SESSION_KEY):
        return  # verified in the same step (django_otp.login by an OTP-aware form)
    enrolled = request.session[ENROLLED_SESSION_KEY] = is_enrolled(user)
    if not enrolled and not requires_mfa(user):
        login_completed(user)
