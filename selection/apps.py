from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "selection"
    verbose_name = _("Selection and appointments")

    def ready(self):
        # Importing the workflow modules registers their workflows (core.workflow.registry).
        from . import appointments, inbox, workflow  # noqa: F401
