from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications and e-mail, from the steps' ``notify`` declarations."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import notify  # noqa: F401 - connects the step_taken receiver
