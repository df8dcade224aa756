"""The year-end evaluation walked through in a real browser: the Agency runs it,
previews a rule change, finalises, allocates the budget and opens a guidance
plan; the center manager then reads its own breakdown and no other center's."""

import datetime

import pytest

from accounts.models import User, UserRole
from conftest import make_client, make_plan, make_session
from evaluation import workflow
from evaluation.models import ChecklistTemplate, EvaluationRun, Hearing, HearingScore
from organizations.models import Center
from planning.models import FiscalYear
from tests_browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "eval-pass-2026"
FY = 2025


def setup_year():
    tokyo, osaka = Center.objects.get(code="13"), Center.objects.get(code="27")
    User.objects.create_user("agency", password=PASSWORD, role=UserRole.AGENCY_ADMIN)
    User.objects.create_user("cc", password=PASSWORD, role=UserRole.CENTER_MANAGER, center=tokyo)
    small = {"consultations": 4, "visitors": 2, "cases_solved": 0, "network_activities": 0}
    plans = [make_plan(tokyo, FY, change_request=False, targets=small), make_plan(osaka, FY)]
    for person in (make_client(tokyo), make_client(tokyo)):
        for day in (datetime.date(2025, 5, 1), datetime.date(2025, 6, 1)):
            make_session(person, day)
    template = ChecklistTemplate.objects.get()
    hearing = Hearing.objects.create(
        center=tokyo,
        fiscal_year=plans[0].fiscal_year,
        template=template,
        held_on=datetime.date(2026, 2, 10),
    )
    HearingScore.objects.bulk_create(
        HearingScore(hearing=hearing, item=item, score=3) for item in template.items.all()
    )
    return tokyo, osaka


def test_agency_evaluates_finalises_allocates_and_the_center_reads_its_breakdown(page, live_server):
    tokyo, osaka = setup_year()
    url = live_server.url
    log_in(page, live_server, "agency", PASSWORD)

    # Run the evaluation of FY2025.
    page.goto(f"{url}/evaluation/")
    page.select_option("#id_fiscal_year", value=str(FiscalYear.objects.get(year=FY).pk))
    page.click("form[action$='/evaluation/run/'] button[type=submit]")
    page.wait_for_selector("[data-testid=results]")
    run = EvaluationRun.objects.get()
    tokyo_row = page.locator("[data-testid=results] tr[data-center='13']")
    assert tokyo_row.locator("td").nth(6).inner_text() == run.results.get(center=tokyo).grade

    # Preview a rule change: Tokyo met its four standard targets (13.33 + 6.67 + 16.67 + 6.67),
    # missed its priority field (0) and has a perfect hearing (10): 53.34, C. Raising the bar
    # of C to 55 would move it to D; Osaka, already D, stays. Nothing is saved.
    before = run.results.get(center=tokyo)
    assert (str(before.total), before.grade) == ("53.34", "C")
    page.click(f"a[href='/evaluation/{run.pk}/what-if/']")
    page.fill("#id_threshold_c", "55")
    page.click("form[method=get] button[type=submit]")
    page.wait_for_selector("[data-testid=whatif-table]")
    assert page.locator("[data-testid=whatif-table] tr.moved").count() == 1
    assert "東京都" in page.locator("tr.moved").inner_text()
    assert run.fiscal_year.evaluation_rules.count() == 1

    # Review each center's result (the Agency on behalf of the bureaus: Tokyo on its page,
    # the others through the same function), waive the advisory board's review with a
    # reason, and finalise.
    agency = User.objects.get(username="agency")
    page.goto(f"{url}/evaluation/results/{run.results.get(center=tokyo).pk}/review/")
    page.check("input[name=verdict][value=agree]")
    page.click("[data-testid=step-form] button[type=submit]")
    page.wait_for_selector("[data-testid=results]")
    assert run.results.get(center=tokyo).reviewed_by == agency
    for result in run.results.exclude(center=tokyo):
        workflow.review_result(result, user=agency, agree=True)
    page.goto(f"{url}/evaluation/{run.pk}/")
    page.click("[data-testid=board-review] summary")
    page.fill("#id_reason", "委員の改選期のため審議を省略")
    page.click(f"form[action='/evaluation/{run.pk}/waive_board_review/'] button[type=submit]")
    page.click(f"form[action='/evaluation/{run.pk}/finalise/'] button[type=submit]")
    page.wait_for_selector("[data-testid=run-status]")
    run.refresh_from_db()
    assert run.is_final

    # Allocate next year's budget: 47 bases of 1,000,000 yen, an envelope that does not divide.
    page.click(f"a[href='/evaluation/{run.pk}/budget/']")
    page.fill("#id_envelope", "47000005")
    for field in page.locator("[data-testid=bases] input").all():
        field.fill("1000000")
    page.click("button[type=submit].primary")
    page.wait_for_selector("[data-testid=budget-lines]")
    assert page.locator("[data-testid=line-total]").inner_text().replace(",", "") == "47000005"
    # Decide it, through the confirmation: the page then says it is final.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('予算を確定')")
    page.wait_for_selector("[data-testid=budget-status]:has-text('確定済み')")
    budget_url = page.url

    # Osaka (no records, no hearing) is graded D and under focused guidance.
    page.goto(f"{url}/evaluation/guidance/")
    page.click("[data-testid=guidance-table] a:has-text('大阪府')")
    page.wait_for_selector("[data-testid=guidance-status]")
    assert "D" in page.locator("dl.facts").inner_text()
    page.click("text=ログアウト")

    # The Tokyo center manager reads its own breakdown, and cannot open Osaka's.
    log_in(page, live_server, "cc", PASSWORD)
    page.goto(f"{url}/evaluation/{run.pk}/")
    rows = page.locator("[data-testid=results] tbody tr")
    assert rows.count() == 1 and "東京都" in rows.inner_text()
    rows.locator("a").click()
    page.wait_for_selector("[data-testid=indicator-breakdown]")
    assert page.locator("[data-testid=total]").inner_text() == "53.34"
    assert page.locator("[data-testid=indicator-breakdown] tbody tr").count() == 6
    other = run.results.get(center=osaka)
    response = page.goto(f"{url}{other.get_absolute_url()}")
    assert response.status == 404
    # … and, the budget decided, its own line of it.
    page.goto(budget_url)
    lines = page.locator("[data-testid=budget-lines] tbody tr[data-center]")
    assert lines.count() == 1 and "東京都" in lines.inner_text()
