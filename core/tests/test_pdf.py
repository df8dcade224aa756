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


# --- The reports: each the page's own view (and for_user queryset) as a PDF -------------

from django.urls import reverse  # noqa: E402

from conftest import make_evaluation, make_plan, make_visit  # noqa: E402


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_evaluation_sheet_prints_the_centers_grade_and_breakdown(client_for, tokyo):
    result = make_evaluation(tokyo)["result"]
    url = reverse("evaluation:result_pdf", args=[result.pk])
    text = pdf_text(client_for("tokyo_manager").get(url))
    assert "東京都よろず支援拠点 評価シート" in text
    assert f"評価ランク {result.grade}" in text
    assert "活動指標" in text and "評価基準 第" in text and "重点指導" in text
    assert client_for("osaka_manager").get(url).status_code == 404


def test_the_business_plan_prints_its_targets_in_japanese(client_for, tokyo):
    plan = make_plan(
        tokyo,
        targets={
            "consultations": 1234,
            "visitors": 40,
            "cases_solved": 10,
            "network_activities": 12,
        },
    )
    url = reverse("planning:plan_pdf", args=[plan.pk])
    text = pdf_text(client_for("tokyo_manager").get(url))
    assert "東京都よろず支援拠点" in text and "事業計画" in text
    assert "相談対応件数" in text and "1,234" in text  # thousands separator
    assert "創業支援" in text and "令和" in text  # priority field; 和暦 by default
    assert "令和" not in pdf_text(client_for("tokyo_manager").get(url + "?wareki=0"))
    assert client_for("osaka_manager").get(url).status_code == 404


def test_the_visit_report_prints_findings_advice_and_follow_ups(client_for, tokyo):
    visit = make_visit(tokyo, follow_ups=["相談記録の整備"], advice="記録様式の統一を助言")
    url = reverse("support:visit_pdf", args=[visit.pk])
    text = pdf_text(client_for("tokyo_manager").get(url))
    assert "東京都よろず支援拠点 訪問報告" in text
    assert "記録様式の統一を助言" in text and "相談記録の整備" in text
    assert client_for("osaka_manager").get(url).status_code == 404


def test_the_selection_rounds_result_prints_the_ranking_for_the_bureau(client_for, personas, tokyo):
    from selection.tests.factories import make_round

    round_ = make_round(tokyo, members=2, candidates=("候補 一郎",))
    url = reverse("selection:round_pdf", args=[round_.pk])
    text = pdf_text(client_for("kanto_officer").get(url))
    assert "東京都よろず支援拠点" in text and "候補 一郎" in text and "加重得点" in text
    assert client_for("kinki_officer").get(url).status_code == 404
    assert client_for("osaka_manager").get(url).status_code == 404


def test_the_compiled_results_pdf_is_landscape_and_scoped_to_the_bureau(client_for, tokyo, osaka):
    from organizations.models import Bureau

    make_plan(tokyo, 2025, change_request=False)
    kanto = Bureau.objects.get(code="kanto")
    url = reverse("planning:bureau_dashboard", args=[kanto.pk]) + "?fy=2025&export=pdf"
    response = client_for("kanto_officer").get(url)
    text = pdf_text(response)
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    assert "東京都よろず支援拠点" in text and "関東 計" in text
    assert "大阪府よろず支援拠点" not in text
    assert client_for("kinki_officer").get(url).status_code == 404
    national = pdf_text(
        client_for("hq").get(reverse("planning:national_dashboard") + "?fy=2025&export=pdf")
    )
    assert "大阪府よろず支援拠点" in national and "全国計" in national
