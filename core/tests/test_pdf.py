import datetime
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from pypdf import PdfReader

from core.pdf import render_pdf, wareki


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (datetime.date(2025, 4, 1), "令和7年4月1日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_wareki_dates(day, text):
    assert wareki(day) == text


def test_a_pdf_carries_japanese_text_page_numbers_and_the_printed_date():
    from django.utils import translation

    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    with translation.override("ja"):
        response = render_pdf(request, "core/pdf_base.html", {}, "評価シート.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "%E8%A9%95%E4%BE%A1" in response["Content-Disposition"]  # 評価, encoded
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "よろず支援拠点 業務システム" in text  # the organisation, in the page header
    assert "令和" in text and "1 / 1" in text  # the printed date in 和暦, the page number
