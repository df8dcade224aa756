"""Who an API request is: a personal token (systems) or the session (the docs page)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from . import tokens


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <secret>``. A revoked or expired token, or one whose user
    is deactivated, is refused with 401; the role check is the permission's (403)."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header is malformed."))
        try:
            secret = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired token.")) from None
        token = tokens.find(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired token."))
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The logged-in session, for the docs page and trying the API from the browser.

    Answers 401 (with the Bearer challenge) rather than 403 when nobody is logged in."""

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
