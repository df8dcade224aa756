from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Plans and progress")

    def ready(self):
        # Importing the workflow modules registers their workflows (core.workflow.registry).
        from . import imports, inbox, workflow  # noqa: F401 - and the plans import kind
