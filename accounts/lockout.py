"""Accounts locked by django-axes after too many failed logins, and their unlocking."""

import logging

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings

logger = logging.getLogger("yorozu.security")


def is_locked(account) -> bool:
    return AccessAttempt.objects.filter(
        username=account.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).exists()


def unlock(account, *, by) -> None:
    """Clear the account's failed logins, so that it can log in again; logged."""
    from .models import SecurityEvent, SecurityEventKind

    reset(username=account.username)
    SecurityEvent.record(SecurityEventKind.ACCOUNT_UNLOCKED, account=account, actor=by)
    logger.warning("login lock of %s cleared by %s", account.username, by.username)
