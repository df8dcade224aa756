"""Selection rounds: who takes each step, what is refused, what a nomination writes."""

import datetime

import pytest
from django.utils import translation

from conftest import make_person
from core.workflow import StepRefused
from organizations.models import Assignment, Person, Role
from selection import workflow
from selection.models import (
    Decision,
    MemberSource,
    RoundKind,
    RoundStatus,
    Term,
)
from selection.terms import term_results
from selection.tests.factories import (
    TERM_END,
    TERM_START,
    committee_user,
    make_round,
)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def sitting_chief(tokyo):
    return make_person(tokyo, Role.CHIEF_COORDINATOR, start=datetime.date(2023, 4, 1))


def test_a_new_round_starts_with_the_four_default_criteria(personas, tokyo):
    round_ = workflow.create_round(
        center=tokyo,
        kind=RoundKind.NEW,
        term_start=TERM_START,
        term_end=TERM_END,
        user=personas["kanto_officer"],
    )

    assert [c.name for c in round_.criteria.all()] == [
        "相談対応の実績",
        "チームを率いる力",
        "地域の事業者に関する知見",
        "拠点運営のビジョン",
    ]
    assert round_.status == RoundStatus.SETUP
    assert round_.history.first().history_user == personas["kanto_officer"]


def test_only_the_centers_own_bureau_runs_its_selection(personas, tokyo):
    for outsider in ("kinki_officer", "tokyo_manager", "admin", "committee"):
        with pytest.raises(StepRefused):
            workflow.create_round(
                center=tokyo,
                kind=RoundKind.NEW,
                term_start=TERM_START,
                term_end=TERM_END,
                user=personas[outsider],
            )
    round_ = make_round(tokyo, until=RoundStatus.CLOSED)
    with pytest.raises(StepRefused, match="outside your scope"):
        workflow.decide(round_, user=personas["kinki_officer"], nominee=None, reason="x")


def test_a_term_ends_on_the_31_march_closing_a_fiscal_year(personas, tokyo):
    with pytest.raises(StepRefused, match="31 March"):
        workflow.create_round(
            center=tokyo,
            kind=RoundKind.NEW,
            term_start=TERM_START,
            term_end=datetime.date(2028, 4, 30),
            user=personas["kanto_officer"],
        )


def test_a_renewal_needs_a_sitting_chief_and_starts_with_them_as_candidate(
    personas, tokyo, sitting_chief
):
    osaka_round = None
    with pytest.raises(StepRefused, match="no chief coordinator"):
        from organizations.models import Center

        osaka_round = workflow.create_round(
            center=Center.objects.get(code="14"),
            kind=RoundKind.RENEWAL,
            term_start=TERM_START,
            term_end=TERM_END,
            user=personas["kanto_officer"],
        )
    assert osaka_round is None

    round_ = workflow.create_round(
        center=tokyo,
        kind=RoundKind.RENEWAL,
        term_start=TERM_START,
        term_end=TERM_END,
        user=personas["kanto_officer"],
    )

    candidate = round_.candidates.get()
    assert candidate.person == sitting_chief and candidate.is_sitting_chief
    assert round_.current_assignment.person == sitting_chief


def test_scoring_needs_an_advisory_board_member_a_candidate_and_criteria(personas, tokyo):
    officer = personas["kanto_officer"]
    round_ = workflow.create_round(
        center=tokyo, kind=RoundKind.NEW, term_start=TERM_START, term_end=TERM_END, user=officer
    )
    workflow.add_member(round_, user=officer, member=committee_user(), source=MemberSource.BUREAU)

    with pytest.raises(StepRefused) as refused:
        workflow.start_scoring(round_, user=officer)

    assert "advisory board" in str(refused.value) and "candidate" in str(refused.value)
    assert round_.members.get().sheets.count() == 0


def test_only_committee_accounts_sit_on_a_committee(personas, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SETUP)

    with pytest.raises(StepRefused, match="review-committee account"):
        workflow.add_member(
            round_,
            user=personas["kanto_officer"],
            member=personas["tokyo_manager"],
            source=MemberSource.BUREAU,
        )


def test_the_setup_freezes_when_scoring_starts(personas, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SCORING)
    officer = personas["kanto_officer"]
    candidate = round_.candidates.first()

    for step in (
        lambda: workflow.save_candidate(round_, user=officer, candidate=candidate, name="別人"),
        lambda: workflow.remove_candidate(candidate, user=officer),
        lambda: workflow.add_member(
            round_, user=officer, member=committee_user(), source=MemberSource.BUREAU
        ),
        lambda: workflow.save_criteria(
            round_, user=officer, rows=[{"id": None, "name": "新基準", "weight": 10}]
        ),
    ):
        with pytest.raises(StepRefused, match="Scoring has started"):
            step()
    candidate.refresh_from_db()
    assert candidate.name != "別人" and round_.criteria.count() == 4


def test_criteria_can_be_renamed_reweighted_swapped_and_deleted_during_setup(personas, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SETUP)
    first, second, third, fourth = round_.criteria.all()
    rows = [
        {"id": first.pk, "name": second.name, "weight": 40},
        {"id": second.pk, "name": first.name, "weight": 30},
        {"id": third.pk, "name": third.name, "weight": 30, "delete": True},
        {"id": fourth.pk, "name": fourth.name, "weight": 30},
        {"id": None, "name": "財務の知識", "description": "決算書を読める", "weight": 10},
    ]

    workflow.save_criteria(round_, user=personas["kanto_officer"], rows=rows)

    assert [(c.name, c.weight) for c in round_.criteria.all()] == [
        (second.name, 40),
        (first.name, 30),
        (fourth.name, 30),
        ("財務の知識", 10),
    ]


def test_criteria_problems_are_reported_together_and_nothing_is_saved(personas, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SETUP)
    rows = [{"id": None, "name": "同じ", "weight": 0}, {"id": None, "name": "同じ", "weight": 5}]

    with pytest.raises(StepRefused) as refused:
        workflow.save_criteria(round_, user=personas["kanto_officer"], rows=rows)

    assert "same name" in str(refused.value) and "1 to 100" in str(refused.value)
    assert round_.criteria.count() == 4


def test_a_member_declares_before_scoring_and_never_scores_a_conflict(tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SETUP)
    workflow.start_scoring(round_, user=round_.created_by)
    seat = round_.members.first()
    sheet = seat.sheets.first()
    scores = {c.pk: 4 for c in round_.criteria.all()}

    with pytest.raises(StepRefused, match="before scoring"):
        workflow.save_scores(sheet, user=seat.user, scores=scores)
    with pytest.raises(StepRefused, match="Describe"):
        workflow.declare_conflicts(
            seat,
            user=seat.user,
            declarations={s.candidate_id: (True, " ") for s in seat.sheets.all()},
        )
    workflow.declare_conflicts(
        seat,
        user=seat.user,
        declarations={
            s.candidate_id: (s.pk == sheet.pk, "親族" if s.pk == sheet.pk else "")
            for s in seat.sheets.all()
        },
    )
    with pytest.raises(StepRefused, match="conflict of interest"):
        workflow.save_scores(sheet, user=seat.user, scores=scores)
    assert sheet.entries.count() == 0


def test_a_member_scores_only_their_own_sheets_with_every_criterion_from_1_to_5(tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SETUP)
    workflow.start_scoring(round_, user=round_.created_by)
    mine, other = round_.members.order_by("id")[:2]
    workflow.declare_conflicts(
        mine, user=mine.user, declarations={c.pk: (False, "") for c in round_.candidates.all()}
    )
    criteria = list(round_.criteria.all())
    sheet = mine.sheets.first()

    with pytest.raises(StepRefused, match="Score every criterion"):
        workflow.save_scores(sheet, user=mine.user, scores={criteria[0].pk: 3})
    with pytest.raises(StepRefused, match="1 to 5"):
        workflow.save_scores(sheet, user=mine.user, scores={c.pk: 6 for c in criteria})
    with pytest.raises(StepRefused, match="own behalf"):
        workflow.save_scores(sheet, user=other.user, scores={c.pk: 3 for c in criteria})
    with pytest.raises(StepRefused, match="Score every criterion for"):
        workflow.submit_scores(mine, user=mine.user)
    assert sheet.entries.count() == 0 and mine.submitted_at is None


def test_submitted_scores_can_no_longer_change(tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SCORING)
    done = round_.members.filter(submitted_at__isnull=False).first()
    sheet = done.sheets.first()

    with pytest.raises(StepRefused, match="already submitted"):
        workflow.save_scores(sheet, user=done.user, scores={c.pk: 5 for c in round_.criteria.all()})
    assert set(sheet.entries.values_list("value", flat=True)) == {3}


def test_the_decision_waits_for_every_member_and_needs_a_reason(personas, tokyo):
    officer = personas["kanto_officer"]
    scoring_round = make_round(tokyo, until=RoundStatus.SCORING)
    with pytest.raises(StepRefused, match="every committee member"):
        workflow.decide(scoring_round, user=officer, nominee=None, reason="時期尚早")

    scoring_round.delete()
    closed = make_round(tokyo, until=RoundStatus.CLOSED)
    with pytest.raises(StepRefused, match="reason"):
        workflow.decide(closed, user=officer, nominee=closed.candidates.first(), reason=" ")
    assert not Assignment.objects.filter(center=tokyo).exists()


def test_a_nomination_creates_the_term_and_closes_the_previous_holders(
    personas, tokyo, sitting_chief
):
    round_ = make_round(tokyo, until=RoundStatus.CLOSED)
    nominee = round_.candidates.order_by("id").first()

    workflow.decide(
        round_,
        user=personas["kanto_officer"],
        nominee=nominee,
        reason="ビジョンの評価が高い",
        staff_code="CC-NEW",
    )

    round_.refresh_from_db()
    assert round_.status == RoundStatus.DECIDED and round_.decision == Decision.NOMINATE
    person = Person.objects.get(staff_code="CC-NEW")
    new = person.assignments.get()
    assert (new.center, new.role, new.start_date, new.end_date) == (
        tokyo,
        Role.CHIEF_COORDINATOR,
        TERM_START,
        TERM_END,
    )
    previous = sitting_chief.assignments.get()
    assert previous.end_date == TERM_START - datetime.timedelta(days=1)
    assert previous.history.first().history_user == personas["kanto_officer"]
    term = Term.objects.get()
    assert (term.person, term.assignment, term.selection_round) == (person, new, round_)
    assert term.history.first().history_user == personas["kanto_officer"]


def test_a_failed_nomination_writes_nothing(personas, tokyo, sitting_chief):
    round_ = make_round(tokyo, until=RoundStatus.CLOSED)
    make_person(tokyo, code="TAKEN")

    with pytest.raises(StepRefused, match="already in use"):
        workflow.decide(
            round_,
            user=personas["kanto_officer"],
            nominee=round_.candidates.first(),
            reason="理由",
            staff_code="TAKEN",
        )

    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED and round_.decision == ""
    assert sitting_chief.assignments.get().end_date is None
    assert not Term.objects.exists()


def test_nominating_no_one_leaves_the_staff_records_alone(personas, tokyo, sitting_chief):
    round_ = make_round(tokyo, until=RoundStatus.CLOSED)

    workflow.decide(round_, user=personas["kanto_officer"], nominee=None, reason="適任者なし")

    round_.refresh_from_db()
    assert round_.decision == Decision.NONE and round_.decision_reason == "適任者なし"
    assert sitting_chief.assignments.get().end_date is None
    assert not Term.objects.exists()
    assert [e.action for e in round_.events.all()][-1] == "decide"


def test_a_renewal_extends_the_sitting_chiefs_assignment(personas, tokyo, sitting_chief):
    round_ = make_round(tokyo, kind=RoundKind.RENEWAL)

    assignment = sitting_chief.assignments.get()
    assert (assignment.start_date, assignment.end_date) == (datetime.date(2023, 4, 1), TERM_END)
    term = Term.objects.get()
    assert term.assignment == assignment and term.start_date == TERM_START
    assert round_.nominee.person == sitting_chief


def test_renewing_again_points_the_new_term_at_the_one_it_renews(personas, tokyo, sitting_chief):
    make_round(tokyo, kind=RoundKind.RENEWAL)
    first = Term.objects.get()
    officer = personas["kanto_officer"]
    again = workflow.create_round(
        center=tokyo,
        kind=RoundKind.RENEWAL,
        term_start=datetime.date(2028, 4, 1),
        term_end=datetime.date(2030, 3, 31),
        user=officer,
    )
    # The sitting chief today is the same person; the term being renewed is theirs.
    assert again.current_assignment == first.assignment


def test_the_renewal_shows_the_centers_results_during_the_current_term(tokyo, sitting_chief):
    from conftest import make_client, make_plan, make_session

    make_plan(
        tokyo,
        2025,
        change_request=False,
        targets={
            "consultations": 4,
            "visitors": 2,
            "cases_solved": 1,
            "network_activities": 1,
        },
    )
    client = make_client(tokyo)
    for day in (datetime.date(2025, 5, 1), datetime.date(2025, 6, 1)):
        make_session(client, day)

    years = term_results(tokyo, datetime.date(2023, 4, 1), datetime.date(2026, 3, 31))

    assert [y.fiscal_year for y in years] == [2023, 2024, 2025]
    fy2025 = {i.code: i for i in years[-1].items}
    assert (fy2025["consultations"].target, fy2025["consultations"].actual) == (4, 2)
    assert fy2025["consultations"].rate == 0.5
    assert years[0].items[0].target is None  # no plan that year: figures only


def test_term_results_show_the_grade_of_the_finalised_evaluation(personas, tokyo):
    from conftest import make_evaluation

    finished = make_evaluation(tokyo, 2025)
    years = term_results(tokyo, datetime.date(2024, 4, 1), datetime.date(2026, 3, 31))
    assert [(y.fiscal_year, y.grade) for y in years] == [
        (2024, None),
        (2025, finished["result"].grade),
    ]


def test_a_member_who_has_not_submitted_can_withdraw_and_the_round_then_closes(personas, tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SCORING)
    officer = personas["kanto_officer"]
    done = round_.members.filter(submitted_at__isnull=False).first()
    waiting = round_.members.get(submitted_at__isnull=True)

    with pytest.raises(StepRefused, match="stays on the committee"):
        workflow.remove_member(done, user=officer)
    workflow.remove_member(waiting, user=officer)

    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    assert [e.action for e in round_.events.all()][-2:] == ["withdraw", "close"]
    assert round_.members.count() == 2
