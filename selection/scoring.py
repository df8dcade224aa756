"""The results of a closed round: weighted ranking, spread between members, comments.

A member's weighted score for a candidate is Σ(weight × score) / Σ weight, on
the same 1–5 scale as the scores. A candidate's score is the mean of the
weighted scores of the members who rated them: a member who declared a conflict
of interest with the candidate is left out, whatever their sheet holds. The
spread is the lowest and highest member score and the gap between them.

Everything here is computed in the database. ``results`` returns None while the
round is still sealed: every page and export asks this function.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, Max, Min, OuterRef, Q, Subquery, Sum

from .models import Candidate, CommitteeMember, Criterion, ScoreEntry, Scoresheet, SelectionRound

TWO_PLACES = Decimal("0.01")


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class CandidateResult:
    candidate: Candidate
    rank: int | None
    exact: Decimal | None  # unrounded, for ordering and ties
    raters: int
    excluded: int
    low: Decimal | None
    high: Decimal | None
    by_criterion: list = field(default_factory=list)  # [(criterion, mean, low, high)]

    @property
    def score(self) -> Decimal | None:
        return _rounded(self.exact)

    @property
    def spread(self) -> Decimal | None:
        if self.low is None or self.high is None:
            return None
        return self.high - self.low


@dataclass
class RoundResults:
    criteria: list
    total_weight: int
    ranking: list[CandidateResult]
    # One row per member: (member, [(candidate, weighted score or None, conflict)])
    matrix: list
    comments: list[Scoresheet]


def counted_sheets(round_: SelectionRound, prefix: str = ""):
    """Q for the sheets that count: submitted, of this round, without a declared conflict."""
    return Q(
        **{
            f"{prefix}member__round": round_,
            f"{prefix}conflict": False,
            f"{prefix}member__submitted_at__isnull": False,
        }
    )


def _points(prefix: str = ""):
    return Sum(F(f"{prefix}entries__value") * F(f"{prefix}entries__criterion__weight"))


def results(round_: SelectionRound) -> RoundResults | None:
    """The round's results, or None while any member has still to submit."""
    if not round_.results_visible:
        return None
    total = round_.total_weight()
    weight = Decimal(total or 1)
    sheet_points = (
        Scoresheet.objects.filter(counted_sheets(round_), candidate=OuterRef("pk"))
        .values("pk")
        .annotate(points=_points())
        .values("points")
    )
    counted = counted_sheets(round_, "sheets__")
    rows = (
        Candidate.objects.filter(round=round_)
        .annotate(
            points=Sum(
                F("sheets__entries__value") * F("sheets__entries__criterion__weight"),
                filter=counted,
            ),
            raters=Count("sheets", filter=counted, distinct=True),
            excluded=Count("sheets", filter=Q(sheets__conflict=True), distinct=True),
            high=Subquery(sheet_points.order_by("-points")[:1]),
            low=Subquery(sheet_points.order_by("points")[:1]),
        )
        .order_by("kana", "pk")
    )
    per_criterion = {
        (row["sheet__candidate"], row["criterion"]): row
        for row in ScoreEntry.objects.filter(counted_sheets(round_, "sheet__"))
        .values("sheet__candidate", "criterion")
        .annotate(mean=Avg("value"), low=Min("value"), high=Max("value"))
    }
    criteria = list(Criterion.objects.filter(round=round_))
    ranking = []
    for row in rows:
        exact = Decimal(row.points) / (row.raters * weight) if row.raters else None
        ranking.append(
            CandidateResult(
                candidate=row,
                rank=None,
                exact=exact,
                raters=row.raters,
                excluded=row.excluded,
                low=_rounded(Decimal(row.low) / weight) if row.low is not None else None,
                high=_rounded(Decimal(row.high) / weight) if row.high is not None else None,
                by_criterion=[
                    (
                        c,
                        _rounded(Decimal(str(per_criterion[(row.pk, c.pk)]["mean"])))
                        if (row.pk, c.pk) in per_criterion
                        else None,
                        per_criterion.get((row.pk, c.pk), {}).get("low"),
                        per_criterion.get((row.pk, c.pk), {}).get("high"),
                    )
                    for c in criteria
                ],
            )
        )
    ranking.sort(key=lambda r: (r.exact is None, -(r.exact or 0)))
    for index, result in enumerate(ranking):
        if result.exact is None:
            continue
        tied = index and ranking[index - 1].exact == result.exact
        result.rank = ranking[index - 1].rank if tied else index + 1
    return RoundResults(
        criteria=criteria,
        total_weight=total,
        ranking=ranking,
        matrix=_matrix(round_, weight, [r.candidate for r in ranking]),
        comments=list(
            Scoresheet.objects.filter(member__round=round_)
            .exclude(comment="")
            .select_related("member__user", "candidate")
            .order_by("candidate__kana", "candidate_id", "member_id")
        ),
    )


def _matrix(round_, weight: Decimal, candidates: list) -> list:
    """Each member's weighted score per candidate (None where they declared a conflict)."""
    sheets = {
        (s["member"], s["candidate"]): s
        for s in Scoresheet.objects.filter(member__round=round_)
        .values("member", "candidate", "conflict")
        .annotate(points=_points())
    }
    rows = []
    for seat in CommitteeMember.objects.filter(round=round_).select_related("user", "person"):
        cells = []
        for candidate in candidates:
            sheet = sheets.get((seat.pk, candidate.pk), {})
            points = sheet.get("points")
            conflict = bool(sheet.get("conflict"))
            value = None if conflict or points is None else _rounded(Decimal(points) / weight)
            cells.append((candidate, value, conflict))
        rows.append((seat, cells))
    return rows
