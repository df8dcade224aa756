"""Demo surveys: finished nationwide campaigns for the year being evaluated and the one
before it, and a draft for Tokyo in the current year.

For each of the two years before the current one (run in FY2026: FY2024 and FY2025) a
closed client satisfaction campaign and a closed support-institution evaluation, both
nationwide. Their recipients are drawn from the demo records by the real rule
(``campaigns.draw``: consenting clients with a session at the center in the fiscal year,
or the active partner institutions), at most ``CLIENT_SAMPLE`` / ``INSTITUTION_SAMPLE``
per center. Between 45 % and 75 % of a center's clients answer (institutions 60–85 %),
(and at least ``MIN_ANSWERS`` + 1 where there are that many recipients), except at
``FEW_ANSWERS_CENTER`` (鳥取), where only three do: it shows no figures.

The answers follow what the real network reports, 90 % and more satisfied: a
respondent's satisfaction is 5 (about 60 %), 4 (35 %), 3 (3.5 %), 2 or 1 (1.5 %), nudged up
or down by a level the center keeps across years; each five-point question is mostly that
value, sometimes one point off; about one client in five writes a comment. The campaigns are written with
``bulk_create`` and the answers with one ``executemany``: about 40,000 rows at the
default scale in a couple of seconds.
"""

import datetime
import random

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User, UserRole
from core.fiscal import fiscal_year_of
from organizations.models import Center
from planning.models import FiscalYear

from . import campaigns, standard
from .models import (
    Answer,
    Campaign,
    CampaignStatus,
    Link,
    QuestionKind,
    Recipient,
    Response,
    SurveyKind,
    SurveyTemplate,
)
from .results import MIN_ANSWERS

CLIENT_SAMPLE = 40
INSTITUTION_SAMPLE = 12
FEW_ANSWERS_CENTER = "31"  # 鳥取
FEW_ANSWERS = 3
SATISFACTION = [(5, 0.60), (4, 0.35), (3, 0.035), (2, 0.01), (1, 0.005)]
PROGRESS = [(1, 0.30), (2, 0.52), (3, 0.12), (4, 0.06)]  # 解決 / 前進 / 変わらない / まだ
CHANNELS = [(1, 0.32), (2, 0.22), (3, 0.16), (4, 0.18), (5, 0.14), (6, 0.05)]
CLIENT_COMMENTS = [
    "親身に相談に乗っていただき、方向性が明確になりました。",
    "具体的な助言で売上が伸びました。ありがとうございました。",
    "専門家の紹介が的確で、資金調達につながりました。",
    "無料でここまで相談できるとは思いませんでした。また利用します。",
    "説明がわかりやすく、次に何をすべきかがよくわかりました。",
    "予約が取りにくい時期があったので、相談枠を増やしてほしいです。",
    "オンライン相談ができて助かりました。",
    "事業承継の進め方を一緒に整理していただき、安心しました。",
    "もう少し継続的なフォローがあるとありがたいです。",
    "SNS活用の助言がすぐに実践でき、来店客が増えました。",
    "相談内容によっては担当の方によって回答に差があると感じました。",
    "補助金申請の書類作成まで丁寧に見ていただきました。",
]
INSTITUTION_COMMENTS = [
    "紹介した事業者への対応が早く、会員からも好評です。",
    "共催セミナーの集客に協力いただき助かりました。",
    "相談結果のフィードバックをもう少し早くいただけると連携しやすいです。",
    "専門性の高い相談に対応いただけるので、安心して紹介できます。",
    "定期的な情報交換の場があるとさらに連携が深まると思います。",
]


def pick(rng: random.Random, weighted) -> int:
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll < total:
            return value
    return weighted[-1][0]


def reset() -> None:
    """Delete the demo campaigns and everything under them (the templates stay)."""
    tables = [m._meta.db_table for m in (Answer, Response, Link, Recipient)]
    tables += [Campaign.history.model._meta.db_table, Campaign._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


@transaction.atomic
def build(rng: random.Random, log) -> None:
    standard.ensure()
    if Campaign.objects.exists():
        log("surveys: already present, skipped")
        return
    owner = User.objects.filter(role=UserRole.HQ_STAFF).first()
    current = fiscal_year_of(datetime.date.today())
    years = FiscalYear.objects.filter(year__in=[current - 2, current - 1]).order_by("year")
    if owner is None or not years:
        log("surveys: no demo users or fiscal years, skipped")
        return
    levels = {c.pk: rng.uniform(-0.05, 0.05) for c in Center.objects.all()}
    summary = []
    for fiscal_year in years:
        for kind in (SurveyKind.CLIENT, SurveyKind.INSTITUTION):
            campaign = _campaign(fiscal_year, kind, owner)
            recipients, answers = _answer(campaign, rng, levels)
            summary.append(f"FY{fiscal_year.year} {kind} {answers}/{recipients}")
    _tokyo_draft(current, owner)
    log(f"surveys: {'; '.join(summary)} answers/recipients; a draft for Tokyo")


def _campaign(fiscal_year, kind, owner) -> Campaign:
    year = fiscal_year.year
    template = SurveyTemplate.objects.get(kind=kind, is_standard=True)
    name = "顧客満足度調査" if kind == SurveyKind.CLIENT else "支援機関による評価"
    return Campaign.objects.create(
        fiscal_year=fiscal_year,
        kind=kind,
        template=template,
        version=template.current_version(),
        name=f"{year}年度 {name}（全国）",
        period_start=fiscal_year.period.start,
        period_end=fiscal_year.period.end,
        sample_size=CLIENT_SAMPLE if kind == SurveyKind.CLIENT else INSTITUTION_SAMPLE,
        closes_on=datetime.date(year + 1, 5, 15),
        invitation=campaigns.DEFAULT_INVITATION[kind],
        status=CampaignStatus.CLOSED,
        created_by=owner,
        launched_at=datetime.datetime(year + 1, 4, 8, 10, tzinfo=datetime.UTC),
        closed_at=datetime.datetime(year + 1, 5, 16, 9, tzinfo=datetime.UTC),
    )


def _answer(campaign: Campaign, rng: random.Random, levels: dict) -> tuple[int, int]:
    drawn = campaigns.draw(campaign, rng)
    recipients = Recipient.objects.bulk_create(
        Recipient(
            campaign=campaign,
            center_id=c.center_id,
            client_id=c.client_id,
            institution_id=c.institution_id,
            email=c.email,
        )
        for c in drawn
    )
    by_center: dict[int, list[Recipient]] = {}
    for recipient in recipients:
        by_center.setdefault(recipient.center_id, []).append(recipient)
    few = Center.objects.get(code=FEW_ANSWERS_CENTER).pk
    client_kind = campaign.kind == SurveyKind.CLIENT
    respondents = []
    for center_id, people in by_center.items():
        share = rng.uniform(0.45, 0.75) if client_kind else rng.uniform(0.60, 0.85)
        if center_id == few:
            count = min(FEW_ANSWERS, len(people))
        else:  # small centers of a small demo still get enough answers to show
            count = max(round(len(people) * share), min(len(people), MIN_ANSWERS + 1))
        respondents += rng.sample(people, count)
    Recipient.objects.filter(pk__in=[r.pk for r in respondents]).update(answered=True)
    rng.shuffle(respondents)  # ids in no order that matches the recipients'
    responses = Response.objects.bulk_create(
        # Closed campaigns: their answers all count (surveys/releases.py).
        Response(campaign=campaign, center_id=r.center_id, version=campaign.version, released=True)
        for r in respondents
    )
    questions = list(campaign.version.questions.all())
    comments = CLIENT_COMMENTS if client_kind else INSTITUTION_COMMENTS
    answers = []
    for response in responses:
        level = levels[response.center_id] - (0 if client_kind else 0.04)
        base = _satisfaction(rng, level)
        for question in questions:
            answers += _answers_to(question, response, base, rng, comments)
    _insert_answers(answers)
    return len(recipients), len(responses)


def _insert_answers(rows: list[tuple]) -> None:
    """(response id, question id, value, text) rows in one executemany: the bulk of the
    demo's survey rows, written without building a model instance for each."""
    table = connection.ops.quote_name(Answer._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Answer._meta.get_field(name).column)
        for name in ("response", "question", "value", "text")
    )
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)", rows)


def _satisfaction(rng: random.Random, level: float) -> int:
    value = pick(rng, SATISFACTION)
    roll = rng.random()
    if level < 0 and roll < -level * 2:
        value -= 1
    elif level > 0 and roll < level * 2:
        value += 1
    return max(1, min(5, value))


def _answers_to(question, response, base, rng, comments) -> list[tuple]:
    """Rows of (response id, question id, value, text) for one question."""
    row = (response.pk, question.pk)
    if question.kind == QuestionKind.SCALE:
        roll = rng.random()
        # Mostly the respondent's level; a satisfied one rarely drops out of the top two.
        drop, rise = {5: (0.2, 0), 4: (0.1, 0.15)}.get(base, (0.15, 0.15))
        value = base - 1 if roll < drop else base + 1 if roll < drop + rise else base
        return [(*row, max(1, min(5, value)), "")]
    if question.kind == QuestionKind.SINGLE:
        value = pick(rng, PROGRESS) if base >= 4 else rng.choice((2, 3, 3, 4))
        return [(*row, value, "")]
    if question.kind == QuestionKind.MULTIPLE:
        if rng.random() < 0.25:  # optional: a quarter leave it out
            return []
        chosen = {pick(rng, CHANNELS) for _ in range(rng.choice((1, 1, 2)))}
        return [(*row, value, "") for value in sorted(chosen)]
    if rng.random() < 0.2:
        return [(*row, None, rng.choice(comments))]
    return []


def _tokyo_draft(current: int, owner) -> None:
    fiscal_year = FiscalYear.objects.filter(year=current).first()
    tokyo = Center.objects.filter(code="13").first()
    if fiscal_year is None or tokyo is None:
        return
    manager = User.objects.filter(role=UserRole.CENTER_MANAGER, center=tokyo).first() or owner
    dates = campaigns.default_dates(fiscal_year)
    Campaign.objects.create(
        fiscal_year=fiscal_year,
        center=tokyo,
        kind=SurveyKind.CLIENT,
        template=SurveyTemplate.objects.get(kind=SurveyKind.CLIENT, is_standard=True),
        name=f"{current}年度 上期 顧客満足度調査（東京）",
        period_start=dates["period_start"],
        period_end=min(datetime.date(current, 9, 30), timezone.localdate()),
        sample_size=100,
        closes_on=dates["closes_on"],
        invitation=campaigns.DEFAULT_INVITATION[SurveyKind.CLIENT],
        created_by=manager,
    )
