from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        # Importing the workflow modules registers their workflows (core.workflow.registry).
        from . import (
            campaigns,  # noqa: F401
            checks,  # noqa: F401 - registers the system checks
            inbox,  # noqa: F401 - registers its inbox kinds
            paper,  # noqa: F401 - the paper answers import kind
        )
