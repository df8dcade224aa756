"""The step mechanism, walked through its registry.

Every workflow declares its states and steps; every step is taken here by every persona
(each role, inside and outside Tokyo's scope) on a Tokyo record standing in one of the
step's from-states: it is allowed exactly when the persona's role is one the step
declares and the record is in the persona's scope, and a refusal is always
``StepRefused`` (any other exception fails). A new workflow without an example record
below fails ``test_every_workflow_has_an_example``.
"""

import datetime
import pathlib
import re

import pytest
from django.db import transaction
from django.utils import translation

from conftest import (
    OUTSIDERS_OF_TOKYO,
    make_campaign,
    make_case_study,
    make_evaluation,
    make_person,
    make_plan,
    make_support_request,
    make_training,
    make_visit,
)
from core.scoping import role_of
from core.workflow import StepRefused, registry, step_taken

ROOT = pathlib.Path(__file__).resolve().parents[2]

WORKFLOWS = {
    "planning.plan",
    "planning.change_request",
    "evaluation.run",
    "evaluation.budget",
    "evaluation.guidance",
    "evaluation.guidance_action",
    "support.escalation",
    "support.follow_up",
    "support.request",
    "support.training_registration",
    "support.meeting",
    "surveys.campaign",
    "selection.round",
    "selection.seat",
    "selection.appointment",
    "casestudies.case_study",
}


def test_every_workflow_declares_its_states_and_steps():
    assert set(registry) == WORKFLOWS
    for name, workflow in registry.items():
        states = set(workflow.state_values())
        assert states and workflow.steps, name
        for step in workflow.steps:
            assert step.label and step.roles, f"{name}.{step.name}"
            assert set(step.sources) <= states, f"{name}.{step.name}"
            targets = step.target if isinstance(step.target, frozenset) else {step.target}
            assert targets - {None} <= states, f"{name}.{step.name}"
            assert step.notify is None or callable(step.notify), f"{name}.{step.name}"


# The exceptions that are not refusals of a step, and why they stay.
NOT_REFUSALS = {
    "core/workflow.py": "StepRefused",  # the one refusal
    "core/tabular.py": "TableError",  # a file that cannot be read as a table (input parsing)
    "surveys/answering.py": "LinkError",  # a public link's state (unknown, expired): no user
    "accounts/mfa.py": "Throttled",  # too many login attempts: a rate limit, not a step
    # The budget arithmetic's own error (pure, no Django); the workflow turns it into
    # StepRefused (evaluation.workflow._shared_out).
    "evaluation/budget.py": "AllocationError",
    # A background job's failure (core/jobs.py), reported on the job's page: not a step.
    "core/jobs.py": "JobFailed",
}


def test_no_app_defines_its_own_refusal_exception():
    found = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "var/")) or "/migrations/" in relative:
            continue
        if "/tests/" in relative or relative.startswith("tests_browser/"):
            continue
        for match in re.finditer(
            r"^class (\w+)\((?:\w+\.)?(?:Exception|\w*Error)\)", path.read_text(), re.M
        ):
            found[relative] = match.group(1)
    assert found == NOT_REFUSALS


# --- Example records, one per workflow, at Tokyo --------------------------------------


def _plan(personas, tokyo):
    return make_plan(tokyo, 2025, change_request=False)


def _change_request(personas, tokyo):
    return make_plan(tokyo, 2025).change_requests.get()


def _evaluation(key):
    def build(personas, tokyo):
        return make_evaluation(tokyo, 2025)[key]

    return build


def _registration(personas, tokyo):
    from support.models import TrainingRegistration

    event = make_training(start=datetime.date.today() + datetime.timedelta(days=30))
    return TrainingRegistration.objects.create(event=event, person=make_person(tokyo))


def _meeting():
    from support.models import ExpertsMeeting

    return ExpertsMeeting.objects.create(
        title="第3回 全国本部専門家会議",
        held_on=datetime.date(2025, 10, 20),
        period_start=datetime.date(2025, 7, 1),
        period_end=datetime.date(2025, 9, 30),
        report_to_agency="訪問12件、重点介入2拠点",
    )


def _round(personas, tokyo):
    from selection.tests.factories import make_round

    return make_round(tokyo, members=[personas["committee"]], until="scoring")


def _seat(personas, tokyo):
    return _round(personas, tokyo).members.get(user=personas["committee"])


def _appointment(personas, tokyo):
    from selection import appointments

    return appointments.propose(
        center=tokyo,
        user=personas["tokyo_manager"],
        name="新任 花子",
        staff_code="WF-1",
        reason="経営支援の経験",
        start_date=datetime.date(2027, 4, 1),
        end_date=datetime.date(2028, 3, 31),
    )


def _escalation(center):
    from support.visits import escalation_of

    return escalation_of(center)


EXAMPLES = {
    "planning.plan": _plan,
    "planning.change_request": _change_request,
    "evaluation.run": _evaluation("run"),
    "evaluation.budget": _evaluation("allocation"),
    "evaluation.guidance": _evaluation("guidance"),
    "evaluation.guidance_action": _evaluation("action"),
    "support.escalation": lambda personas, tokyo: _escalation(tokyo),
    "support.follow_up": lambda personas, tokyo: make_visit(
        tokyo, follow_ups=["記録の整備"]
    ).follow_ups.get(),
    "support.request": lambda personas, tokyo: make_support_request(
        tokyo, supporter=personas["supporter"]
    ),
    "support.training_registration": _registration,
    "support.meeting": lambda personas, tokyo: _meeting(),
    "surveys.campaign": lambda personas, tokyo: make_campaign(tokyo, launch=False),
    "selection.round": _round,
    "selection.seat": _seat,
    "selection.appointment": _appointment,
    "casestudies.case_study": lambda personas, tokyo: make_case_study(tokyo),
}

# Who, of the personas outside Tokyo, the example record is nevertheless given to (a
# run is the evaluation of every center: a national record everyone may read).
ASSIGNED = {
    "support.request": {"supporter"},
    "selection.round": {"committee"},
    "selection.seat": {"committee"},
    "evaluation.run": set(OUTSIDERS_OF_TOKYO),
}
# What else a state needs to be stored (the database checks it).
WITH_STATE = {("support.request", "closed"): {"outcome": "withdrawn"}}


def test_every_workflow_has_an_example():
    assert set(EXAMPLES) == set(registry)


def put_in_state(workflow, obj, state):
    """Stand the record in ``state`` (a derived state through the fields it is read from)."""
    model = type(obj)
    if workflow.state_field:
        extra = WITH_STATE.get((workflow.name, state), {})
        model.objects.filter(pk=obj.pk).update(**{workflow.state_field: state}, **extra)
    elif workflow.name == "evaluation.budget":
        decided = datetime.datetime.now(datetime.UTC) if state == "decided" else None
        model.objects.filter(pk=obj.pk).update(decided_at=decided)
    elif workflow.name == "support.meeting":
        reviewed = datetime.datetime.now(datetime.UTC) if state == "board_reviewed" else None
        model.objects.filter(pk=obj.pk).update(board_reviewed_at=reviewed)
    elif workflow.name == "selection.seat":
        from selection.models import RoundStatus, SelectionRound

        status = {"waiting": RoundStatus.SETUP, "over": RoundStatus.CLOSED}.get(
            state, RoundStatus.SCORING
        )
        SelectionRound.objects.filter(pk=obj.round_id).update(status=status)
        submitted = datetime.datetime.now(datetime.UTC) if state == "submitted" else None
        model.objects.filter(pk=obj.pk).update(submitted_at=submitted)
    else:
        raise AssertionError(f"{workflow.name}: say how its state is set")
    obj = model.objects.get(pk=obj.pk)
    assert workflow.current(obj) == state
    return obj


class Taken(Exception):
    """Raised inside the step's body: the step was allowed; everything rolls back."""


def outcome(workflow, obj, step, user) -> bool:
    """Take ``step`` as ``user`` up to its body: True if allowed, False if refused."""
    to = None
    if isinstance(step.target, frozenset):
        to = next(t for t in sorted(step.target) if t != workflow.current(obj))
    try:
        with transaction.atomic(), workflow.taking(obj, step.name, user=user, reason="理由", to=to):
            raise Taken
    except Taken:
        return True
    except StepRefused as refusal:
        assert refusal.message
        return False


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_each_step_is_taken_by_exactly_the_roles_it_declares_within_their_scope(
    name, personas, tokyo
):
    workflow = registry[name]
    obj = EXAMPLES[name](personas, tokyo)
    outsiders = set(OUTSIDERS_OF_TOKYO) - ASSIGNED.get(name, set())
    problems = []
    for step in workflow.steps:
        if not step.sources:  # a creation step: only the role can be checked
            for persona, user in personas.items():
                try:
                    workflow.check_role(step.name, user)
                    allowed = True
                except StepRefused:
                    allowed = False
                if allowed != (role_of(user) in step.roles):
                    problems.append(f"{step.name} (create) as {persona}: {allowed}")
            continue
        obj = put_in_state(workflow, obj, sorted(step.sources, key=str)[0])
        for persona, user in personas.items():
            in_scope = workflow.queryset(user).filter(pk=obj.pk).exists()
            expected = role_of(user) in step.roles and in_scope
            if persona in outsiders:
                assert not in_scope, f"{name}: {persona} reaches a Tokyo record"
            allowed = outcome(workflow, obj, step, user)
            if allowed != expected:
                problems.append(f"{step.name} as {persona}: {allowed}, declared {expected}")
        # Out of turn: from a state that is not a from-state, everyone is refused.
        others = [s for s in workflow.state_values() if s not in step.sources]
        if others:
            obj = put_in_state(workflow, obj, others[0])
            for persona, user in personas.items():
                if outcome(workflow, obj, step, user):
                    problems.append(f"{step.name} as {persona} from {others[0]}: allowed")
    assert not problems, problems


def test_a_step_records_its_event_and_sends_step_taken_inside_the_transaction(personas, tokyo):
    from planning.workflow import PLAN

    plan = make_plan(tokyo, 2025, confirmed=False, change_request=False)
    heard = []

    def listener(**kwargs):
        heard.append((kwargs["step"].name, transaction.get_connection().in_atomic_block, kwargs))

    step_taken.connect(listener)
    try:
        taken = PLAN.take(plan, "submit", user=personas["tokyo_manager"], reason="提出")
    finally:
        step_taken.disconnect(listener)
    event = plan.events.last()
    assert (event.action, event.from_status, event.to_status, event.user, event.note) == (
        "submit",
        "draft",
        "submitted",
        personas["tokyo_manager"],
        "提出",
    )
    [(step, inside, kwargs)] = heard
    assert step == "submit" and inside
    assert kwargs["event"] == taken.event == event and kwargs["obj"].pk == plan.pk
    assert {u.username for u in kwargs["step"].notify(kwargs["obj"])} == {"kanto_officer"}


def test_a_refused_step_changes_nothing_and_records_nothing(personas, tokyo):
    from planning.workflow import PLAN

    plan = put_in_state(PLAN, make_plan(tokyo, 2025, change_request=False), "draft")
    count = plan.events.count()
    with translation.override("en"), pytest.raises(StepRefused, match="outside your scope"):
        PLAN.take(plan, "submit", user=personas["osaka_manager"])
    plan.refresh_from_db()
    assert plan.status == "draft" and plan.events.count() == count


def test_the_shared_step_view_confirms_takes_and_redirects_htmx_too(client_for, tokyo):
    from django.urls import reverse

    from planning.workflow import PLAN

    # Confirmed by the real functions, stood back in "interview held" (no change asked).
    plan = put_in_state(PLAN, make_plan(tokyo, 2025, change_request=False), "interview_held")
    client = client_for("kanto_officer")
    url = reverse("planning:plan_action", args=[plan.pk, "confirm"])
    page = client.get(url).content.decode()
    assert 'data-testid="step-form"' in page and 'data-testid="step-refusal"' not in page
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == plan.get_absolute_url()
    plan.refresh_from_db()
    assert plan.status == "confirmed"
    # Once taken, the confirm page says why it cannot be taken again.
    assert 'data-testid="step-refusal"' in client.get(url).content.decode()
