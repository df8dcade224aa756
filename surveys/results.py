"""Survey results, computed in the database, for a campaign or a fiscal year and a scope.

The threshold rule (``MIN_ANSWERS``): a center with fewer answers shows no figure at all,
not even its number of answers, and is left out of every total it would be part of, so
that no figure of fewer than five answers can be had by subtracting one total from
another. ``center_scores`` is the exception: the raw means, for the year-end evaluation,
which flags a survey with too few answers itself.

Every figure and comment counts the released responses only (``counted_responses``): those
sent before today, or in a closed campaign (``releases.py``), so that nothing anybody
sees changes right after an answer. Comments are shown in a random order, drawn afresh
each day, and never with a time.
"""

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from organizations.models import Center

from .models import Answer, Question, QuestionKind, Recipient, Response, TemplateVersion
from .releases import release_due

MIN_ANSWERS = 5
TOP_TWO = 4  # points 4 and 5 of the five-point scale count as satisfied
COMMENT_LIMIT = 300  # per question on a page; the download has them all


def _mean(total, count, places="0.01") -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _share(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def counted_responses(**filters):
    """The responses that figures may count: the released ones (see the module docstring)."""
    release_due()
    return Response.objects.released().filter(**filters)


SCALE_STATS = {
    "n": Count("pk"),
    "total": Sum("value"),
    "top": Count("pk", filter=Q(value__gte=TOP_TWO)),
}


def center_scores(fiscal_year, kind: str) -> dict[int, dict]:
    """{center id: {"answers": responses, "mean": mean of all five-point answers or None}}
    for every center, over its campaigns of ``kind`` ("client" or "institution") in the
    fiscal year (a ``planning.FiscalYear``); the mean to four decimal places."""
    responses = counted_responses(campaign__fiscal_year=fiscal_year, campaign__kind=kind)
    answers = dict(responses.values("center").annotate(n=Count("pk")).values_list("center", "n"))
    scale = {
        row["response__center"]: row
        for row in Answer.objects.filter(response__in=responses, question__kind=QuestionKind.SCALE)
        .values("response__center")
        .annotate(n=Count("pk"), total=Sum("value"))
    }
    return {
        pk: {
            "answers": answers.get(pk, 0),
            "mean": _mean(scale[pk]["total"], scale[pk]["n"], "0.0001") if pk in scale else None,
        }
        for pk in Center.objects.values_list("pk", flat=True)
    }


def year_responses(year: int, kind: str, centers=None):
    found = counted_responses(campaign__fiscal_year__year=year, campaign__kind=kind)
    if centers is not None:
        found = found.filter(center__in=centers)
    return found


def year_recipients(year: int, kind: str, centers=None):
    recipients = Recipient.objects.filter(campaign__fiscal_year__year=year, campaign__kind=kind)
    if centers is not None:
        recipients = recipients.filter(center__in=centers)
    return recipients


def shown_only(responses):
    """The responses of the centers that have at least ``MIN_ANSWERS`` of them."""
    enough = (
        responses.order_by()
        .values("center")
        .annotate(n=Count("pk"))
        .filter(n__gte=MIN_ANSWERS)
        .values("center")
    )
    return responses.filter(center__in=enough)


@dataclass
class Figures:
    """Headline figures of a center or a scope; empty when below the threshold."""

    recipients: int = 0
    answers: int = 0
    scale_answers: int = 0
    total: int = 0
    top: int = 0

    @property
    def shown(self) -> bool:
        return self.answers >= MIN_ANSWERS

    @property
    def rate(self):
        return _share(self.answers, self.recipients) if self.shown else None

    @property
    def mean(self):
        return _mean(self.total, self.scale_answers) if self.shown else None

    @property
    def satisfied(self):
        return _share(self.top, self.scale_answers) if self.shown else None

    def add(self, other: "Figures") -> None:
        for name in ("recipients", "answers", "scale_answers", "total", "top"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def figures_by_center(responses, recipients) -> dict[int, Figures]:
    """Figures per center from three grouped queries."""
    result: dict[int, Figures] = {}
    for center, n in (
        recipients.order_by().values("center").annotate(n=Count("pk")).values_list("center", "n")
    ):
        result.setdefault(center, Figures()).recipients = n
    for center, n in (
        responses.order_by().values("center").annotate(n=Count("pk")).values_list("center", "n")
    ):
        result.setdefault(center, Figures()).answers = n
    scale = (
        Answer.objects.filter(response__in=responses, question__kind=QuestionKind.SCALE)
        .values("response__center")
        .annotate(**SCALE_STATS)
    )
    for row in scale:
        figures = result.setdefault(row["response__center"], Figures())
        figures.scale_answers, figures.total, figures.top = row["n"], row["total"], row["top"]
    return result


@dataclass
class CenterRow:
    center: Center
    figures: Figures
    last_year: Figures


def center_rows(year: int, kind: str, centers) -> list[CenterRow]:
    """One row per center of ``centers``: this year's figures and last year's."""
    now = figures_by_center(
        year_responses(year, kind, centers), year_recipients(year, kind, centers)
    )
    before = figures_by_center(
        year_responses(year - 1, kind, centers), year_recipients(year - 1, kind, centers)
    )
    return [
        CenterRow(center, now.get(center.pk, Figures()), before.get(center.pk, Figures()))
        for center in centers.select_related("prefecture__bureau").order_by("code")
    ]


def total_of(rows: list[CenterRow], *, last_year: bool = False) -> Figures:
    """The total over the centers that are shown (see the module docstring)."""
    total = Figures()
    for row in rows:
        figures = row.last_year if last_year else row.figures
        if figures.shown:
            total.add(figures)
    return total


def campaign_responses(campaign, centers=None):
    found = counted_responses(campaign=campaign)
    return found if centers is None else found.filter(center__in=centers)


def campaign_rows(campaign, centers) -> list[CenterRow]:
    now = figures_by_center(
        campaign_responses(campaign, centers),
        campaign.recipients.filter(center__in=centers),
    )
    rows = [
        CenterRow(center, now[center.pk], Figures())
        for center in Center.objects.filter(pk__in=now).select_related("prefecture__bureau")
    ]
    return sorted(rows, key=lambda row: row.center.code)


@dataclass
class Option:
    label: str
    count: int
    share: Decimal | None


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    options: list[Option] = field(default_factory=list)
    mean: Decimal | None = None
    satisfied: Decimal | None = None
    last_mean: Decimal | None = None
    last_satisfied: Decimal | None = None
    comments: list["Comment"] = field(default_factory=list)
    comment_count: int = 0


@dataclass
class Comment:
    text: str
    count: int


@dataclass
class VersionResult:
    version: TemplateVersion
    answers: int
    questions: list[QuestionResult]


def question_results(responses, last_year=None) -> list[VersionResult]:
    """Per version answered, per question: how many answered, the distribution, the mean
    and satisfied share of a five-point question (with last year's, matched by question
    code) and the comments of a free-text one. ``responses`` must already be limited to
    what may be shown (``shown_only``)."""
    answers = Answer.objects.filter(response__in=responses)
    per_version = dict(
        responses.order_by().values("version").annotate(n=Count("pk")).values_list("version", "n")
    )
    answered = dict(
        answers.order_by()
        .values("question")
        .annotate(n=Count("response", distinct=True))
        .values_list("question", "n")
    )
    counts: dict[int, dict[int, int]] = {}
    for question, value, n in (
        answers.filter(value__isnull=False)
        .order_by()
        .values("question", "value")
        .annotate(n=Count("pk"))
        .values_list("question", "value", "n")
    ):
        counts.setdefault(question, {})[value] = n
    scale = {
        row["question"]: row
        for row in answers.filter(question__kind=QuestionKind.SCALE)
        .order_by()
        .values("question")
        .annotate(**SCALE_STATS)
    }
    previous = {}
    if last_year is not None:
        previous = {
            row["question__code"]: row
            for row in Answer.objects.filter(
                response__in=last_year, question__kind=QuestionKind.SCALE
            )
            .order_by()
            .values("question__code")
            .annotate(**SCALE_STATS)
        }
    comments: dict[int, list[Comment]] = {}
    # The same words from several respondents are shown once with their number; taken by
    # number and text, never by id, then shuffled (below), so that the order does not
    # tell which came last.
    for question, text, n in (
        answers.filter(question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .order_by()
        .values("question", "text")
        .annotate(n=Count("pk"))
        .order_by("question", "-n", "text")
        .values_list("question", "text", "n")
    ):
        comments.setdefault(question, []).append(Comment(text, n))

    result = []
    versions = (
        TemplateVersion.objects.filter(pk__in=per_version)
        .select_related("template")
        .prefetch_related("questions")
        .order_by("template__kind", "template_id", "number")
    )
    for version in versions:
        items = []
        for question in version.questions.all():
            item = QuestionResult(question, answered=answered.get(question.pk, 0))
            by_value = counts.get(question.pk, {})
            item.options = [
                Option(label, by_value.get(n, 0), _share(by_value.get(n, 0), item.answered))
                for n, label in enumerate(question.labels(), start=1)
            ]
            if question.pk in scale:
                row = scale[question.pk]
                item.mean = _mean(row["total"], row["n"])
                item.satisfied = _share(row["top"], row["n"])
            if question.code in previous and question.kind == QuestionKind.SCALE:
                row = previous[question.code]
                item.last_mean = _mean(row["total"], row["n"])
                item.last_satisfied = _share(row["top"], row["n"])
            found = comments.get(question.pk, [])
            item.comment_count = sum(c.count for c in found)
            item.comments = shuffled(found[:COMMENT_LIMIT], question.pk)
            items.append(item)
        result.append(VersionResult(version, per_version[version.pk], items))
    return result


def shuffled(comments: list[Comment], salt) -> list[Comment]:
    """A random order that stays the same all day (a reload shows the same page) and
    depends on nothing but the comments themselves and the day."""
    order = list(comments)
    random.Random(f"{timezone.localdate().isoformat()}:{salt}").shuffle(order)
    return order


def answer_table(responses) -> tuple[list[str], list[list]]:
    """One row per answer (questionnaire), one column per question, in Japanese like the
    other downloads: for the national roles. Nothing in it names or points to the
    respondent, and rows are numbered in center order, not in the order of answering."""
    versions = list(
        TemplateVersion.objects.filter(pk__in=responses.values("version"))
        .select_related("template")
        .prefetch_related("questions")
        .order_by("template_id", "number")
    )
    columns: list[tuple[int, str, str]] = []  # (template id, code, header)
    for version in versions:
        for question in version.questions.all():
            key = (version.template_id, question.code)
            if key not in [(t, c) for t, c, _h in columns]:
                columns.append((*key, f"{question.code}: {question.text}"))
    index = {(t, c): i for i, (t, c, _h) in enumerate(columns)}
    headers = ["回答番号", "年度", "調査", "キャンペーン", "局", "拠点コード", "拠点", "版"]
    headers += [header for _t, _c, header in columns]

    rows: dict[int, list] = {}
    ordered = responses.select_related(
        "campaign__fiscal_year", "center__prefecture__bureau", "version__template"
    ).order_by("center__code", "pk")
    for number, response in enumerate(ordered.iterator(chunk_size=2000), start=1):
        rows[response.pk] = [
            number,
            response.campaign.fiscal_year.year,
            response.campaign.get_kind_display(),
            response.campaign.name,
            response.center.prefecture.bureau.short_name,
            response.center.code,
            response.center.name,
            response.version.number,
        ] + [""] * len(columns)
    questions = {q.pk: q for v in versions for q in v.questions.all()}
    fixed = 8
    for response_id, question_id, value, text in (
        Answer.objects.filter(response__in=responses)
        .order_by("response", "question__order", "value")
        .values_list("response", "question", "value", "text")
        .iterator(chunk_size=5000)
    ):
        question = questions[question_id]
        position = fixed + index[(question.version.template_id, question.code)]
        row = rows[response_id]
        if question.kind == QuestionKind.TEXT:
            row[position] = text
        elif question.kind == QuestionKind.SCALE:
            row[position] = value
        elif question.kind == QuestionKind.MULTIPLE:
            label = question.label_of(value, japanese=True)
            row[position] = f"{row[position]};{label}" if row[position] else label
        else:
            row[position] = question.label_of(value, japanese=True)
    return headers, list(rows.values())


def national_score(fiscal_year, kind: str) -> Decimal | None:
    """The mean of every five-point answer in the network's campaigns of ``kind`` for the
    fiscal year, to four places: what the evaluation scores a survey with too few answers at."""
    stats = Answer.objects.filter(
        response__in=counted_responses(campaign__fiscal_year=fiscal_year, campaign__kind=kind),
        question__kind=QuestionKind.SCALE,
    ).aggregate(n=Count("pk"), total=Sum("value"))
    return _mean(stats["total"], stats["n"], "0.0001")
