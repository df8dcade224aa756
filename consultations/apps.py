from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultation records")

    def ready(self):
        # summary signal handlers, home panel, the import kinds (core.imports registry)
        from . import imports, inbox, summaries  # noqa: F401
