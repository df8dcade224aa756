"""Every kind of background job, registered with core.jobs when the app loads."""

from core import import_jobs  # noqa: F401 - "import"
