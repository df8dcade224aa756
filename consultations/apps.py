from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultation records")

    def ready(self):
        from . import inbox, summaries  # noqa: F401 - summary signal handlers, home panel
