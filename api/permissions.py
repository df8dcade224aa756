from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from . import tokens


class MayUseApi(permissions.BasePermission):
    """Signed in, and of a role the Agency allows to use the API (Security settings)."""

    message = _("Your role is not allowed to use the API (the Agency's security settings).")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and tokens.may_use_api(
            request.user
        )
