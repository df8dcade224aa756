"""The public pages: published case studies only, no login, never a name without consent."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render

from consultations.models import Industry, Topic
from organizations.models import Prefecture

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
            "support_kinds": SupportKind.choices,
        },
    )


@login_not_required
def public_detail(request, pk):
    study = get_object_or_404(
        CaseStudy.objects.published().select_related("prefecture", "case__client"), pk=pk
    )
    return render(request, "casestudies/public_detail.html", {"object": study})
