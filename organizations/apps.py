from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organisations and staff")

    def ready(self):
        from . import inbox, institutions, roster  # noqa: F401 - home panels, import kinds
