"""The public pages: published case studies only, no login, never a name without consent."""

import datetime

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from consultations.models import Industry, PriorityField, Topic
from organizations.models import Prefecture
from surveys.public import private
from surveys.ratelimit import rate_limited

from . import followups
from .forms import FollowUpFiguresForm
from .models import CaseStudy, SupportKind
from .search import SearchFilters, search


@login_not_required
def public_list(request):
    filters = SearchFilters.from_query(request.GET)
    studies = search(CaseStudy.objects.published(), filters).select_related("prefecture")[:200]
    return render(
        request,
        "casestudies/public_list.html",
        {
            "studies": studies,
            "filters": filters,
            "industries": Industry.choices,
            "prefectures": Prefecture.objects.order_by("code"),
            "topics": Topic.objects.order_by("name"),
            "priority_fields": PriorityField.objects.order_by("name"),
            "support_kinds": SupportKind.choices,
        },
    )


@login_not_required
def public_detail(request, pk):
    study = get_object_or_404(
        CaseStudy.objects.published().select_related("prefecture", "case__client"), pk=pk
    )
    return render(request, "casestudies/public_detail.html", {"object": study})


@login_not_required
@rate_limited("survey")
@require_http_methods(["GET", "POST"])
def follow_up(request, token):
    """A client's follow-up link: single use, not anonymous (the page says so)."""
    opened = followups.open_request(token)
    if opened is None:
        return private(render(request, "casestudies/follow_up_done.html", status=404))
    form = FollowUpFiguresForm(request.POST or None, initial={"recorded_on": datetime.date.today()})
    if request.method == "POST" and form.is_valid():
        if followups.answer(token, form.cleaned_data) is None:
            return private(render(request, "casestudies/follow_up_done.html", status=404))
        return private(render(request, "casestudies/follow_up_done.html", {"thanks": True}))
    context = {"form": form, "center": opened.center, "months": opened.months}
    return private(render(request, "casestudies/follow_up.html", context))
