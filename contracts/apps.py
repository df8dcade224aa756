from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts with the implementing bodies")

    def ready(self):
        from . import actions  # noqa: F401 - links contracts when a budget is decided
