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
from consultations.indicators import CONSULTATIONS, compute
from core.fiscal import Period, fiscal_year_of
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
    RecheckInput,
)

# The Kanto officer asks the Agency to re-check Saitama's hearing, then agrees.
RECHECKED_CENTER = "11"
# What the advisory board says of some centers' results (center code, comment).
BOARD_COMMENTS = [
    (
        "05",
        "相談件数の未達は体制の問題が大きい。重点指導では人員配置の見直しを優先されたい。",
    ),
    (
        "13",
        "重点分野（事業承継）の実績が突出している。事例集での横展開を推奨する。",
    ),
    (
        "39",
        "ヒアリングで指摘された記録の不備は評価の信頼性に関わる。次年度の訪問で確認を。",
    ),
]
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
    # Who held each hearing: the bureau's officer and the HQ expert of the center, as accounts.
    officers = {
        u.bureau_id: u for u in User.objects.filter(role=UserRole.BUREAU_OFFICER).order_by("pk")
    }
    experts = {}
    for expert in User.objects.filter(role=UserRole.HQ_EXPERT).prefetch_related("assigned_centers"):
        for assigned in expert.assigned_centers.all():
            experts.setdefault(assigned.pk, expert)
    scores = []
    for center in centers:
        hearing = Hearing.objects.create(
            center=center,
            fiscal_year=fiscal_year,
            template=template,
            held_on=datetime.date(year + 1, 2, 2) + datetime.timedelta(days=rng.randrange(40)),
            bureau_evaluator=officers.get(center.prefecture.bureau_id),
            hq_evaluator=experts.get(center.pk),
            outside_evaluators="",
            initiatives=rng.choice(INITIATIVES),
        )
        low, high = (0, 1) if center.code in WEAK_CENTERS else (2, 3)
        scores += [
            HearingScore(hearing=hearing, item=item, score=rng.randint(low, high)) for item in items
        ]
    HearingScore.objects.bulk_create(scores)

    run = workflow.run_evaluation(fiscal_year, user=admin)
    _reviews(run, admin)
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
                due_on=Period.fiscal_year(year + 1).start + datetime.timedelta(days=days),
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


def _reviews(run, admin) -> None:
    """Each bureau reviews its centers one by one (one asks a re-check first), the Agency
    for the bureaus without a demo officer; then the advisory board comments and reviews."""
    from core.scoping import board_members

    officers = User.objects.filter(role=UserRole.BUREAU_OFFICER, bureau__isnull=False)
    by_bureau = {officer.bureau_id: officer for officer in officers}
    results = list(run.results.select_related("center__prefecture"))
    for result in results:
        officer = by_bureau.get(result.center.prefecture.bureau_id)
        if officer is not None and result.center.code == RECHECKED_CENTER:
            workflow.review_result(
                result,
                user=officer,
                agree=False,
                recheck_input=RecheckInput.HEARING,
                comment="ヒアリング点の転記に誤りがないか、評価シートの原本と照合をお願いしたい。",
            )
            result.refresh_from_db()
            workflow.review_result(
                result,
                user=officer,
                agree=True,
                comment="原本と照合し、転記誤りのないことを確認した。了承。",
            )
        elif officer is not None:
            workflow.review_result(result, user=officer, agree=True)
        else:
            workflow.review_result(
                result, user=admin, agree=True, comment="デモ: 担当局に代わり本庁で確認"
            )
    members = list(board_members().order_by("username"))
    if not members:
        workflow.waive_board_review(run, user=admin, reason="デモ: 委員のアカウントなし")
        return
    by_code = {result.center.code: result for result in results}
    for index, (code, text) in enumerate(BOARD_COMMENTS):
        workflow.comment_as_board(by_code[code], user=members[index % len(members)], text=text)
    workflow.complete_board_review(
        run,
        user=members[0],
        comment="評価結果は妥当。重点指導の対象2拠点については訪問頻度の引上げを求める。",
    )
