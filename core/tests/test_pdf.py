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


def test_a_pdf_carries_japanese_text_and_the_printed_date(tmp_path, settings):
    template = tmp_path / "t.html"
    template.write_text(
        '{% extends "core/pdf_base.html" %}{% block content %}<h1>東京都よろず支援拠点 評価シート</h1>{% endblock %}',
        encoding="utf-8",
    )
    settings.TEMPLATES[0]["DIRS"] = [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    response = render_pdf(request, "t.html", {}, "評価シート.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "東京都よろず支援拠点 評価シート" in text
    assert "令和" in text
