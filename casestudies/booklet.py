"""The yearly booklet (事例集): the case studies published in a fiscal year, by topic."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from core import roles
from core.fiscal import Period, plausible_year, reiwa_label
from core.pdf import render_pdf
from core.scoping import role_of, scope_rule

from .models import CaseStudy


def booklet_sections(fiscal_year: int) -> list[tuple[str, list[CaseStudy]]]:
    """(topic, studies) in topic order; a study stands under its first topic (by name)."""
    period = Period.fiscal_year(fiscal_year)
    studies = (
        CaseStudy.objects.published()
        .filter(published_on__gte=period.start, published_on__lte=period.end)
        .select_related("prefecture", "case__client")
        .prefetch_related("topics")
        .order_by("prefecture_id", "published_on", "id")
    )
    sections: dict[str, list[CaseStudy]] = {}
    for study in studies:
        names = sorted(t.name for t in study.topics.all())
        sections.setdefault(names[0] if names else _("Other"), []).append(study)
    return sorted(sections.items())


@scope_rule("published case studies only; HQ and the Agency choose the year")
def booklet(request):
    if role_of(request.user) not in roles.NATIONAL:
        raise PermissionDenied
    year = plausible_year(request.GET.get("fy"))
    if year is None:
        from django.http import Http404

        raise Http404
    context = {"sections": booklet_sections(year), "year_label": reiwa_label(year), "year": year}
    return render_pdf(request, "casestudies/booklet.html", context, f"事例集_{year}.pdf")
