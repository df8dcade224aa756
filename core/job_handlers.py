"""Every kind of background job, registered with core.jobs when the app loads."""

from core import (
    export_jobs,  # noqa: F401, E402 - "export"
    import_jobs,  # noqa: F401 - "import"
)
