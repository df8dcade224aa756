from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organisations and staff")

    def ready(self):
        from . import inbox  # noqa: F401 - registers its home-page panels
