from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """Every user's home page: the inbox (やること) and the panels other apps register."""

    name = "home"
    verbose_name = _("Home")
