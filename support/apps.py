from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("HQ support and training")

    def ready(self):
        # Importing the workflow modules registers their workflows (core.workflow.registry).
        from . import attendance, inbox, requests, training, visits  # noqa: F401
