"""Evaluation governance: the bureaus review each center's result, the advisory board reviews
the evaluation before the Agency signs it off (or the Agency waives that review with a reason),
and the hearing is held by named accounts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import UserRole
from conftest import agree_all, make_user
from core.home import inbox
from core.workflow import StepRefused
from evaluation import workflow
from evaluation.models import (
    BoardComment,
    ChecklistTemplate,
    EvaluationEvent,
    Hearing,
    HearingScore,
    RecheckInput,
    RunStatus,
)
from notifications.models import Notification
from organizations.models import Assignment, Center, Person, Role
from planning.models import FiscalYear

FY = 2025


def board_member(username, *, ended=False):
    """An advisory-board member's account: an HQ staff record with a board assignment."""
    person = Person.objects.create(staff_code=f"AB-{username}", name=f"{username} 委員")
    Assignment.objects.create(
        person=person,
        role=Role.ADVISORY_BOARD,
        start_date=datetime.date(2020, 4, 1),
        end_date=datetime.date(2024, 3, 31) if ended else None,
    )
    user = make_user(username, UserRole.BOARD_MEMBER)
    user.person = person
    user.save()
    return user


@pytest.fixture
def run(personas):
    year, _created = FiscalYear.objects.get_or_create(year=FY)
    return workflow.run_evaluation(year, user=personas["admin"], override="試験")


def kinds(user):
    return {group.kind.name for group in inbox(user)}


def test_the_sign_off_is_refused_until_the_board_has_reviewed(personas, run, board, client):
    admin = personas["admin"]
    agree_all(run, user=admin)
    with translation.override("en"), pytest.raises(StepRefused, match="advisory board"):
        workflow.finalise(run, user=admin)

    workflow.complete_board_review(run, user=board, comment="評価の根拠は妥当")
    client.force_login(admin)
    assert "評価の根拠は妥当" in client.get(run.get_absolute_url()).content.decode()
    workflow.finalise(run, user=admin)

    run.refresh_from_db()
    assert run.status == RunStatus.FINALISED
    assert (run.board_reviewed_by, run.finalised_by) == (board, admin)
    steps = list(run.events.filter(refused=False).values_list("action", flat=True))
    # The board's review sits between the bureaus' reviews and the sign-off.
    assert steps.index("board_review") > max(i for i, s in enumerate(steps) if s == "review")
    assert steps.index("board_review") < steps.index("finalise")


def test_the_board_reviews_only_after_every_bureau_agreed_and_finds_it_in_its_inbox(
    personas, run, board, tokyo
):
    admin, officer = personas["admin"], personas["kanto_officer"]
    assert "evaluation.board_review" not in kinds(board)
    with translation.override("en"), pytest.raises(StepRefused, match="not yet reviewed"):
        workflow.complete_board_review(run, user=board)

    assert "evaluation.results_to_review" in kinds(officer)
    for result in run.results.filter(center__prefecture__bureau__code="kanto"):
        workflow.review_result(result, user=officer, agree=True)
    assert "evaluation.results_to_review" not in kinds(officer)
    assert "evaluation.board_review" not in kinds(board)  # other bureaus still to review

    agree_all(run, user=admin)
    assert "evaluation.board_review" in kinds(board)
    workflow.complete_board_review(run, user=board)
    assert "evaluation.board_review" not in kinds(board)
    # The Agency is told the board has reviewed.
    assert Notification.objects.filter(user=admin, step="board_review").exists()


def test_the_agency_waives_the_board_review_only_with_a_reason(personas, run, board):
    admin = personas["admin"]
    agree_all(run, user=admin)
    with pytest.raises(StepRefused):
        workflow.waive_board_review(run, user=admin, reason="  ")
    with pytest.raises(StepRefused):
        workflow.waive_board_review(run, user=board, reason="委員の都合")

    workflow.waive_board_review(run, user=admin, reason="委員全員が海外出張のため")
    workflow.finalise(run, user=admin)

    run.refresh_from_db()
    assert run.board_waiver_reason == "委員全員が海外出張のため" and run.board_waived_by == admin
    event = run.events.get(action="waive_board_review")
    assert event.note == "委員全員が海外出張のため"
    assert Notification.objects.filter(user=board, step="waive_board_review").exists()


def test_only_a_sitting_board_member_takes_the_boards_steps(personas, run):
    agree_all(run, user=personas["admin"])
    former = board_member("former", ended=True)
    result = run.results.first()
    for user in (former, personas["committee"], personas["kanto_officer"], personas["hq"]):
        with pytest.raises(StepRefused):
            workflow.complete_board_review(run, user=user)
        with pytest.raises(StepRefused):
            workflow.comment_as_board(result, user=user, text="意見")
    assert not BoardComment.objects.exists()


def test_the_boards_comments_per_center_are_shown_to_the_agency(
    personas, run, board, client, tokyo
):
    result = run.results.get(center=tokyo)
    client.force_login(board)
    url = reverse("evaluation:result_board_comment", args=[result.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"text": "重点分野の実績の伸びを評価したい"})
    assert BoardComment.objects.get().center == tokyo

    client.force_login(personas["admin"])
    page = client.get(run.get_absolute_url()).content.decode()
    assert "重点分野の実績の伸びを評価したい" in page
    assert (
        "重点分野の実績の伸びを評価したい" in client.get(result.get_absolute_url()).content.decode()
    )
    # The center does not read the board's words on its draft (nor the draft itself).
    client.force_login(personas["tokyo_manager"])
    assert client.get(result.get_absolute_url()).status_code == 404


def test_a_bureau_reviews_each_of_its_centers_and_the_agency_sees_which(
    personas, run, client, tokyo, osaka
):
    officer, admin = personas["kanto_officer"], personas["admin"]
    kanagawa = Center.objects.get(code="14")
    client.force_login(officer)
    agree = reverse("evaluation:result_review", args=[run.results.get(center=tokyo).pk])
    assert client.post(agree, {"verdict": "agree", "comment": "実績と整合"}).status_code == 302

    recheck = reverse("evaluation:result_review", args=[run.results.get(center=kanagawa).pk])
    page = client.post(recheck, {"verdict": "recheck", "recheck_input": "hearing"})
    assert page.status_code == 200  # the comment is missing: said on the form, nothing saved
    assert run.results.get(center=kanagawa).recheck_requested_at is None
    client.post(
        recheck,
        {"verdict": "recheck", "recheck_input": "hearing", "comment": "ヒアリング点の転記誤り"},
    )
    # Another bureau's center is not found.
    other = reverse("evaluation:result_review", args=[run.results.get(center=osaka).pk])
    assert client.post(other, {"verdict": "agree"}).status_code == 404

    tokyo_result, kanagawa_result = (
        run.results.get(center=tokyo),
        run.results.get(center=kanagawa),
    )
    assert tokyo_result.reviewed_by == officer and tokyo_result.review_comment == "実績と整合"
    assert kanagawa_result.reviewed_at is None
    assert kanagawa_result.recheck_input == RecheckInput.HEARING
    assert run.results.get(center=osaka).review_state == "pending"

    client.force_login(admin)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "ヒアリング点の転記誤り" in page and "実績と整合" in page
    assert "evaluation.results_to_recheck" in kinds(admin)
    for result in run.results.exclude(center=kanagawa):
        workflow.review_result(result, user=admin, agree=True)
    with translation.override("en"), pytest.raises(StepRefused, match="1 centers.*神奈川"):
        workflow.finalise(run, user=admin)


def test_computing_again_keeps_the_agreement_of_unchanged_results_only(personas, run, board, tokyo):
    admin = personas["admin"]
    agree_all(run, user=admin)
    workflow.complete_board_review(run, user=board)
    # The input the bureau asked about is corrected: Tokyo's hearing is scored.
    template = ChecklistTemplate.objects.get()
    hearing = Hearing.objects.create(
        center=tokyo,
        fiscal_year=run.fiscal_year,
        template=template,
        held_on=datetime.date(2026, 2, 1),
    )
    HearingScore.objects.bulk_create(
        HearingScore(hearing=hearing, item=item, score=3) for item in template.items.all()
    )
    run = workflow.run_evaluation(run.fiscal_year, user=admin)

    assert run.results.get(center=tokyo).reviewed_at is None
    assert run.results.filter(reviewed_at__isnull=True).count() == 1
    run.refresh_from_db()
    assert run.board_reviewed_at is None  # the board reviews the numbers it has not seen


def test_hearing_evaluators_are_the_bureau_officer_and_the_hq_expert(personas, client, tokyo):
    hq, kanto, kinki = personas["hq"], personas["kanto_officer"], personas["kinki_officer"]
    expert = personas["tokyo_expert"]
    year, _created = FiscalYear.objects.get_or_create(year=FY)
    client.force_login(hq)
    data = {
        "center": tokyo.pk,
        "fiscal_year": year.pk,
        "template": ChecklistTemplate.objects.get().pk,
        "held_on": "2026-02-10",
        "bureau_evaluator": kinki.pk,
        "hq_evaluator": expert.pk,
    }
    page = client.post(reverse("evaluation:hearing_create"), data)
    assert page.status_code == 200 and not Hearing.objects.exists()  # not Tokyo's bureau
    data["bureau_evaluator"] = kanto.pk
    data["hq_evaluator"] = personas["tokyo_manager"].pk  # a center account is not HQ
    client.post(reverse("evaluation:hearing_create"), data)
    assert not Hearing.objects.exists()
    data["hq_evaluator"] = expert.pk
    client.post(reverse("evaluation:hearing_create"), data)
    hearing = Hearing.objects.get()
    assert (hearing.bureau_evaluator, hearing.hq_evaluator) == (kanto, expert)


def test_a_refused_review_of_a_final_evaluation_is_recorded(personas, run, board, tokyo):
    admin = personas["admin"]
    agree_all(run, user=admin)
    workflow.complete_board_review(run, user=board)
    workflow.finalise(run, user=admin)
    with pytest.raises(StepRefused):
        workflow.comment_as_board(run.results.get(center=tokyo), user=board, text="追記")
    assert EvaluationEvent.objects.filter(run=run, action="board_comment", refused=True).exists()


def test_a_board_members_account_belongs_to_an_hq_staff_record(db):
    from django.core.exceptions import ValidationError

    from accounts.models import User

    account = User(username="new-board", role=UserRole.BOARD_MEMBER)
    with pytest.raises(ValidationError) as refused:
        account.full_clean(exclude=["password"])
    assert "person" in refused.value.message_dict


def test_the_board_completes_its_review_on_the_evaluation_page(personas, run, board, client):
    action = reverse("evaluation:run_action", args=[run.pk, "board_review"])
    client.force_login(board)
    assert action not in client.get(run.get_absolute_url()).content.decode()  # bureaus first
    agree_all(run, user=personas["admin"])
    assert action in client.get(run.get_absolute_url()).content.decode()
    client.post(action, {"comment": "重点指導の対象選定は妥当"})
    run.refresh_from_db()
    assert run.board_reviewed_by == board
    assert run.events.get(action="board_review").note == "重点指導の対象選定は妥当"
    assert action not in client.get(run.get_absolute_url()).content.decode()
