"""System checks of the survey pages' set-up (shown by ``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Caches that each worker process keeps for itself (or not at all): a rate limit
# counted in one of them is multiplied by the number of workers.
PER_PROCESS = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


@register(Tags.caches, deploy=True)
def shared_cache_in_production(app_configs=None, **kwargs):
    if not getattr(settings, "PRODUCTION", False):
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS:
        return []
    return [
        Warning(
            f"Production runs with a per-process cache ({backend}): each worker counts "
            "the survey pages' rate limit on its own.",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to share it.",
            id="surveys.W001",
        )
    ]
