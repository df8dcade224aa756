"""Demo end of period for the year being evaluated (FY2025 when the demo runs in FY2026).

Every center gets a hearing scored with the standard checklist (most items 2–3;
the centers of ``WEAK_CENTERS`` mostly 0–1). The evaluation is run under the
default rules, reviewed (each demo bureau officer reviews its own centers, the
Agency the others, with a note saying so), and finalised; the centers graded C
or D get a guidance plan with findings and three actions. Next year's budget
is allocated from it: a base per center from its volume of sessions, the
national envelope the sum of the bases, and one manual adjustment with its
reason.
"""

import datetime

from django.db import transaction
from django.db.models import Count

from accounts.models import User, UserRole
from consultations.indicators import CONSULTATIONS, Period, compute, fiscal_year_of
from organizations.models import Center
from planning.models import FiscalYear

from . import workflow
from .models import (
    ChecklistTemplate,
    EvaluationRun,
    GuidanceAction,
    GuidanceStatus,
    Hearing,
    HearingScore,
)

WEAK_CENTERS = {"05", "39"}  # 秋田, 高知: ambitious plans (planning.demo) and a weak hearing
ADJUSTED_CENTER = "17"  # 石川: disaster-recovery consultations
ACTIONS = [
    ("相談記録の当日入力と、チーフコーディネーターによる週次確認", "チーフコーディネーター", 60),
    ("地域の金融機関・商工会との紹介ルートの再構築", "コーディネーター", 120),
    (
        "本部専門家の毎月訪問と同席指導（相談対応の質の確認）",
        "全国本部 プロジェクトマネージャー",
        180,
    ),
]
INITIATIVES = [
    "地域金融機関と連携した事業承継の掘り起こし",
    "商店街と連携した出張相談会の定期開催",
    "創業希望者向けのオンライン連続講座",
    "観光事業者向けのDX支援チームの編成",
]


@transaction.atomic
def build(rng, log) -> None:
    year = fiscal_year_of(datetime.date.today()) - 1
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    if fiscal_year is None or not fiscal_year.plans.exists():
        log("evaluation: no plans for the year to evaluate, skipped")
        return
    if EvaluationRun.objects.filter(fiscal_year=fiscal_year).exists():
        log("evaluation: already present, skipped")
        return
    admin = User.objects.filter(role=UserRole.AGENCY_ADMIN).first()
    if admin is None:
        log("evaluation: no Agency user, skipped")
        return
    template = ChecklistTemplate.objects.get(active=True)
    items = list(template.items.all())
    centers = list(Center.objects.select_related("prefecture__bureau").order_by("code"))
    scores = []
    for center in centers:
        hearing = Hearing.objects.create(
            center=center,
            fiscal_year=fiscal_year,
            template=template,
            held_on=datetime.date(year + 1, 2, 2) + datetime.timedelta(days=rng.randrange(40)),
            bureau_evaluators=f"{center.prefecture.bureau.short_name} 中小企業課",
            hq_evaluators="全国本部 プロジェクトマネージャー",
            outside_evaluators="アドバイザリーボード委員",
            initiatives=rng.choice(INITIATIVES),
        )
        low, high = (0, 1) if center.code in WEAK_CENTERS else (2, 3)
        scores += [
            HearingScore(hearing=hearing, item=item, score=rng.randint(low, high)) for item in items
        ]
    HearingScore.objects.bulk_create(scores)

    run = workflow.run_evaluation(fiscal_year, user=admin)
    for officer in User.objects.filter(role=UserRole.BUREAU_OFFICER, bureau__isnull=False):
        workflow.review(
            run, user=officer, centers=Center.objects.filter(prefecture__bureau=officer.bureau_id)
        )
    rest = Center.objects.filter(evaluations__run=run, evaluations__reviewed_at__isnull=True)
    workflow.review(run, user=admin, centers=rest, comment="デモ: 担当局に代わり本部で確認")
    plans = workflow.finalise(run, user=admin)
    for plan in plans:
        plan.findings += "\n相談対応件数・課題解決件数とも目標を大きく下回り、ヒアリングでも記録と進捗管理の弱さが指摘された。"
        plan.status = GuidanceStatus.IN_PROGRESS
        plan.save()
        for action, owner, days in ACTIONS:
            GuidanceAction.objects.create(
                plan=plan,
                action=action,
                owner=owner,
                due_on=datetime.date(year + 1, 4, 1) + datetime.timedelta(days=days),
            )

    sessions = compute([CONSULTATIONS], period=Period.fiscal_year(year), group="center")
    # A base of 30 million yen plus 20,000 yen per session of the year, to the 100,000 yen.
    bases = {
        c.pk: 30_000_000 + round(sessions.get(c.pk, {}).get("consultations", 0) * 20_000, -5)
        for c in centers
    }
    allocation = workflow.allocate_budget(
        run, user=admin, envelope=sum(bases.values()), bases=bases
    )
    line = allocation.lines.get(center__code=ADJUSTED_CENTER)
    workflow.adjust_line(
        line,
        user=admin,
        amount=round(line.amount * 1.15, -5),
        reason="令和6年能登半島地震からの復興に係る相談の増加に対応するため増額",
    )
    grades = dict(run.results.values_list("grade").annotate(n=Count("id")).order_by())
    log(
        f"evaluation: FY{year} finalised, grades {grades}, {len(plans)} centers on focused guidance, "
        f"budget FY{year + 1} {allocation.envelope:,} yen"
    )
