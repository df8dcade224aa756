"""PDF reports: a template rendered by WeasyPrint with Debian's Noto CJK fonts.

One entry for every report (evaluation sheet, plan, visit report, compiled
results, booklets). The caller has already fetched the record through its
`for_user` queryset, so a PDF is scoped exactly like its page.
"""

import datetime

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

# Era start dates: a date is in the last era that began on or before it.
ERAS = (
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
    (datetime.date(1926, 12, 25), "昭和"),
)


def wareki(day):
    """令和7年4月1日 for 2025-04-01; the first year of an era is 元年."""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    for start, era in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def render_pdf(request, template_name, context, filename, *, landscape=False, use_wareki=None):
    """Render `template_name` (which extends core/pdf_base.html) as a PDF download.

    `use_wareki` defaults to the request's `?wareki=0/1` choice, else 和暦 on.
    """
    from weasyprint import HTML  # imported here: it loads Pango/Cairo at import time

    if use_wareki is None:
        use_wareki = request.GET.get("wareki", "1") != "0"
    today = timezone.localdate()
    context = {
        **context,
        "landscape": landscape,
        "use_wareki": use_wareki,
        "printed_on": wareki(today) if use_wareki else today.isoformat(),
        "organisation": _("Yorozu Support Center Operations"),
    }
    html = render_to_string(template_name, context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(filename):
    from urllib.parse import quote

    return quote(filename)


class PdfMixin:
    """The page's own view rendered as a PDF: mixed into the page's detail view, so the
    PDF is fetched through the same ``for_user`` queryset and built from the same
    context; only the template (``pdf_template``, extending core/pdf_base.html) differs.
    """

    pdf_template = None
    pdf_landscape = False

    def pdf_filename(self, context) -> str:
        raise NotImplementedError

    def render_to_response(self, context, **response_kwargs):
        return render_pdf(
            self.request,
            self.pdf_template,
            context,
            self.pdf_filename(context),
            landscape=self.pdf_landscape,
        )
