from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasestudiesConfig(AppConfig):
    name = "casestudies"
    verbose_name = _("Case studies and client impact")

    def ready(self):
        # Importing the workflow module registers the case-study workflow (core.workflow.registry).
        from . import imports, workflow  # noqa: F401

        imports.register()
