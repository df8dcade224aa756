"""The fiscal-year calendar the Agency sets, and what the plan form shows of the policy."""

import datetime

from django.urls import reverse

from conftest import make_plan
from consultations.models import PriorityField
from planning.models import FiscalYear


def test_the_plan_form_shows_the_policys_recommended_fields_beside_the_centers_choice(
    client_for, personas, tokyo
):
    plan = make_plan(tokyo, confirmed=False)  # its one priority field is 創業支援
    chosen = PriorityField.objects.get(name="創業支援")
    other = PriorityField.objects.exclude(pk=chosen.pk).first()
    plan.fiscal_year.policy.recommended_fields.set([chosen, other])
    html = client_for("tokyo_manager").get(reverse("planning:plan_edit", args=[plan.pk]))
    box = html.content.decode().split('data-testid="recommended-fields"')[1].split("</aside>")[0]
    rows = {line.split("</li>")[0] for line in box.split("<li>")[1:]}
    assert any(chosen.name in row and "計画に含む" in row for row in rows)
    assert any(other.name in row and "未選択" in row for row in rows)


def test_the_agency_sets_the_years_calendar_and_a_window_must_open_before_it_closes(
    client_for, personas, tokyo
):
    year = make_plan(tokyo, confirmed=False).fiscal_year
    data = {
        "year": year.year,
        "state": year.state,
        "warning_margin": "0.10",
        "plan_due": f"{year.year}-04-15",
        "interview_from": f"{year.year}-04-20",
        "interview_until": f"{year.year}-04-10",
        "evaluation_from": f"{year.year + 1}-02-01",
        "evaluation_until": f"{year.year + 1}-03-15",
        "reminder_days": 5,
    }
    client = client_for("admin")
    response = client.post(reverse("planning:year_update", args=[year.pk]), data)
    assert response.status_code == 200  # refused: the interview window is backwards
    year.refresh_from_db()
    assert year.plan_due is None
    data["interview_until"] = f"{year.year}-05-20"
    assert client.post(reverse("planning:year_update", args=[year.pk]), data).status_code == 302
    year.refresh_from_db()
    assert str(year.plan_due) == f"{year.year}-04-15" and year.reminder_days == 5
    # Only the Agency sets it.
    response = client_for("kanto_officer").post(
        reverse("planning:year_update", args=[year.pk]), data
    )
    assert response.status_code in (403, 404)


def test_a_fiscal_year_gives_its_period_from_1_april_to_31_march(db):
    fy2025 = FiscalYear.objects.create(year=2025)
    FiscalYear.objects.create(year=2024)
    assert (fy2025.period.start, fy2025.period.end) == (
        datetime.date(2025, 4, 1),
        datetime.date(2026, 3, 31),
    )
    assert fy2025.period.label == "2025年度（令和7年度）" == str(fy2025)
    assert FiscalYear.current(datetime.date(2026, 3, 31)) == fy2025
    assert FiscalYear.current(datetime.date(2025, 3, 31)).year == 2024
