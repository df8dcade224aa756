"""Selection rounds built through the real workflow functions, stopped at any step."""

import datetime
import itertools

from accounts.models import User, UserRole
from core.scoping import sits_on_board
from organizations.models import Assignment, Person, Role
from selection import workflow
from selection.models import MemberSource, RoundKind, RoundStatus

PASSWORD = "test-pass-9431"
_numbers = itertools.count(1)
TERM_START = datetime.date(2027, 4, 1)
TERM_END = datetime.date(2028, 3, 31)


def committee_user(username=None):
    return User.objects.create_user(
        username=username or f"member-{next(_numbers)}",
        password=PASSWORD,
        role=UserRole.COMMITTEE_MEMBER,
        last_name="委員",
        first_name=str(next(_numbers)),
    )


def seat_on_board(user):
    """Make ``user`` a sitting advisory-board member: an HQ staff record with a board
    assignment, and the board member's role."""
    number = next(_numbers)
    person = Person.objects.create(staff_code=f"AB{number:05d}", name=f"委員 {number}")
    Assignment.objects.create(
        person=person, role=Role.ADVISORY_BOARD, start_date=datetime.date(2020, 4, 1)
    )
    user.person, user.role = person, UserRole.BOARD_MEMBER
    user.save()
    return user


def board_user():
    return seat_on_board(committee_user())


def bureau_officer_for(center):
    bureau = center.prefecture.bureau
    return User.objects.filter(role=UserRole.BUREAU_OFFICER, bureau=bureau).first() or (
        User.objects.create_user(
            username=f"officer-{center.code}-{next(_numbers)}",
            password=PASSWORD,
            role=UserRole.BUREAU_OFFICER,
            bureau=bureau,
        )
    )


def make_round(
    center,
    *,
    members=3,
    candidates=("候補 一郎", "候補 二郎", "候補 三郎"),
    weights=None,
    kind=RoundKind.NEW,
    until=RoundStatus.DECIDED,
    scores=None,
    conflicts=(),
    comments=None,
    nominate=0,
):
    """A round at ``center`` taken through the workflow up to ``until``.

    ``members`` is a count or a list of committee users (the first sits for the
    advisory board). ``scores`` maps (member index, candidate index) to one value
    per criterion (default: 3s); ``conflicts`` lists the (member, candidate)
    pairs declared as conflicts. ``nominate`` is the candidate index to nominate
    (None: no one).
    """
    officer = bureau_officer_for(center)
    round_ = workflow.create_round(
        center=center, kind=kind, term_start=TERM_START, term_end=TERM_END, user=officer
    )
    if weights is not None:
        rows = [
            {"id": c.pk, "name": c.name, "weight": w, "description": ""}
            for c, w in zip(round_.criteria.all(), weights, strict=True)
        ]
        workflow.save_criteria(round_, user=officer, rows=rows)
    users = [committee_user() for _ in range(members)] if isinstance(members, int) else members
    if users and not sits_on_board(users[0]):
        seat_on_board(users[0])  # the first sits for the advisory board
    for index, user in enumerate(users):
        source = MemberSource.ADVISORY_BOARD if index == 0 else MemberSource.BUREAU
        workflow.add_member(round_, user=officer, member=user, source=source, affiliation="試験")
    if kind == RoundKind.NEW:
        for name in candidates:
            workflow.save_candidate(round_, user=officer, name=name, kana=name)
    if until == RoundStatus.SETUP:
        return round_
    workflow.start_scoring(round_, user=officer)
    seats = list(round_.members.order_by("id"))
    people = list(round_.candidates.order_by("id"))
    criteria = list(round_.criteria.order_by("order", "id"))
    scores, comments = scores or {}, comments or {}
    last = len(seats) if until != RoundStatus.SCORING else max(0, len(seats) - 1)
    for m, seat in enumerate(seats[:last]):
        workflow.declare_conflicts(
            seat,
            user=seat.user,
            declarations={
                c.pk: ((m, i) in conflicts, "元同僚" if (m, i) in conflicts else "")
                for i, c in enumerate(people)
            },
        )
        for i, candidate in enumerate(people):
            if (m, i) in conflicts:
                continue
            values = scores.get((m, i), [3] * len(criteria))
            workflow.save_scores(
                seat.sheets.get(candidate=candidate),
                user=seat.user,
                scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
                comment=comments.get((m, i), ""),
            )
        workflow.submit_scores(seat, user=seat.user)
    round_.refresh_from_db()
    if until in (RoundStatus.SCORING, RoundStatus.CLOSED):
        return round_
    nominee = people[nominate] if nominate is not None else None
    workflow.decide(
        round_,
        user=officer,
        nominee=nominee,
        reason="総合評価が最も高い",
        staff_code=f"CC{next(_numbers):05d}" if nominee and not nominee.person_id else "",
    )
    round_.refresh_from_db()
    return round_


def chief_of(center):
    return center.assignments.filter(role=Role.CHIEF_COORDINATOR).order_by("-start_date").first()
