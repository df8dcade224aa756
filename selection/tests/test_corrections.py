"""Corrections and the record of terms: a corrected decision keeps every version and the
term follows it; every chief coordinator's term is listed, the roster's too; the results
during a term count only its days; the advisory board's seats are its members' records."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_client, make_plan, make_session
from core.imports import run_import
from core.tabular import read_table
from core.workflow import StepRefused
from organizations.models import Assignment, Role
from organizations.roster import HEADERS
from selection import workflow
from selection.models import Decision, DecisionVersion, MemberSource, RoundStatus, Term
from selection.terms import backfill_roster_terms, term_results
from selection.tests.factories import (
    TERM_END,
    TERM_START,
    board_user,
    committee_user,
    make_round,
)

LATER_END = datetime.date(2029, 3, 31)


def chief_terms(center):
    return Term.objects.filter(center=center, role=Role.CHIEF_COORDINATOR).order_by("start_date")


def test_a_corrected_end_keeps_both_versions_and_the_term_and_staff_record_follow(personas, tokyo):
    round_ = make_round(tokyo)
    officer = personas["kanto_officer"]
    nominee = round_.nominee
    workflow.correct_decision(
        round_,
        user=officer,
        nominee=nominee,
        term_end=LATER_END,
        reason=round_.decision_reason,
        correction_reason="任期を2年とする旨の決裁漏れ",
    )

    versions = list(DecisionVersion.objects.filter(round=round_).order_by("version"))
    assert [(v.version, v.term_end) for v in versions] == [(1, TERM_END), (2, LATER_END)]
    assert versions[1].correction_reason == "任期を2年とする旨の決裁漏れ"
    term = Term.objects.get(selection_round=round_)
    assert (term.person, term.end_date) == (nominee.person, LATER_END)
    assert term.assignment.end_date == LATER_END
    round_.refresh_from_db()
    assert (round_.status, round_.term_end) == (RoundStatus.DECIDED, LATER_END)
    assert round_.events.filter(action="correct_decision").get().user == officer


def test_a_corrected_nominee_takes_the_term_and_the_first_is_kept_as_version_one(
    personas, tokyo, client_for
):
    round_ = make_round(tokyo, nominate=0)
    first, second = round_.candidates.order_by("id")[:2]
    client = client_for("kanto_officer")
    url = reverse("selection:round_correct", args=[round_.pk])
    form = {
        "decision": Decision.NOMINATE,
        "nominee": second.pk,
        "term_end": TERM_END.isoformat(),
        "reason": "再審議の結果、二郎氏を推薦",
        "staff_code": "CC-2NDX",
        "correction_reason": "",
    }
    page = client.post(url, form)
    assert page.status_code == 200  # no reason for the correction: nothing changed
    assert DecisionVersion.objects.filter(round=round_).count() == 1
    client.post(url, {**form, "correction_reason": "一郎氏が就任を辞退"})

    first.refresh_from_db()
    second.refresh_from_db()
    versions = DecisionVersion.objects.filter(round=round_).order_by("version")
    assert [v.nominee for v in versions] == [first, second]
    [term] = Term.objects.filter(selection_round=round_)
    assert term.person == second.person and term.end_date == TERM_END
    # The first nominee no longer holds the office from the term's start.
    assert not Assignment.objects.filter(
        person=first.person, role=Role.CHIEF_COORDINATOR, start_date__gte=TERM_START
    ).exists()
    page = client.get(round_.get_absolute_url()).content.decode()
    assert 'data-testid="decision-versions"' in page and "一郎氏が就任を辞退" in page


def test_only_the_rounds_bureau_corrects_and_never_without_a_change(personas, tokyo):
    round_ = make_round(tokyo)
    for user in (personas["kinki_officer"], personas["admin"], personas["tokyo_manager"]):
        with pytest.raises(StepRefused):
            workflow.correct_decision(
                round_,
                user=user,
                nominee=None,
                term_end=TERM_END,
                reason="取り消し",
                correction_reason="誤り",
            )
    with translation.override("en"), pytest.raises(StepRefused, match="changes nothing"):
        workflow.correct_decision(
            round_,
            user=personas["kanto_officer"],
            nominee=round_.nominee,
            term_end=TERM_END,
            reason=round_.decision_reason,
            correction_reason="誤り",
        )
    assert DecisionVersion.objects.filter(round=round_).count() == 1


def test_the_terms_list_shows_the_chief_coordinators_from_the_roster(personas, client_for, tokyo):
    rows = [
        list(HEADERS.values()),
        ["R-0001", "名簿 太郎", "メイボ タロウ", "東京都", "CC", "2022-04-01", "", "", ""],
    ]
    csv = ("\r\n".join(",".join(r) for r in rows) + "\r\n").encode()
    result = run_import("roster", read_table(csv, "roster.csv"), user=personas["admin"])
    assert result.created == 1
    term = Term.objects.get(person__staff_code="R-0001")
    assert (term.start_date, term.end_date, term.from_roster) == (
        datetime.date(2022, 4, 1),
        None,
        True,
    )

    page = client_for("kanto_officer").get(reverse("selection:term_list")).content.decode()
    assert "名簿 太郎" in page and 'data-testid="roster-term"' in page

    # A nomination after it closes the roster's term the day before the new term.
    make_round(tokyo)
    term.refresh_from_db()
    assert term.end_date == TERM_START - datetime.timedelta(days=1)
    assert [t.person.name for t in chief_terms(tokyo)][0] == "名簿 太郎"


def test_assignments_written_before_the_system_get_their_terms(personas, tokyo):
    from conftest import make_person

    make_person(tokyo, Role.CHIEF_COORDINATOR, start=datetime.date(2021, 4, 1))
    assert backfill_roster_terms() == 1 and backfill_roster_terms() == 0
    assert chief_terms(tokyo).get().from_roster


def test_results_during_a_term_count_only_its_days_of_each_fiscal_year(personas, tokyo):
    make_plan(
        tokyo,
        2025,
        change_request=False,
        targets={"consultations": 10, "visitors": 4, "cases_solved": 2, "network_activities": 2},
    )
    client = make_client(tokyo)
    make_session(client, datetime.date(2025, 6, 1))  # before the term
    make_session(client, datetime.date(2025, 11, 4))
    make_session(client, datetime.date(2026, 2, 2))

    [year] = term_results(tokyo, datetime.date(2025, 10, 1), datetime.date(2026, 3, 31))

    consultations = next(i for i in year.items if i.code == "consultations")
    # 182 of the year's 365 days: targets pro rata; the June session is outside the term.
    assert round(year.share_of_year, 4) == round(182 / 365, 4) and year.partial
    assert (consultations.actual, consultations.target) == (2, round(10 * 182 / 365))
    whole = term_results(tokyo, datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))[0]
    assert next(i for i in whole.items if i.code == "consultations").actual == 3


def test_an_advisory_board_seat_is_a_sitting_board_members_staff_record(personas, tokyo):
    round_ = make_round(tokyo, members=1, until=RoundStatus.SETUP)
    officer = personas["kanto_officer"]
    seat = round_.members.get()
    assert seat.person == seat.user.person and seat.person.on_advisory_board()
    assert str(seat) == seat.person.name  # the record's name, not one typed in

    with pytest.raises(StepRefused):  # not on the board
        workflow.add_member(
            round_, user=officer, member=committee_user(), source=MemberSource.ADVISORY_BOARD
        )
    member = board_user()
    Assignment.objects.filter(person=member.person).update(end_date=datetime.date(2024, 3, 31))
    with pytest.raises(StepRefused):  # no longer on the board
        workflow.add_member(round_, user=officer, member=member, source=MemberSource.ADVISORY_BOARD)
    with pytest.raises(StepRefused):  # a board member takes a board seat
        workflow.add_member(round_, user=officer, member=board_user(), source=MemberSource.BUREAU)
    picked = workflow.add_member(
        round_,
        user=officer,
        member=committee_user(),
        source=MemberSource.BUREAU,
        affiliation="横浜商工会議所",
    )
    assert picked.person is None and picked.affiliation == "横浜商工会議所"
