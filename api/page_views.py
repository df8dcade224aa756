"""The API's pages: a user's personal tokens, and the docs (Swagger UI, vendored)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import SecurityEvent, SecurityEventKind
from core.scoping import scope_rule
from core.views import ScopedObjectMixin

from . import tokens
from .forms import TokenForm
from .models import ApiToken

OWN_TOKENS = "the user's own API tokens only (ApiToken.objects.for_user)"


@scope_rule(OWN_TOKENS)
def token_list(request):
    """Create a token (its secret shown this once) and list the user's tokens."""
    allowed = tokens.may_use_api(request.user)
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST":
        if not allowed:
            raise Http404
        if form.is_valid():
            token, secret = tokens.issue(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_on=form.cleaned_data["expires_on"],
            )
            # A new way into the account: on the Agency's Login events, as the second step is.
            SecurityEvent.record(
                SecurityEventKind.API_TOKEN_CREATED,
                account=request.user,
                actor=request.user,
                request=request,
                detail=token.name,
            )
            form = TokenForm()
    context = {
        "allowed": allowed,
        "form": form,
        "secret": secret,
        "tokens": ApiToken.objects.for_user(request.user),
    }
    return render(request, "api/tokens.html", context)


class TokenRevokeView(ScopedObjectMixin, View):
    """Revoke one of the user's tokens: it is refused (401) from the next request."""

    model = ApiToken

    def post(self, request, pk):
        token = self.get_queryset().filter(pk=pk).first()
        if token is None:
            raise Http404
        tokens.revoke(token=token)
        SecurityEvent.record(
            SecurityEventKind.API_TOKEN_REVOKED,
            account=request.user,
            actor=request.user,
            request=request,
            detail=token.name,
        )
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("api_pages:tokens")


@scope_rule("the schema of the API; the data it returns is scoped per request")
def docs(request):
    return render(request, "api/docs.html")
