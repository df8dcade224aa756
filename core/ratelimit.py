"""Fixed-window counters per client address, kept in Django's default cache.

One mechanism for every limit on anonymous traffic: the public survey pages count
requests, the login pages count failed logins. The cache is Redis when ``REDIS_URL``
is set, shared by every worker process (``add`` and ``incr`` are atomic there), so a
limit holds for them together; without it each process counts on its own, and
``check --deploy`` warns of that in production (``surveys/checks.py``).
"""

import time

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The last address is the one our own proxy saw; earlier ones can be forged.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(bucket: str, request, window: int) -> str:
    return f"ratelimit:{bucket}:{client_address(request)}:{int(time.time() // window)}"


def count(request, bucket: str, *, window: int) -> int:
    """Add one to the address's count in this window; the new count."""
    key = _key(bucket, request, window)
    # add() is a no-op when the key exists; incr() is atomic in the shared caches.
    cache.add(key, 0, timeout=window + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        return 1


def counted(request, bucket: str, *, window: int) -> int:
    """The address's count in this window, without adding to it."""
    return cache.get(_key(bucket, request, window), 0)
