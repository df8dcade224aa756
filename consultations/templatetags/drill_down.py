"""Links from a figure on a dashboard to the list of the records it counts."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from core.fiscal import Period

from ..indicators import PriorityMetric

register = template.Library()

# The list that shows what a priority metric counts.
PRIORITY_LISTS = {
    PriorityMetric.SESSIONS: "consultations:consultation_list",
    PriorityMetric.CLIENTS: "consultations:client_list",
    PriorityMetric.SOLVED_CASES: "consultations:case_list",
}


@register.simple_tag
def counted_url(code, year, as_of, center=None, bureau=None) -> str:
    """The list of the rows a priority figure counts, from the start of the fiscal year
    ``year`` to ``as_of`` (as the dashboards count them), at ``center`` or ``bureau``."""
    parts = str(code).split(":")
    if len(parts) != 3 or parts[2] not in PRIORITY_LISTS:
        return ""
    period = Period.fiscal_year(getattr(year, "year", year))
    query = {
        "counted": code,
        "counted_from": f"{period.start:%Y-%m-%d}",
        "counted_to": f"{min(as_of, period.end):%Y-%m-%d}",
    }
    if center:
        query["center"] = getattr(center, "pk", center)
    if bureau:
        query["bureau"] = getattr(bureau, "pk", bureau)
    return f"{reverse(PRIORITY_LISTS[parts[2]])}?{urlencode(query)}"
