from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import (
            mfa,  # noqa: F401 - connects the login receiver
            throttle,  # noqa: F401 - connects the failed-login counter
        )
