"""Survey answers collected on paper, typed into a sheet: the answers of one campaign,
kept as anonymous as the online ones. A response names its campaign, center and
version, never who answered, and carries no time (``surveys.models``); the sheet's
numbering (用紙番号) only groups the rows of one paper questionnaire and is not kept.
Answers of a campaign still open are held back until the next day, as online ones are.

A file is the same import again when its campaign and its answers are the same (its
content's digest, kept with the import batch): importing it twice, or its CP932 twin,
adds nothing."""

import hashlib
import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import imports
from core.imports import ImportResult, Kind, word_key
from core.imports.records import center_lookup_table
from core.scoping import role_of, scope_centers
from core.tabular import Problem, Table, split_list, text

from .models import (
    DELIVERY_ROLES,
    Answer,
    Campaign,
    CampaignStatus,
    QuestionKind,
    Response,
)
from .releases import release_due

HEADERS = {
    "campaign": "調査",
    "center": "拠点",
    "sheet": "用紙番号",
    "question": "設問",
    "answer": "回答",
}
REQUIRED = ("campaign", "center", "sheet", "question")


def may_import(user) -> bool:
    return role_of(user) in DELIVERY_ROLES


def _campaign(word: str, user):
    visible = Campaign.objects.for_user(user).select_related("version")
    if word.isdecimal():
        return visible.filter(pk=int(word)).first()
    return visible.filter(name=word).first()


def _value(question, word: str) -> list:
    """The stored values of one answer cell: a text, a scale point or the positions of
    the options chosen (their Japanese or English label, or their number)."""
    if question.kind == QuestionKind.TEXT:
        return [word]
    options = question.options()
    labels = {}
    for position, option in enumerate(options, start=1):
        for label in (option.get("ja", ""), option.get("en", ""), str(position)):
            if label:
                labels.setdefault(word_key(label), position)
    words = split_list(word) if question.kind == QuestionKind.MULTIPLE else [word]
    values = []
    for one in words:
        position = labels.get(word_key(one))
        if position is None:
            raise ValueError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {
                    "value": one,
                    "choices": "、".join(o.get("ja", "") for o in options) or "1–5",
                }
            )
        values.append(position)
    return values


def import_answers(spec, table: Table, *, user, stamp, options, **_kwargs) -> ImportResult:
    problems: list[Problem] = []

    def problem(number, key, message):
        problems.append(Problem(number, HEADERS[key], message))

    rows = [(n, {k: text(v.get(h)) for k, h in HEADERS.items()}, v) for n, v in table.rows]
    names = {cells["campaign"] for _n, cells, _v in rows} - {""}
    campaign = _campaign(next(iter(names)), user) if len(names) == 1 else None
    if len(names) > 1:
        problems.append(
            Problem(0, HEADERS["campaign"], _("A file holds the answers of one survey only."))
        )
    centers = {key: c.pk for key, c in center_lookup_table().items()}
    allowed = set(scope_centers(user).values_list("pk", flat=True))
    questions = {}
    if campaign is not None:
        for question in campaign.version.questions.all():
            questions[word_key(question.code)] = question
            questions.setdefault(word_key(question.text), question)
    sheets: dict[tuple, dict] = {}  # (center, sheet) -> {question: [values]}
    for number, cells, raw in rows:
        for key in REQUIRED:
            if not cells[key]:
                problem(number, key, _("This field is required."))
        if cells["campaign"] and campaign is None and len(names) == 1:
            problem(
                number, "campaign", _("Unknown survey “%(value)s”.") % {"value": cells["campaign"]}
            )
        elif campaign is not None and campaign.status == CampaignStatus.DRAFT:
            problem(number, "campaign", _("This survey has not been launched."))
        center = centers.get(cells["center"]) if cells["center"] else None
        if cells["center"] and center is None:
            problem(number, "center", _("Unknown center “%(value)s”.") % {"value": cells["center"]})
        elif center is not None and (
            center not in allowed
            or (campaign is not None and campaign.center_id not in (None, center))
        ):
            problem(number, "center", _("You cannot import records of this center."))
            center = None
        question = questions.get(word_key(cells["question"])) if cells["question"] else None
        if cells["question"] and question is None and campaign is not None:
            problem(
                number,
                "question",
                _("Unknown question “%(value)s”.") % {"value": cells["question"]},
            )
        answer = str(raw.get(HEADERS["answer"]) or "").strip()
        if question is None or center is None or not answer:
            continue
        try:
            values = _value(
                question, answer if question.kind == QuestionKind.TEXT else cells["answer"]
            )
        except ValueError as exc:
            problem(number, "answer", str(exc))
            continue
        sheet = sheets.setdefault((center, cells["sheet"]), {})
        if question.pk in sheet:
            problem(number, "question", _("A question appears twice on one sheet."))
        sheet[question.pk] = (question, values)
    result = ImportResult(problems=problems)
    if problems or campaign is None:
        return result
    digest = hashlib.sha256(
        json.dumps(
            [
                campaign.pk,
                sorted(
                    (c, s, sorted((q, v) for q, (_x, v) in a.items()))
                    for (c, s), a in sheets.items()
                ),
            ],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    result.digest = digest
    from core.models import ImportBatch

    if ImportBatch.objects.filter(kind=spec.key, digest=digest, undone_at=None).exists():
        result.unchanged = len(sheets)
        return result
    if campaign.status == CampaignStatus.OPEN:
        release_due()  # before the write: what is held back was all sent today
    responses = Response.objects.bulk_create(
        [
            Response(campaign=campaign, center_id=center, version=campaign.version)
            for center, _s in sheets
        ]
    )
    if campaign.status == CampaignStatus.CLOSED:  # no answer follows: they count at once
        Response.objects.filter(pk__in=[r.pk for r in responses]).update(released=True)
    answers = []
    for response, sheet in zip(responses, sheets.values(), strict=True):
        for question, values in sheet.values():
            if question.kind == QuestionKind.TEXT:
                answers.append(Answer(response=response, question=question, text=values[0]))
            else:
                answers += [Answer(response=response, question=question, value=v) for v in values]
    Answer.objects.bulk_create(answers)
    result.created = len(responses)
    return result


def template_rows() -> list[list]:
    return [
        [1, "東京都", 1, "overall", 5],
        [1, "東京都", 1, "comment", "丁寧に相談に乗っていただきました。"],
        [1, "東京都", 2, "overall", "4"],
    ]


PAPER_ANSWERS = imports.register(
    Kind(
        key="survey_answers",
        title="紙の調査回答",
        label=gettext_lazy("Survey answers on paper (紙の調査回答)"),
        model=Response,
        columns=HEADERS,
        required=REQUIRED,
        list_url="surveys:campaign_list",
        run=import_answers,
        template=template_rows,
        notes={
            "campaign": "the survey (campaign): its number or its name; every row names the same",
            "center": "the center the questionnaire was handed out for",
            "sheet": "the number written on the paper questionnaire: the rows with the same "
            "center and number are one response. It only groups the rows and is not kept.",
            "question": "the question's code or its Japanese text",
            "answer": "a scale point (1–5 or its label), an option (its Japanese or English "
            "label, or its number; several joined by `;` for a multiple choice) or a text; "
            "empty = not answered",
        },
        natural_key="the survey and the answers of the whole file: the same file again adds "
        "nothing. Responses are anonymous (no person, no time); a survey still open holds "
        "them back until the next day, as online answers are. An import of answers cannot "
        "be undone (answers keep no history)",
        may_import=may_import,
        order=95,
    )
)
