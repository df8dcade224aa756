"""Every kind of background job, registered with core.jobs when the app loads."""

from core import (
    export_jobs,  # noqa: F401 - "export"
    import_jobs,  # noqa: F401 - "import"
    jobs,
)


@jobs.handler("survey_mail", retry_safe=True)
def _survey_mail(ctx):
    """A campaign's invitations or reminders (surveys/campaigns.py)."""
    from surveys.campaigns import run_survey_mail

    run_survey_mail(ctx)
