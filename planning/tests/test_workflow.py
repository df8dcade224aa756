"""The business-plan workflow: who may take each step, what is refused, what is kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_plan
from core.workflow import StepRefused
from planning import workflow
from planning.models import BusinessPlan, FiscalYear, PlanEvent, PlanStatus, PlanVersion

CONTENT = {
    "sections": {"strategy": "創業支援を強化"},
    "targets": {
        "consultations": 500,
        "visitors": 200,
        "cases_solved": 50,
        "network_activities": 30,
    },
}


@pytest.fixture(autouse=True)
def english_messages():
    # Messages are matched in English here; the Japanese catalogue is checked in test_i18n.
    with translation.override("en"):
        yield


@pytest.fixture
def year(db):
    return FiscalYear.objects.create(year=2025)


@pytest.fixture
def draft(personas, tokyo, year):
    from consultations.models import PriorityField

    plan = workflow.create_plan(center=tokyo, fiscal_year=year, user=personas["tokyo_manager"])
    field = PriorityField.objects.get(name="事業承継")
    workflow.save_content(
        plan,
        user=personas["tokyo_manager"],
        **CONTENT,
        priorities=[{"field": field.pk, "metric": "solved_cases", "target": 5}],
    )
    return plan


def when():
    return datetime.datetime(2025, 4, 20, 10, tzinfo=datetime.UTC)


def test_the_whole_workflow_records_who_did_each_step(personas, draft):
    manager, officer = personas["tokyo_manager"], personas["kanto_officer"]

    workflow.submit_plan(draft, user=manager)
    workflow.schedule_interview(draft, user=officer, scheduled_for=when(), place="東京")
    workflow.record_interview(
        draft,
        user=officer,
        held_on=datetime.date(2025, 4, 20),
        minutes="議事",
        changes_requested="目標を上げる",
    )
    workflow.save_content(
        draft,
        user=manager,
        **{**CONTENT, "targets": {**CONTENT["targets"], "consultations": 600}},
        priorities=[
            {
                "field": draft.priorities.get().priority_field_id,
                "metric": "solved_cases",
                "target": 5,
            }
        ],
    )
    workflow.mark_revised(draft, user=manager)
    workflow.confirm_plan(draft, user=officer)

    draft.refresh_from_db()
    assert draft.status == PlanStatus.CONFIRMED and draft.target_for("consultations") == 600
    steps = list(PlanEvent.objects.filter(plan=draft).values_list("action", "user__username"))
    assert steps == [
        ("create", "tokyo_manager"),
        ("submit", "tokyo_manager"),
        ("schedule", "kanto_officer"),
        ("interview", "kanto_officer"),
        ("revise", "tokyo_manager"),
        ("confirm", "kanto_officer"),
    ]
    assert [v.snapshot["targets"]["consultations"] for v in draft.versions.all()] == [500, 600, 600]


@pytest.mark.parametrize(
    "step,who",
    [
        (lambda p, u: workflow.submit_plan(p, user=u), "kanto_officer"),
        (lambda p, u: workflow.submit_plan(p, user=u), "tokyo_coordinator"),
        (lambda p, u: workflow.submit_plan(p, user=u), "osaka_manager"),
        (
            lambda p, u: workflow.schedule_interview(p, user=u, scheduled_for=when()),
            "kanto_officer",
        ),  # not submitted yet
        (lambda p, u: workflow.confirm_plan(p, user=u), "kanto_officer"),
        (lambda p, u: workflow.confirm_plan(p, user=u), "kinki_officer"),
    ],
)
def test_an_illegal_step_is_refused_with_a_message_and_changes_nothing(personas, draft, step, who):
    with pytest.raises(StepRefused) as error:
        step(draft, personas[who])
    assert str(error.value)
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT
    assert not PlanVersion.objects.exists()


def test_a_plan_with_requested_changes_cannot_be_confirmed_before_the_revision(personas, draft):
    manager, officer = personas["tokyo_manager"], personas["kanto_officer"]
    workflow.submit_plan(draft, user=manager)
    workflow.schedule_interview(draft, user=officer, scheduled_for=when())
    workflow.record_interview(
        draft,
        user=officer,
        held_on=datetime.date(2025, 4, 20),
        minutes="議事",
        changes_requested="修正",
    )
    with pytest.raises(StepRefused, match="revise"):
        workflow.confirm_plan(draft, user=officer)


def test_a_confirmed_plan_is_frozen_and_a_change_request_keeps_both_versions(personas, tokyo):
    plan = make_plan(tokyo, 2025, change_request=False)
    manager, officer = personas["tokyo_manager"], personas["kanto_officer"]
    snapshot = workflow.snapshot(plan)
    with pytest.raises(StepRefused, match="frozen"):
        workflow.save_content(
            plan, user=manager, **{**snapshot, "targets": {**snapshot["targets"], "visitors": 1}}
        )

    change = workflow.request_change(
        plan,
        user=manager,
        reason="人員増",
        sections=snapshot["sections"],
        targets={**snapshot["targets"], "visitors": 55},
        priorities=snapshot["priorities"],
    )
    plan.refresh_from_db()
    assert plan.target_for("visitors") == 40  # unchanged until the bureau decides
    workflow.decide_change(change, user=officer, approve=True)

    plan.refresh_from_db()
    versions = list(plan.versions.order_by("number"))
    assert plan.target_for("visitors") == 55 and plan.version == versions[-1].number
    assert (
        versions[-2].snapshot["targets"]["visitors"] == 40
        and versions[-1].snapshot["targets"]["visitors"] == 55
    )
    rows = workflow.compare(versions[-2].snapshot, versions[-1].snapshot)
    assert [(str(item), before, after) for item, before, after in rows] == [
        ("Visiting clients", 40, 55)
    ]
    with pytest.raises(StepRefused, match="already been decided"):
        workflow.decide_change(change, user=officer, approve=False)


def test_only_the_bureau_decides_a_change_request(personas, tokyo):
    plan = make_plan(tokyo, 2025)
    change = plan.change_requests.get()
    for who in ("tokyo_manager", "kinki_officer", "admin"):
        with pytest.raises(StepRefused):
            workflow.decide_change(change, user=personas[who], approve=True)


def test_the_edit_page_of_a_confirmed_plan_refuses_and_points_to_a_change_request(
    client_for, tokyo
):
    plan = make_plan(tokyo, 2025, change_request=False)
    client = client_for("tokyo_manager")
    data = {f"target_{code}": 1 for code in CONTENT["targets"]}
    data.update(
        {
            "priority_0_field": plan.priorities.get().priority_field_id,
            "priority_0_metric": "sessions",
            "priority_0_target": 3,
        }
    )
    response = client.post(reverse("planning:plan_edit", args=[plan.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()  # "frozen: submit a change request instead"
    assert BusinessPlan.objects.get(pk=plan.pk).target_for("consultations") == 100


def test_the_plan_form_proposes_last_years_results(client_for, personas, tokyo, year):
    from conftest import make_client, make_session

    c = make_client(tokyo)
    for day in (1, 2, 3):
        make_session(c, datetime.date(2024, 6, day))
    plan = workflow.create_plan(center=tokyo, fiscal_year=year, user=personas["tokyo_manager"])
    assert plan.target_for("consultations") == 3 and plan.target_for("visitors") == 1
    page = (
        client_for("tokyo_manager")
        .get(reverse("planning:plan_edit", args=[plan.pk]))
        .content.decode()
    )
    assert 'value="3"' in page


def test_priority_fields_must_number_one_to_five(personas, tokyo, year):
    plan = workflow.create_plan(center=tokyo, fiscal_year=year, user=personas["tokyo_manager"])
    with pytest.raises(StepRefused, match="one to five"):
        workflow.save_content(plan, user=personas["tokyo_manager"], **CONTENT, priorities=[])
