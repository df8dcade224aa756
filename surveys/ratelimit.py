"""The public survey pages' request limit per client address (``core.ratelimit``)."""

import functools

from django.conf import settings
from django.shortcuts import render

from core import ratelimit


def allow(request, bucket: str) -> bool:
    window = getattr(settings, "SURVEY_RATE_WINDOW", 600)
    return ratelimit.count(request, bucket, window=window) <= getattr(
        settings, "SURVEY_RATE_LIMIT", 30
    )


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
