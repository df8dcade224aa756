"""The year-end evaluation, computed by hand for three synthetic centers.

Default rules (domain brief §5): weights 20/10/25/10 + 15 for the priority fields,
achievement capped at 150 %, line points = weight × min(achievement, 1.5) / 1.5;
surveys 5 + 5 points × mean / 5 (national mean below 5 answers); hearing
10 × sum / (3 × 12 items); S ≥ 90, A ≥ 75, B ≥ 60, C ≥ 45, else D.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from conftest import agree_all, make_activity, make_case, make_client, make_plan, make_session
from core.workflow import StepRefused
from evaluation import inputs, workflow
from evaluation.models import (
    ChecklistTemplate,
    EvaluationEvent,
    EvaluationRun,
    GuidancePlan,
    Hearing,
    HearingScore,
    RunStatus,
)
from organizations.models import Center
from planning.models import FiscalYear

FY = 2025
DAY = datetime.date(2025, 6, 2)


def ready_to_sign(run, admin):
    """Every result agreed and the advisory board's review waived: the sign-off may follow."""
    agree_all(run, user=admin)
    workflow.waive_board_review(run, user=admin, reason="試験: 審議を省略")


def records(center, *, clients, sessions_each, solved, activities, priority_sessions):
    """Sessions of ``clients`` clients; ``priority_sessions`` of them on a 創業支援 case."""
    people = [make_client(center) for _ in range(clients)]
    tagged = make_case(people[0], priority=["創業支援"], opened=DAY)
    count = 0
    for person in people:
        for n in range(sessions_each):
            case = tagged if count < priority_sessions else None
            make_session(person, DAY + datetime.timedelta(days=n), case=case)
            count += 1
    for _ in range(solved):
        make_case(people[-1], opened=DAY, solved=datetime.date(2025, 11, 4))
    for _ in range(activities):
        make_activity(center, DAY)


def plan(center, targets, priority_target):
    confirmed = make_plan(center, FY, change_request=False, targets=targets)
    confirmed.priorities.update(target=priority_target)
    return confirmed


def hearing(center, scores):
    template = ChecklistTemplate.objects.get()
    held = Hearing.objects.create(
        center=center,
        fiscal_year=FiscalYear.objects.get(year=FY),
        template=template,
        held_on=datetime.date(2026, 2, 10),
    )
    for item, score in zip(template.items.all(), scores, strict=True):
        HearingScore.objects.create(hearing=held, item=item, score=score)
    return held


@pytest.fixture
def three_centers(db, personas, tokyo, osaka, kanagawa, monkeypatch):
    # Tokyo: over target everywhere, network and priority beyond the cap.
    plan(tokyo, {"consultations": 10, "visitors": 5, "cases_solved": 2, "network_activities": 2}, 4)
    records(tokyo, clients=6, sessions_each=2, solved=3, activities=4, priority_sessions=8)
    # Osaka: short of every target; its client survey has too few answers.
    plan(
        osaka, {"consultations": 20, "visitors": 10, "cases_solved": 4, "network_activities": 4}, 10
    )
    records(osaka, clients=9, sessions_each=2, solved=3, activities=3, priority_sessions=6)
    # Kanagawa: no confirmed plan, no institution answers, a perfect hearing.
    records(kanagawa, clients=2, sessions_each=1, solved=0, activities=0, priority_sessions=0)
    hearing(tokyo, [3] * 6 + [2] * 6)  # 30 of 36
    hearing(osaka, [2] * 6 + [1] * 6)  # 18 of 36
    hearing(kanagawa, [3] * 12)  # 36 of 36
    scores = {
        "client": {
            tokyo.pk: {"answers": 10, "mean": Decimal("4.5")},
            osaka.pk: {"answers": 3, "mean": Decimal("3")},
            kanagawa.pk: {"answers": 7, "mean": Decimal("4")},
        },
        "institution": {
            tokyo.pk: {"answers": 6, "mean": Decimal("4")},
            osaka.pk: {"answers": 5, "mean": Decimal("3.6")},
        },
    }
    monkeypatch.setattr(inputs, "survey_scores", lambda fiscal_year: scores)
    # The national means over every answer: (4.5×10 + 3×3 + 4×7) / 20 and (4×6 + 3.6×5) / 11.
    national = {"client": "4.10", "institution": "3.82"}
    monkeypatch.setattr(inputs, "national_means", lambda fiscal_year: national)
    return personas


def run_year(admin):
    return workflow.run_evaluation(FiscalYear.objects.get(year=FY), user=admin)


def test_three_centers_match_the_hand_computation(three_centers, tokyo, osaka, kanagawa):
    run = run_year(three_centers["admin"])
    results = {r.center_id: r for r in run.results.all()}

    # Tokyo: 12/10 → 20×1.2/1.5 = 16; 6/5 → 8; 3/2 → 25; 4/2 = 200 % capped → 10;
    # 創業支援 8/4 capped → 15. Indicators 74. Surveys 5×4.5/5 + 5×4/5 = 8.5.
    # Hearing 10×30/36 = 8.33. Total 90.83 → S.
    t = results[tokyo.pk]
    assert (t.indicator_points, t.survey_points, t.hearing_points) == (
        Decimal("74.00"),
        Decimal("8.50"),
        Decimal("8.33"),
    )
    assert (t.total, t.grade) == (Decimal("90.83"), "S")
    capped = {line["code"]: line["capped"] for line in t.breakdown["indicators"]}
    assert capped["network_activities"] and not capped["consultations"]

    # Osaka: 18/20 → 12; 9/10 → 6; 3/4 → 12.5; 3/4 → 5; 6/10 → 6. Indicators 41.5.
    # Client survey: 3 answers < 5 → national mean (4.5×10 + 3×3 + 4×7) / 20 = 4.10 → 4.10;
    # institution 5×3.6/5 = 3.60. Hearing 10×18/36 = 5. Total 54.20 → C.
    o = results[osaka.pk]
    assert (o.indicator_points, o.survey_points, o.hearing_points) == (
        Decimal("41.50"),
        Decimal("7.70"),
        Decimal("5.00"),
    )
    assert (o.total, o.grade) == (Decimal("54.20"), "C")
    client_line = o.breakdown["surveys"][0]
    assert client_line["flagged"] and client_line["used_mean"] == "4.10"

    # Kanagawa: no plan → 0. Client 5×4/5 = 4; institution: none → national mean
    # (4×6 + 3.6×5) / 11 = 3.818… → 3.82. Hearing 10. Total 17.82 → D.
    k = results[kanagawa.pk]
    assert (k.indicator_points, k.survey_points, k.hearing_points, k.total, k.grade) == (
        Decimal("0.00"),
        Decimal("7.82"),
        Decimal("10.00"),
        Decimal("17.82"),
        "D",
    )
    assert {flag["code"] for flag in k.breakdown["flags"]} == {"no_plan", "few_answers"}


def test_budget_matches_the_hand_computation_to_the_yen(three_centers, tokyo, osaka, kanagawa):
    admin = three_centers["admin"]
    run = run_year(admin)
    ready_to_sign(run, admin)
    workflow.finalise(run, user=admin)
    bases = dict.fromkeys(Center.objects.values_list("pk", flat=True), 0)
    bases.update({tokyo.pk: 30_000_000, osaka.pk: 25_000_000, kanagawa.pk: 20_000_000})
    allocation = workflow.allocate_budget(run, user=admin, envelope=100_000_001, bases=bases)
    # Weights: Tokyo 30M × 1.10 (S) = 33M, Osaka 25M × 0.95 (C) = 23.75M, Kanagawa 20M × 0.90 (D)
    # = 18M; sum 74.75M. Quotas of 100,000,001: 44,147,157.63 / 31,772,575.57 / 24,080,267.80;
    # floors leave 2 yen, to the largest remainders: Kanagawa (.80), then Tokyo (.63).
    amounts = dict(allocation.lines.filter(base__gt=0).values_list("center_id", "amount"))
    assert amounts == {tokyo.pk: 44_147_158, osaka.pk: 31_772_575, kanagawa.pk: 24_080_268}
    assert sum(allocation.lines.values_list("amount", flat=True)) == 100_000_001

    # Osaka set by hand to 30,000,000: the other 70,000,001 go 33 : 18 →
    # 45,294,118.29 and 24,705,882.71; the yen left goes to Kanagawa.
    line = allocation.lines.get(center=osaka)
    workflow.adjust_line(line, user=admin, amount=30_000_000, reason="新規事業の立ち上げ")
    amounts = dict(allocation.lines.filter(base__gt=0).values_list("center_id", "amount"))
    assert amounts == {tokyo.pk: 45_294_118, osaka.pk: 30_000_000, kanagawa.pk: 24_705_883}

    with pytest.raises(StepRefused):
        workflow.adjust_line(allocation.lines.get(center=tokyo), user=admin, amount=1, reason="  ")


def test_finalised_evaluation_and_its_rules_cannot_change(three_centers, tokyo):
    admin, officer = three_centers["admin"], three_centers["kanto_officer"]
    run = run_year(admin)
    ready_to_sign(run, admin)
    workflow.finalise(run, user=admin)

    with pytest.raises(StepRefused):
        workflow.save_rules(run.fiscal_year, user=admin, values={}, reason="重み変更")
    with pytest.raises(StepRefused):
        workflow.review_result(
            run.results.get(center=tokyo), user=officer, agree=False, comment="再確認"
        )
    with pytest.raises(StepRefused):
        workflow.run_evaluation(run.fiscal_year, user=admin)
    result = run.results.get(center=tokyo)
    result.total = Decimal("99")
    with pytest.raises(StepRefused):
        result.save()
    rules = run.rules
    rules.threshold_s = Decimal("80")
    with pytest.raises(StepRefused):
        rules.save()
    refused = EvaluationEvent.objects.filter(refused=True)
    assert sorted(refused.values_list("action", flat=True)) == ["change_rules", "review", "run"]
    assert set(refused.values_list("user__username", flat=True)) == {"admin", "kanto_officer"}

    correction = workflow.start_correction(run, user=admin, reason="ヒアリング点の誤記訂正")
    assert (correction.version, correction.corrects, correction.status) == (2, run, RunStatus.DRAFT)
    ready_to_sign(correction, admin)
    workflow.finalise(correction, user=admin)
    run.refresh_from_db()
    assert run.is_final and run.is_superseded
    assert EvaluationRun.objects.filter(fiscal_year=run.fiscal_year).count() == 2
    assert run.results.count() == correction.results.count() == 47


def test_finalising_needs_every_bureau_review_and_opens_guidance(three_centers, tokyo, osaka):
    admin, officer = three_centers["admin"], three_centers["kanto_officer"]
    run = run_year(admin)
    with translation.override("en"), pytest.raises(StepRefused, match="not yet reviewed"):
        workflow.finalise(run, user=admin)
    with pytest.raises(StepRefused):  # Kanto's centers only
        workflow.review_result(run.results.get(center=osaka), user=officer, agree=True)
    ready_to_sign(run, admin)
    plans = workflow.finalise(run, user=admin)
    graded = {r.center_id: r.grade for r in run.results.all()}
    assert {p.center_id for p in plans} == {c for c, g in graded.items() if g in "CD"}
    assert tokyo.pk not in {p.center_id for p in plans} and osaka.pk in {p.center_id for p in plans}
    assert GuidancePlan.objects.get(center=osaka).fiscal_year.year == FY + 1


def test_what_if_lists_the_centers_whose_grade_would_move(three_centers, client, tokyo, osaka):
    admin = three_centers["admin"]
    run = run_year(admin)
    client.force_login(admin)
    form = {name: getattr(run.rules, name) for name in workflow.RULE_FIELDS}
    form.update(threshold_s="95", threshold_c="40")  # Tokyo S → A, Osaka stays C
    page = client.get(reverse("evaluation:whatif", args=[run.pk]), form).content.decode()
    assert page.count('class="moved"') == 1 and "東京都" in page
    # Nothing was saved.
    assert run.fiscal_year.evaluation_rules.count() == 1
    assert run.results.get(center=tokyo).grade == "S"


def test_a_center_sees_its_finalised_result_only(three_centers, client, tokyo, osaka):
    admin = three_centers["admin"]
    run = run_year(admin)
    own = run.results.get(center=tokyo)
    other = run.results.get(center=osaka)
    client.force_login(three_centers["tokyo_manager"])
    assert client.get(own.get_absolute_url()).status_code == 404  # a draft is not shown yet
    ready_to_sign(run, admin)
    workflow.finalise(run, user=admin)
    page = client.get(own.get_absolute_url())
    assert page.status_code == 200 and "90.83" in page.content.decode()
    assert client.get(other.get_absolute_url()).status_code == 404
    listing = client.get(run.get_absolute_url()).content.decode()
    assert other.get_absolute_url() not in listing and own.get_absolute_url() in listing
    export = client.get(run.get_absolute_url() + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(export.getvalue())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [tokyo.name]


def test_the_survey_part_comes_from_the_answers_given(personas, tokyo, osaka):
    """Tokyo: 5 answers, every five-point question at 5 → 5 × 5.00 / 5 = 5.00 points.
    Osaka: 2 answers at 3, fewer than 5 → the national mean of every answer,
    (5 × 5 + 2 × 3) / 7 = 4.43 → 4.43 points. No institution answered anywhere: 0, flagged."""
    from conftest import answer_survey, make_campaign, survey_tokens
    from surveys.campaigns import close
    from surveys.models import QuestionKind

    for center, answers, value in ((tokyo, 5, 5), (osaka, 2, 3)):
        campaign = make_campaign(center, recipients=answers)
        scale = campaign.version.questions.filter(kind=QuestionKind.SCALE)
        for token in survey_tokens(campaign):
            answer_survey(token, **{question.code: value for question in scale})
        close(campaign, user=personas["admin"])  # its answers count from the close on
    run = workflow.run_evaluation(FiscalYear.objects.get(year=FY), user=personas["admin"])
    t, o = run.results.get(center=tokyo), run.results.get(center=osaka)
    assert [line["points"] for line in t.breakdown["surveys"]] == ["5.00", "0.00"]
    assert t.survey_points == Decimal("5.00")
    client_line = o.breakdown["surveys"][0]
    assert (client_line["answers"], client_line["flagged"], client_line["used_mean"]) == (
        2,
        True,
        "4.43",
    )
    assert o.survey_points == Decimal("4.43")
    assert {"code": "no_survey", "kind": "institution"} in t.breakdown["flags"]
