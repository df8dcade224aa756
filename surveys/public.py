"""The public answer pages: no login, one questionnaire per link, rate-limited.

The token is the only thing in the URL. Every state of a link that cannot be answered
has its own plain page; an unknown token, well-formed or not, gets the same one. No page
depends on whether the link's recipient has answered (see ``answering``).
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import answering
from .forms import AnswerForm
from .ratelimit import rate_limited

STATE_PAGES = {
    answering.UNKNOWN: ("surveys/public/unknown.html", 404),
    answering.EXPIRED: ("surveys/public/expired.html", 410),
}


def private(response):
    """Keep the page out of caches and search engines, and its address (the token) out of
    the Referer of any request to another site. Not "no-referrer": the browser would then
    send "Origin: null" with the form, which the CSRF check rightly refuses."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def state_page(request, state: str, campaign=None):
    template, status = STATE_PAGES[state]
    return private(render(request, template, {"campaign": campaign}, status=status))


@login_not_required
@rate_limited("survey")
@require_http_methods(["GET", "POST"])
def answer(request, token):
    opened = answering.open_link(token)
    if opened.state != answering.VALID:
        return state_page(request, opened.state, opened.campaign)
    campaign = opened.campaign
    # Bound on every POST, even an empty one, so that missing answers are reported.
    data = request.POST if request.method == "POST" else None
    form = AnswerForm(data, version=campaign.version)
    if request.method == "POST" and form.is_valid():
        try:
            answering.submit(token, form.answers())
        except answering.LinkError as error:
            return state_page(request, error.state, campaign)
        return redirect("answer:thanks")
    context = {
        "campaign": campaign,
        "version": campaign.version,
        "center": opened.recipient.center,
        "form": form,
    }
    return private(render(request, "surveys/public/answer.html", context))


@login_not_required
@rate_limited("survey")
def thanks(request):
    return private(render(request, "surveys/public/thanks.html"))
