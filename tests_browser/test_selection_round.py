"""A chief-coordinator selection run in a real browser: the bureau sets it up, three members
score (one declares a conflict), the ranking appears only once the last one submits, the
bureau nominates, and the new term shows on the staff page.

The pages are driven in English (the language cookie), so the test does not depend on
the Japanese catalogue.
"""

import datetime

import pytest

from accounts.models import User, UserRole
from conftest import make_person
from organizations.models import Center, Role
from selection.models import Criterion, RoundStatus, SelectionRound
from tests_browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "selection-pass-2026"
# Every member gives each candidate the same score on every criterion.
SCORES = {"member1": {"A": 5, "B": 4, "C": 3}, "member2": {"A": 4, "B": 5, "C": 3}}
SCORES["member3"] = {"A": 4, "C": 2}  # member3 declares a conflict with B


def english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def logout(page):
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/accounts/login/**")


def score(page, live_server, username, round_url):
    log_in(page, live_server, username, PASSWORD)
    page.goto(round_url)
    page.click("text=Open my scoresheets")
    page.click("text=Declare conflicts of interest")
    for name in ("A", "B", "C"):
        row = page.locator(f"tr[data-candidate='候補{name}']")
        if name in SCORES[username]:
            row.get_by_label("No conflict of interest").check()
        else:
            row.get_by_label("Conflict of interest", exact=True).check()
            row.locator("input[type=text]").fill("former colleague")
    page.click("button:has-text('Save the declaration')")
    criteria = list(Criterion.objects.order_by("order").values_list("pk", flat=True))
    for name, value in SCORES[username].items():
        page.click(f"[data-testid=sheets] a:has-text('候補{name}')")
        for pk in criteria:
            page.check(f"input[name=criterion_{pk}][value='{value}']")
        page.fill("#id_comment", f"{username} on {name}")
        page.click("button:has-text('Save the scores')")
    page.click("button:has-text('Submit my scores')")
    assert page.get_by_test_id("my-seat").inner_text().startswith("Your seat")
    logout(page)


def test_a_round_from_setup_to_the_new_term_on_the_staff_page(browser, page, live_server):
    tokyo = Center.objects.get(code="13")
    sitting = make_person(tokyo, Role.CHIEF_COORDINATOR, start=datetime.date(2023, 4, 1))
    User.objects.create_user(
        "kanto", password=PASSWORD, role=UserRole.BUREAU_OFFICER, bureau=tokyo.prefecture.bureau
    )
    for n in (1, 2, 3):
        User.objects.create_user(
            f"member{n}",
            password=PASSWORD,
            # The first sits for the advisory board: a board member's account and record.
            role=UserRole.BOARD_MEMBER if n == 1 else UserRole.COMMITTEE_MEMBER,
            person=make_person(None, Role.ADVISORY_BOARD) if n == 1 else None,
            last_name="委員",
            first_name=str(n),
        )
    english(page, live_server)

    # The bureau sets the round up: committee, candidates, then starts the scoring.
    log_in(page, live_server, "kanto", PASSWORD)
    page.goto(f"{live_server.url}/selection/")
    page.click("a:has-text('New')")
    page.select_option("#id_center", label=tokyo.name)
    page.fill("#id_term_start", "2027-04-01")
    page.fill("#id_term_end", "2028-03-31")
    page.click("button:has-text('Create')")
    round_url = page.url
    for n, seat in ((1, "advisory_board"), (2, "bureau"), (3, "bureau")):
        page.click("text=Add a committee member")
        page.select_option("#id_user", label=f"委員 {n}（member{n}）")
        page.select_option("#id_source", seat)
        page.click("button:has-text('Add')")
    for name in ("A", "B", "C"):
        page.goto(round_url)
        page.click("text=Add a candidate")
        page.fill("#id_name", f"候補{name}")
        page.fill("#id_career", f"{name}の経歴")
        page.click("button:has-text('Add')")
    page.goto(round_url)
    page.click("button:has-text('Start scoring')")
    assert page.get_by_test_id("round-status").inner_text() == "Scoring"
    logout(page)

    # Two members score and submit: the scores stay sealed.
    score(page, live_server, "member1", round_url)
    score(page, live_server, "member2", round_url)
    log_in(page, live_server, "kanto", PASSWORD)
    page.goto(round_url)
    assert "2 of 3 submitted" in page.get_by_test_id("sealed").inner_text()
    assert page.get_by_test_id("ranking").count() == 0

    # The last member submits in another browser; the bureau's page shows the ranking.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    member_page = other.new_page()
    english(member_page, live_server)
    score(member_page, live_server, "member3", round_url)
    other.close()
    ranking = page.get_by_test_id("ranking")
    ranking.wait_for(timeout=20000)  # the results block polls while members score
    rows = ranking.locator("tbody tr")
    # A: (5+4+4)/3 = 4.33; B: (4+5)/2 = 4.50 without member3 (conflict); C: (3+3+2)/3 = 2.67.
    assert [rows.nth(i).get_attribute("data-candidate") for i in range(3)] == [
        "候補B",
        "候補A",
        "候補C",
    ]
    assert rows.nth(0).get_by_test_id("score").inner_text() == "4.50"
    assert rows.nth(1).get_by_test_id("score").inner_text() == "4.33"
    assert "member3 on A" in page.get_by_test_id("comments").inner_text()

    # The bureau nominates; the new term shows on the staff page.
    page.goto(round_url)
    page.click("text=Record the decision")
    page.get_by_label("Nominate a candidate").check()
    page.select_option("#id_nominee", label="候補B")
    page.fill("#id_reason", "最高点であり、面接での構想も具体的")
    page.fill("#id_staff_code", "CC-2027")
    page.click("button:has-text('Record the decision')")
    assert page.get_by_test_id("round-status").inner_text() == "Decided"
    page.get_by_test_id("term-link").click()
    assignments = page.get_by_test_id("assignments").inner_text()
    assert "Chief coordinator" in assignments
    assert "2027-04-01" in assignments and "2028-03-31" in assignments

    assert SelectionRound.objects.get().status == RoundStatus.DECIDED
    assert sitting.assignments.get().end_date == datetime.date(2027, 3, 31)
