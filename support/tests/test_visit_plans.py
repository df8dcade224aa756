"""HQ's visit plan: planned against held, the focused guidance's frequency taken in
automatically, and a center behind plan flagged on the dashboards and in the inbox."""

import datetime

import pytest
from django.urls import reverse

from conftest import make_evaluation, make_visit
from core import home
from organizations.models import Center
from support import visit_plans
from support.models import VisitPlan

MID_YEAR = datetime.date(2025, 9, 30)  # 183 of the 365 days of FY2025


@pytest.fixture
def guidance_center(tokyo):
    """Tokyo on focused guidance through FY2025 at 4 HQ visits a year; HQ's own plan says 2."""
    from evaluation.models import GuidancePlan, GuidanceStatus

    guidance = make_evaluation(tokyo, 2024)["result"].guidance
    guidance.visits_per_year = 4
    guidance.save()
    # The evaluation of the test data puts every center on guidance: only Tokyo stays.
    GuidancePlan.objects.exclude(pk=guidance.pk).update(status=GuidanceStatus.CLOSED)
    assert guidance.fiscal_year.year == 2025
    VisitPlan.objects.create(fiscal_year=guidance.fiscal_year, center=tokyo, planned_visits=2)
    return tokyo


def tokyo_row(tokyo, as_of=MID_YEAR):
    [row] = visit_plans.plan_rows(Center.objects.filter(pk=tokyo.pk), fiscal_year=2025, as_of=as_of)
    return row


def test_expected_visits_are_the_planned_share_of_the_year_elapsed_rounded_down():
    assert visit_plans.expected_by(4, 2025, datetime.date(2025, 4, 1)) == 0
    assert visit_plans.expected_by(4, 2025, MID_YEAR) == 2  # 4 × 183 / 365 = 2.005
    assert visit_plans.expected_by(4, 2025, datetime.date(2026, 3, 31)) == 4
    assert visit_plans.expected_by(4, 2025, datetime.date(2027, 1, 1)) == 4
    assert visit_plans.expected_by(4, 2025, datetime.date(2024, 1, 1)) == 0


def test_a_guidance_center_one_visit_behind_at_mid_year_catches_up_with_two_more(
    guidance_center, client_for
):
    tokyo = guidance_center
    make_visit(tokyo, datetime.date(2025, 5, 20))
    make_visit(tokyo, datetime.date(2025, 3, 10))  # last fiscal year: not held in this one
    make_visit(tokyo, datetime.date(2025, 11, 5))  # after the day: not held by then
    row = tokyo_row(tokyo)
    # The guidance plan's 4 a year overrides HQ's own 2, without anyone editing the plan.
    assert (row.planned_own, row.guidance_visits, row.planned) == (2, 4, 4)
    assert (row.held, row.expected, row.behind) == (1, 2, True)

    page = client_for("admin").get(
        reverse("planning:national_dashboard"), {"fy": 2025, "as_of": "2025-09-30"}
    )
    panel = page.content.decode().split('data-testid="visit-plan-panel"')[1].split("</section>")[0]
    assert "東京都よろず支援拠点" in panel and 'data-testid="behind-plan"' in panel

    make_visit(tokyo, datetime.date(2025, 7, 1))
    make_visit(tokyo, datetime.date(2025, 9, 1))
    row = tokyo_row(tokyo)
    assert (row.held, row.expected, row.behind) == (3, 2, False)
    page = client_for("admin").get(
        reverse("planning:national_dashboard"), {"fy": 2025, "as_of": "2025-09-30"}
    )
    panel = page.content.decode().split('data-testid="visit-plan-panel"')[1].split("</section>")[0]
    assert "東京都よろず支援拠点" not in panel


def test_behind_plan_is_overdue_in_the_inbox_of_hq_for_the_centers_in_their_scope(
    guidance_center, personas
):
    tokyo = guidance_center
    make_visit(tokyo, datetime.date(2025, 5, 20))

    def behind(user):
        groups = home.inbox(user, today=MID_YEAR)
        return next((g for g in groups if g.kind.name == "support.visit_plan_behind"), None)

    for name in ("hq", "tokyo_expert", "admin"):
        group = behind(personas[name])
        assert group is not None and group.count == 1 and group.overdue == 1, name
        [item] = group.items
        assert item.obj == tokyo and item.overdue
        # 2 of 4 are expected from day 183 of the year (30 September): the second visit
        # was due by the day before.
        assert item.due == MID_YEAR - datetime.timedelta(days=1)
    assert behind(personas["osaka_expert"]) is None  # not one of their centers
    assert behind(personas["tokyo_manager"]) is None  # the center is not asked to visit itself

    make_visit(tokyo, datetime.date(2025, 7, 1))
    assert behind(personas["hq"]) is None


def test_the_center_and_bureau_dashboards_show_planned_against_held(guidance_center, client_for):
    tokyo = guidance_center
    make_visit(tokyo, datetime.date(2025, 5, 20))
    query = {"fy": 2025, "as_of": "2025-09-30"}
    for name, url in (
        ("tokyo_manager", reverse("planning:center_dashboard", args=[tokyo.pk])),
        (
            "kanto_officer",
            reverse("planning:bureau_dashboard", args=[tokyo.prefecture.bureau_id]),
        ),
    ):
        html = client_for(name).get(url, query).content.decode()
        table = html.split('data-testid="visit-plan"')[1].split("</table>")[0]
        row = table.split(f'id="center-{tokyo.pk}"')[1].split("</tr>")[0]
        assert 'data-testid="behind-plan"' in row, name
        cells = [c.split(">", 1)[1].split("<")[0].strip() for c in row.split("<td")[1:]]
        assert cells[1:5] == ["2", "4", "4", "2"], (name, cells)


def test_hq_sets_the_plan_and_nobody_else_does(guidance_center, client_for, osaka):
    year = VisitPlan.objects.get().fiscal_year
    response = client_for("hq").post(
        reverse("support:visit_plan_create"),
        {"fiscal_year": year.pk, "center": osaka.pk, "planned_visits": 6, "note": "隔月訪問"},
    )
    assert response.status_code == 302
    assert VisitPlan.objects.get(center=osaka).planned_visits == 6
    duplicate = client_for("hq").post(
        reverse("support:visit_plan_create"),
        {"fiscal_year": year.pk, "center": osaka.pk, "planned_visits": 3},
    )
    assert duplicate.status_code == 200 and VisitPlan.objects.filter(center=osaka).count() == 1
    for name in ("tokyo_expert", "kanto_officer", "tokyo_manager"):
        refused = client_for(name).post(
            reverse("support:visit_plan_create"),
            {"fiscal_year": year.pk, "center": osaka.pk, "planned_visits": 1},
        )
        assert refused.status_code in (403, 404)
    assert VisitPlan.objects.get(center=osaka).planned_visits == 6
