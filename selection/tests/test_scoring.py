"""The weighted ranking, checked against a hand computation."""

from decimal import Decimal

import pytest
from django.utils import translation

from selection import scoring, workflow
from selection.models import RoundStatus
from selection.tests.factories import make_round

# Weights 40/30/20/10 (Σ = 100). Three members (A, B, C), three candidates (X, Y, Z).
WEIGHTS = [40, 30, 20, 10]
SCORES = {
    # X: A 370 → 3.70, B 330 → 3.30; C's 5s (500) are excluded by C's conflict.
    ("A", "X"): [4, 3, 5, 2],
    ("B", "X"): [3, 3, 4, 4],
    ("C", "X"): [5, 5, 5, 5],
    # Y: A 410 → 4.10, B 380 → 3.80, C 270 → 2.70.
    ("A", "Y"): [5, 4, 3, 3],
    ("B", "Y"): [4, 4, 4, 2],
    ("C", "Y"): [2, 3, 3, 4],
    # Z: A 300 → 3.00, B 230 → 2.30, C 400 → 4.00.
    ("A", "Z"): [3, 3, 3, 3],
    ("B", "Z"): [2, 2, 3, 3],
    ("C", "Z"): [4, 4, 4, 4],
}


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def scored(tokyo):
    """Everyone scores everyone; then C declares a conflict with X (their 5s stay on
    the sheet) and everyone submits."""
    round_ = make_round(tokyo, candidates=("X", "Y", "Z"), weights=WEIGHTS, until=RoundStatus.SETUP)
    officer = round_.created_by
    workflow.start_scoring(round_, user=officer)
    seats = dict(zip("ABC", round_.members.order_by("id"), strict=True))
    people = {c.name: c for c in round_.candidates.all()}
    criteria = list(round_.criteria.order_by("order"))
    for m, seat in seats.items():
        workflow.declare_conflicts(
            seat, user=seat.user, declarations={c.pk: (False, "") for c in people.values()}
        )
        for name, candidate in people.items():
            workflow.save_scores(
                seat.sheets.get(candidate=candidate),
                user=seat.user,
                scores={c.pk: v for c, v in zip(criteria, SCORES[(m, name)], strict=True)},
                comment=f"{m} on {name}",
            )
    c = seats["C"]
    workflow.declare_conflicts(
        c,
        user=c.user,
        declarations={
            cand.pk: (cand.name == "X", "former colleague" if cand.name == "X" else "")
            for cand in people.values()
        },
    )
    for seat in seats.values():
        workflow.submit_scores(seat, user=seat.user)
    round_.refresh_from_db()
    return round_


def test_the_weighted_ranking_leaves_out_a_conflicted_members_score(scored):
    results = scoring.results(scored)

    by_name = {r.candidate.name: r for r in results.ranking}
    # Hand computation: X = (370 + 330) / (2 × 100); Y = 1060 / 300; Z = 930 / 300.
    assert by_name["X"].score == Decimal("3.50")
    assert by_name["Y"].score == Decimal("3.53")
    assert by_name["Z"].score == Decimal("3.10")
    # Counting C's excluded 5s would have put X first with 4.00.
    assert [r.candidate.name for r in results.ranking] == ["Y", "X", "Z"]
    assert [r.rank for r in results.ranking] == [1, 2, 3]
    assert (by_name["X"].raters, by_name["X"].excluded) == (2, 1)
    assert (by_name["Y"].raters, by_name["Y"].excluded) == (3, 0)


def test_the_spread_is_the_gap_between_the_lowest_and_highest_member(scored):
    by_name = {r.candidate.name: r for r in scoring.results(scored).ranking}

    assert (by_name["X"].low, by_name["X"].high, by_name["X"].spread) == (
        Decimal("3.30"),
        Decimal("3.70"),
        Decimal("0.40"),
    )
    assert (by_name["Y"].low, by_name["Y"].high) == (Decimal("2.70"), Decimal("4.10"))
    assert (by_name["Z"].low, by_name["Z"].high) == (Decimal("2.30"), Decimal("4.00"))


def test_criterion_means_and_the_member_matrix_leave_the_conflict_out(scored):
    results = scoring.results(scored)
    x = next(r for r in results.ranking if r.candidate.name == "X")

    means = [mean for _criterion, mean, _low, _high in x.by_criterion]
    assert means == [Decimal("3.50"), Decimal("3.00"), Decimal("4.50"), Decimal("3.00")]
    rows = {str(seat.user): cells for seat, cells in results.matrix}
    c_row = rows[str(scored.members.order_by("id")[2].user)]
    x_cell = next(cell for cell in c_row if cell[0].name == "X")
    assert x_cell[1:] == (None, True)
    assert {s.comment for s in results.comments} >= {"A on X", "B on Y"}


def test_there_are_no_results_until_the_last_member_submits(tokyo):
    round_ = make_round(tokyo, until=RoundStatus.SCORING)

    assert round_.status == RoundStatus.SCORING
    assert scoring.results(round_) is None
    last = round_.members.get(submitted_at__isnull=True)
    workflow.declare_conflicts(
        last, user=last.user, declarations={c.pk: (False, "") for c in round_.candidates.all()}
    )
    for sheet in last.sheets.all():
        workflow.save_scores(sheet, user=last.user, scores={c.pk: 4 for c in round_.criteria.all()})
    workflow.submit_scores(last, user=last.user)
    round_.refresh_from_db()

    assert round_.status == RoundStatus.CLOSED
    assert scoring.results(round_) is not None


def test_equal_scores_share_a_rank(tokyo):
    round_ = make_round(tokyo, candidates=("X", "Y", "Z"), until=RoundStatus.CLOSED)

    ranks = [r.rank for r in scoring.results(round_).ranking]

    assert ranks == [1, 1, 1]  # everyone gave 3s


def test_a_candidate_everyone_had_a_conflict_with_has_no_score(tokyo):
    conflicts = [(0, 0), (1, 0), (2, 0)]
    round_ = make_round(tokyo, candidates=("X", "Y"), conflicts=conflicts, until=RoundStatus.CLOSED)

    ranking = scoring.results(round_).ranking

    assert [(r.candidate.name, r.rank, r.score) for r in ranking] == [
        ("Y", 1, Decimal("3.00")),
        ("X", None, None),
    ]
