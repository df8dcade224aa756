from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        # Importing the workflow modules registers their workflows (core.workflow.registry).
        from django.apps import apps

        from . import inbox, workflow  # noqa: F401

        if apps.is_installed("support"):
            from support import visits

            from .workflow import guidance_section

            # Every HQ visit to a center under focused guidance follows its open actions.
            if guidance_section not in visits.OPEN_ITEM_SOURCES:
                visits.OPEN_ITEM_SOURCES.append(guidance_section)
