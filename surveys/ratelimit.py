"""A fixed-window request counter per client address, kept in Django's cache.

Enough to stop a script from hammering the public survey pages. The counter lives in the
default cache of the settings: Redis when ``REDIS_URL`` is set, shared by every worker
process (``add`` and ``incr`` are atomic there), so the limit holds for them together.
Without it each process counts on its own; ``check --deploy`` warns of that in
production (``checks.py``).
"""

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


def client_address(request) -> str:
    if getattr(settings, "SURVEY_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The last address is the one our own proxy saw; earlier ones can be forged.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def allow(request, bucket: str) -> bool:
    limit = getattr(settings, "SURVEY_RATE_LIMIT", 30)
    window = getattr(settings, "SURVEY_RATE_WINDOW", 600)
    slot = int(time.time() // window)
    key = f"ratelimit:{bucket}:{client_address(request)}:{slot}"
    # add() is a no-op when the key exists; incr() is atomic in the shared caches.
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count <= limit


def rate_limited(bucket: str):
    """Answer 429 with a plain page once an address exceeds the limit."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not allow(request, bucket):
                response = render(request, "surveys/public/too_many.html", status=429)
                response["Retry-After"] = str(getattr(settings, "SURVEY_RATE_WINDOW", 600))
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
