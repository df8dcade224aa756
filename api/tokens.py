"""Issuing, finding and revoking personal API tokens (api.models.ApiToken)."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone

from core.scoping import role_of

from .models import ApiToken

# Marks the secret as ours (secret scanners and logs can recognise it).
SECRET_PREFIX = "yzk_"
# How often the last use is written: not on every request.
LAST_USED_GRANULARITY = datetime.timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    # 256 random bits need no slow hash: nobody can guess them, only look them up.
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(*, user, name: str, expires_on: datetime.date) -> tuple[ApiToken, str]:
    """A new token of ``user`` valid to the end of ``expires_on``, and its secret (shown once)."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    end = datetime.datetime.combine(expires_on, datetime.time.max)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_secret(secret),
        prefix=secret[:10],
        expires_at=timezone.make_aware(end),
    )
    return token, secret


def revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def find(secret: str) -> ApiToken | None:
    """The usable token of ``secret`` (not revoked, not expired, its user active), or None."""
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(key_hash=hash_secret(secret), user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_roles() -> list[str]:
    from accounts.models import SecurityPolicy

    return SecurityPolicy.current().api_roles


def may_use_api(user) -> bool:
    """Whether the Agency allows the user's role to use the API (Security settings)."""
    return user.is_authenticated and role_of(user) in api_roles()


def longest_expiry(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=settings.API_TOKEN_MAX_DAYS)
