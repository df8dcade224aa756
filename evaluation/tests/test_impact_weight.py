"""The impact indicators in the evaluation: weight 0 by default changes no result; a
weight above 0 scores value-added growth against the national average per center.

Hand count for FY2025 (no plans, no hearings, no survey answers anywhere, so every
point below is an impact point): value added grows by 1,200,000 yen at Tokyo,
600,000 at Osaka and 45,200,000 at Kanagawa; the 47 centers together 47,000,000,
so the national average per center is 1,000,000.00. With a weight of 10 and the
150 % cap: Tokyo 10 × 1.2 / 1.5 = 8.00; Osaka 10 × 0.6 / 1.5 = 4.00; Kanagawa
45.2 capped at 1.5 → 10.00; a center without records 0.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from casestudies.models import ImpactPoint, ImpactRecord, ImpactSource
from conftest import make_client
from evaluation import workflow
from evaluation.models import EvaluationRules
from planning.models import FiscalYear

FY = 2025


def value_added(center, *, before, after):
    """A client's value added at intake and at follow-up (profit only; the other parts 0)."""
    client = make_client(center)
    for day, profit, point in (
        (datetime.date(2025, 4, 10), before, ImpactPoint.INTAKE),
        (datetime.date(2026, 2, 10), after, ImpactPoint.FOLLOW_UP),
    ):
        ImpactRecord.objects.create(
            client=client,
            center=center,
            recorded_on=day,
            point=point,
            source=ImpactSource.CLIENT,
            operating_profit=profit,
            personnel_costs=0,
            depreciation=0,
        )


@pytest.fixture
def growth(personas, tokyo, osaka, kanagawa):
    FiscalYear.objects.get_or_create(year=FY)
    value_added(tokyo, before=10_000_000, after=11_200_000)
    value_added(osaka, before=10_000_000, after=10_600_000)
    value_added(kanagawa, before=1_000_000, after=46_200_000)
    return personas


def run(admin):
    return workflow.run_evaluation(FiscalYear.objects.get(year=FY), user=admin)


def outcome(evaluation):
    """Each center's points, grade and explained lines (the rules' own echo left out)."""
    parts = ("indicators", "surveys", "hearing", "flags")
    return {
        r.center_id: (r.total, r.grade, [r.breakdown[part] for part in parts])
        for r in evaluation.results.all()
    }


def points(evaluation):
    return {r.center.code: r.indicator_points for r in evaluation.results.select_related("center")}


def test_with_weight_0_impact_records_change_no_result(growth, tokyo, osaka):
    admin = growth["admin"]
    year = FiscalYear.objects.get(year=FY)
    before = run(admin)
    results = outcome(before)
    assert workflow.current_rules(year).weight("value_added_growth") == 0
    assert all(r.indicator_points == 0 for r in before.results.all())
    tokyo_result = before.results.get(center=tokyo)
    # No impact line on the sheet at weight 0: the breakdown is the one of before.
    assert [line["code"] for line in tokyo_result.breakdown["indicators"]] == [
        "consultations",
        "visitors",
        "cases_solved",
        "network_activities",
    ]
    # The inputs keep the figures, so a what-if with a weight can score them later.
    stored = {item["code"]: item for item in tokyo_result.inputs["impact"]}
    assert stored["value_added_growth"] == {
        "code": "value_added_growth",
        "actual": 1_200_000,
        "reference": "1000000.00",
    }

    # The same data without any impact record: identical results.
    ImpactRecord.objects.all().delete()
    again = run(admin)
    assert outcome(again) == results


def test_with_a_weight_higher_value_added_growth_scores_higher(growth, client, tokyo, osaka):
    admin = growth["admin"]
    year = FiscalYear.objects.get(year=FY)
    # The Agency sets the weight through its rules form: a new rules version.
    client.force_login(admin)
    form = {name: getattr(workflow.current_rules(year), name) for name in workflow.RULE_FIELDS}
    form.update(weight_value_added_growth="10", reason="付加価値額を評価に加える")
    response = client.post(reverse("evaluation:rules_create") + f"?fy={FY}", form)
    assert response.status_code == 302
    rules = year.evaluation_rules.order_by("-version").first()
    assert (rules.version, rules.weight_value_added_growth) == (2, Decimal("10.00"))

    evaluation = run(admin)
    assert evaluation.rules == rules
    scored = points(evaluation)
    assert scored["13"] == Decimal("8.00")  # Tokyo: 1.2 M against 1.0 M
    assert scored["27"] == Decimal("4.00")  # Osaka: 0.6 M against 1.0 M
    assert scored["14"] == Decimal("10.00")  # Kanagawa: capped at 150 %
    assert scored["01"] == Decimal("0.00")
    assert scored["13"] > scored["27"]

    # The sheet explains the line like the others, against the national average.
    result = evaluation.results.get(center=tokyo)
    line = result.breakdown["indicators"][-1]
    assert (line["code"], line["target"], line["achievement"], line["points"]) == (
        "value_added_growth",
        "1000000.00",
        "120.00",
        "8.00",
    )
    page = client.get(result.get_absolute_url()).content.decode()
    assert "付加価値額の増加額（円）" in page and "全国平均" in page
    paper = client.get(reverse("evaluation:result_pdf", args=[result.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(paper.content)).pages)
    assert "付加価値額の増加額" in text and "1,000,000.00" in text and "全国平均" in text


def test_a_fall_scores_0_and_no_positive_average_is_flagged(personas, tokyo, osaka):
    FiscalYear.objects.get_or_create(year=FY)
    value_added(tokyo, before=5_000_000, after=4_000_000)  # the only record: average < 0
    year = FiscalYear.objects.get(year=FY)
    values = {name: getattr(workflow.current_rules(year), name) for name in workflow.RULE_FIELDS}
    values["weight_value_added_growth"] = Decimal("10")
    workflow.save_rules(year, user=personas["admin"], values=values, reason="試行")
    result = run(personas["admin"]).results.get(center=tokyo)
    assert result.indicator_points == Decimal("0.00")
    assert {"code": "no_impact_reference", "indicator": "value_added_growth"} in result.breakdown[
        "flags"
    ]


def test_rules_default_to_weight_0_for_every_impact_indicator(db):
    rules = EvaluationRules()
    assert [
        rules.weight(code)
        for code in (
            "clients_value_added_up",
            "value_added_growth",
            "jobs_created",
            "funding_obtained",
        )
    ] == [0, 0, 0, 0]
