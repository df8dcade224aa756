"""Results: aggregates in the database, nothing below five answers, one row per answer
for the national roles, and the scores the year-end evaluation reads. Answers count from
the day after they are sent (``clock.next_day()``) or the campaign's close."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import answer_survey, make_campaign, survey_tokens
from organizations.models import Bureau
from planning.models import FiscalYear
from surveys import campaigns
from surveys.results import center_scores

GOOD = {"overall": 5, "usefulness": 4, "progress": 2, "recommend": 5, "attitude": 4}
POOR = {"overall": 1, "usefulness": 1, "progress": 3, "recommend": 1, "attitude": 1}


def answered(center, answers, *, kind="client", year=2025, recipients=None):
    """A launched campaign of ``center`` and one answer per item of ``answers``."""
    campaign = make_campaign(
        center, kind=kind, year=year, recipients=recipients or max(len(answers), 1)
    )
    for token, values in zip(survey_tokens(campaign), answers, strict=False):
        answer_survey(token, **values)
    return campaign


def headline(page) -> dict:
    html = page.content.decode()
    found = {}
    for name in ("recipients", "answers", "mean", "satisfied"):
        marker = f'data-testid="{name}">'
        if marker in html:
            found[name] = html.split(marker, 1)[1].split("<", 1)[0]
    return found


def test_the_results_page_shows_a_new_answer_in_the_aggregates(client_for, tokyo, clock):
    campaign = answered(tokyo, [{**GOOD, "comment": "丁寧でした"}] * 5, recipients=6)
    clock.next_day()
    url = reverse("surveys:center_results", args=[tokyo.pk]) + "?fy=2025&kind=client"
    browser = client_for("tokyo_manager")

    before = browser.get(url)
    assert headline(before) == {
        "recipients": "6",
        "answers": "5",
        "mean": "4.50",  # (5 + 4 + 5 + 4) × 5 / 20
        "satisfied": "100.0 %",
    }
    assert '丁寧でした <span class="tag">×5</span>' in before.content.decode()

    last_token = survey_tokens(campaign)[5]
    answer_survey(last_token, **POOR)
    clock.next_day()
    after = client_for("tokyo_manager").get(url)
    # (18 × 5 + 4) / 24 = 3.9166…; 20 of 24 five-point answers are 4 or 5.
    assert headline(after) == {
        "recipients": "6",
        "answers": "6",
        "mean": "3.92",
        "satisfied": "83.3 %",
    }
    html = after.content.decode()
    overall = html.split('data-code="overall"', 1)[1].split("</article>", 1)[0]
    assert '<td class="num">5</td><td class="num">83.3 %</td>' in overall  # five of six chose 5
    assert '<td class="num">1</td><td class="num">16.7 %</td>' in overall  # one chose 1


def test_a_center_with_fewer_than_five_answers_shows_no_aggregate(client_for, tokyo, osaka, clock):
    answered(tokyo, [GOOD] * 5)
    answered(osaka, [{**POOR, "comment": "少数意見の本文"}] * 4, recipients=6)
    clock.next_day()

    center_page = client_for("osaka_manager").get(
        reverse("surveys:center_results", args=[osaka.pk]) + "?fy=2025"
    )
    html = center_page.content.decode()
    assert 'data-testid="too-few"' in html
    assert headline(center_page) == {"recipients": "6"}
    assert "少数意見の本文" not in html and "question-result" not in html

    kinki = Bureau.objects.get(code="kinki")
    bureau_page = client_for("kinki_officer").get(
        reverse("surveys:bureau_results", args=[kinki.pk]) + "?fy=2025"
    )
    row = bureau_page.content.decode().split(f'data-center="{osaka.code}"', 1)[1].split("</tr>")[0]
    assert "too-few" in row and "1.00" not in row

    national = client_for("admin").get(reverse("surveys:national_results") + "?fy=2025")
    # Osaka's answers are left out of the totals too, or they could be subtracted out.
    assert headline(national)["answers"] == "5" and headline(national)["mean"] == "4.50"
    assert 'data-testid="hidden-note"' in national.content.decode()


def test_the_year_is_compared_with_the_last(client_for, tokyo, clock):
    answered(tokyo, [{**GOOD, "overall": 4, "recommend": 4}] * 5, year=2024)
    answered(tokyo, [GOOD] * 5, year=2025)
    clock.next_day()
    FiscalYear.objects.get_or_create(year=2024)
    page = client_for("tokyo_coordinator").get(
        reverse("surveys:center_results", args=[tokyo.pk]) + "?fy=2025"
    )
    html = page.content.decode()
    assert "Last year 4.00 (+0.50)" in html  # 4.00 in FY2024, 4.50 now
    overall = html.split('data-code="overall"', 1)[1].split("</article>", 1)[0]
    assert "Last year 4.00 / 100.0 %" in overall


def test_center_scores_are_the_mean_of_every_five_point_answer_per_center(tokyo, osaka, clock):
    answered(tokyo, [GOOD, POOR | {"overall": 3, "usefulness": 3, "recommend": 2}])
    answered(tokyo, [{**GOOD, "overall": 1}], kind="client", year=2024)  # another year
    answered(osaka, [{"collaboration": 5, "referrals": 4, "members": 4}], kind="institution")
    assert center_scores(FiscalYear.objects.get(year=2025), "client")[tokyo.pk]["answers"] == 0
    clock.next_day()

    scores = center_scores(FiscalYear.objects.get(year=2025), "client")

    # Tokyo: 5 + 4 + 5 + 4 and 3 + 3 + 2 + 1 → 27 / 8.
    assert scores[tokyo.pk] == {"answers": 2, "mean": Decimal("3.3750")}
    assert scores[osaka.pk] == {"answers": 0, "mean": None}
    assert len(scores) == 47
    institution = center_scores(FiscalYear.objects.get(year=2025), "institution")
    assert institution[osaka.pk] == {"answers": 1, "mean": Decimal("4.3333")}
    assert institution[tokyo.pk]["mean"] is None


def rows_of(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_national_roles_download_one_row_per_answer_without_the_respondent(
    client_for, tokyo, clock
):
    campaign = answered(tokyo, [{**GOOD, "channel": [1, 4], "comment": "助かった"}, POOR])
    clock.next_day()
    download = client_for("hq").get(
        reverse("surveys:national_results") + "?fy=2025&kind=client&export=xlsx"
    )
    rows = rows_of(download)
    header, body = rows[0], rows[1:]
    assert len(body) == 2
    assert header[:8] == [
        "回答番号",
        "年度",
        "調査",
        "キャンペーン",
        "局",
        "拠点コード",
        "拠点",
        "版",
    ]
    first = dict(zip(header, body[0], strict=True))
    assert first["拠点コード"] == "13" and first["版"] == 1
    assert first["overall: 当拠点の支援に対する総合的な満足度をお聞かせください。"] == 5
    channel = next(h for h in header if h.startswith("channel:"))
    assert first[channel] == "商工会・商工会議所の紹介;ウェブサイト・SNS"
    names = {r.client.business_name for r in campaign.recipients.select_related("client")}
    emails = {r.email for r in campaign.recipients.exclude(email="")}
    flat = " ".join(str(cell) for row in rows for cell in row)
    assert not any(name in flat for name in names | emails)

    by_campaign = client_for("admin").get(
        reverse("surveys:campaign_results", args=[campaign.pk]) + "?export=xlsx"
    )
    assert len(rows_of(by_campaign)) == 3


@pytest.mark.parametrize("who", ["tokyo_manager", "tokyo_coordinator", "kanto_officer"])
def test_nobody_else_downloads_the_answers(client_for, tokyo, who):
    campaign = answered(tokyo, [GOOD] * 5)
    browser = client_for(who)
    by_campaign = browser.get(
        reverse("surveys:campaign_results", args=[campaign.pk]) + "?export=xlsx"
    )
    assert by_campaign.status_code == 403
    national = browser.get(reverse("surveys:national_results") + "?fy=2025&export=xlsx")
    assert national.status_code == 403


def test_a_nationwide_view_shows_each_bureau_and_center(client_for, tokyo, kanagawa, clock):
    answered(tokyo, [GOOD] * 5)
    answered(kanagawa, [POOR] * 5)
    clock.next_day()
    html = client_for("admin").get(reverse("surveys:national_results") + "?fy=2025").content
    text = html.decode()
    bureaus = text.split('data-testid="bureau-results"', 1)[1].split("</table>", 1)[0]
    kanto_row = next(row for row in bureaus.split("</tr>") if "関東経済産業局" in row)
    assert "2.75" in kanto_row  # (4.50 + 1.00) / 2
    assert f'data-center="{tokyo.code}"' in text and f'data-center="{kanagawa.code}"' in text


def test_the_national_page_costs_the_same_queries_however_many_centers_answered(
    client_for, tokyo, osaka, kanagawa, clock
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organizations.models import Center

    url = reverse("surveys:national_results") + "?fy=2025"
    answered(tokyo, [GOOD] * 5)
    clock.next_day()
    browser = client_for("admin")
    browser.get(url)  # warm up the session and caches, and release the answers
    with CaptureQueriesContext(connection) as few:
        browser.get(url)
    for center in [osaka, kanagawa, *Center.objects.filter(code__in=["01", "40"])]:
        answered(center, [{**GOOD, "comment": f"{center.code}の感想"}] * 6)
    clock.next_day()
    browser = client_for("admin")
    browser.get(url)
    with CaptureQueriesContext(connection) as many:
        assert "40の感想" in browser.get(url).content.decode()
    assert len(many) == len(few)


def main_of(page) -> str:
    """The page's <main>, without the per-request CSRF tokens."""
    html = page.content.decode()
    html = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_the_center_sees_new_answers_only_from_the_next_day_or_the_close(
    client_for, personas, tokyo, clock
):
    campaign = make_campaign(tokyo, recipients=9)
    tokens = survey_tokens(campaign)
    pages = [
        reverse("surveys:center_results", args=[tokyo.pk]) + "?fy=2025&kind=client",
        reverse("surveys:campaign_results", args=[campaign.pk]),
        campaign.get_absolute_url(),
    ]

    def seen() -> list[str]:
        browser = client_for("tokyo_manager")  # again after each move of the clock
        return [main_of(browser.get(url)) for url in pages]

    # Day one: five answers, one by one. Nothing the center sees changes that day.
    first = seen()
    for number, token in enumerate(tokens[:5]):
        answer_survey(token, **GOOD, comment=f"感想その{number}")
        assert seen() == first, f"changed after answer {number + 1}"
    assert 'data-testid="too-few"' in first[0]

    # The next day the five count, all at once; the day's answers wait for the day after.
    clock.next_day()
    second = seen()
    assert second != first and 'data-testid="answers">5<' in second[0]
    assert {f"感想その{n}" for n in range(5)} <= set(re.findall(r"感想その\d", second[0]))
    for token in tokens[5:8]:
        answer_survey(token, **POOR)
        assert seen() == second
    clock.next_day()
    third = seen()
    assert 'data-testid="answers">8<' in third[0]

    # The close counts the last answers at once: no answer can follow them.
    answer_survey(tokens[8], **GOOD)
    assert seen() == third
    campaigns.close(campaign, user=personas["tokyo_manager"])
    assert 'data-testid="answers">9<' in seen()[0]


def test_comments_are_shown_without_a_time_in_an_order_that_is_not_the_order_of_answering(
    tokyo, clock
):
    from surveys import results

    campaign = answered(tokyo, [{**GOOD, "comment": f"コメント{n:02d}"} for n in range(30)])
    clock.next_day()
    blocks = results.question_results(results.campaign_responses(campaign))
    comment = next(q for q in blocks[0].questions if q.question.code == "comment")
    texts = [c.text for c in comment.comments]
    assert sorted(texts) == [f"コメント{n:02d}" for n in range(30)]
    assert texts != sorted(texts)  # shuffled (30! orders: this one is not the sorted one)
    again = results.question_results(results.campaign_responses(campaign))
    assert [
        c.text for c in next(q for q in again[0].questions if q.question.code == "comment").comments
    ] == texts
    assert set(vars(comment.comments[0])) == {"text", "count"}  # nothing else, no time
