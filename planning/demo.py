"""Demo plans: fiscal years, their activity policy and a confirmed plan for every center.

The fiscal years are those of the demo records (``consultations.demo``: run
in FY2026, FY2024 and FY2025 in full and FY2026 to yesterday). The current
year is in progress, the one before it is being evaluated, older years are
closed, and each year has its activity policy.

Every center has a confirmed plan for each year that has a previous year of
records (FY2025 and FY2026; FY2024 has none to start from and no plans). The
targets sit near the center's results of the previous year, as the plan form
proposes them (``workflow.proposed_targets``), ×0.95–1.05. Each plan has two
priority fields, picked among the four the center's tagged cases had most
sessions in last year, each with a metric and a target near last year's count
of that field and metric (``priority_indicator``). The centers of ``BEHIND_CENTERS`` are given targets
about 35 % above last year, so that dashboards and early warnings show them
behind.
"""

import datetime

from django.db import transaction
from django.db.models import Min

from accounts.models import User, UserRole
from consultations.indicators import STANDARD, PriorityMetric, compute, priority_indicator
from consultations.models import Consultation, PriorityField
from core.fiscal import Period, fiscal_year_of
from organizations.models import Center

from .models import (
    ActivityPolicy,
    BusinessPlan,
    FiscalYear,
    FiscalYearState,
    KickoffInterview,
    PlanEvent,
    PlanPriority,
    PlanStatus,
    PlanTarget,
    PlanVersion,
)
from .workflow import snapshot

BEHIND_CENTERS = {"05", "19", "32", "39"}  # 秋田, 山梨, 島根, 高知: ambitious targets
BEHIND_STRETCH = 1.35
STRETCH = (0.95, 1.05)  # targets over last year's results, for the other centers
PRIORITY_CHOICE = 4  # a center's priority fields are two of its four busiest fields of last year
POLICY = (
    "全国どこでも最高水準の支援を実現するため、各拠点は地域の中小企業の実情を分析した上で、"
    "売上拡大・経営改善に加え、事業承継とDXを重点に取り組む。支援機関とのネットワーク活動を強化し、"
    "課題解決に至るまでのフォローアップを徹底する。"
)
METRICS = [PriorityMetric.SESSIONS, PriorityMetric.CLIENTS, PriorityMetric.SOLVED_CASES]


def _years(today: datetime.date) -> list[int]:
    """From the first fiscal year with records to the current one."""
    current = fiscal_year_of(today)
    first = Consultation.objects.aggregate(first=Min("date"))["first"]
    return list(range(min(fiscal_year_of(first), current) if first else current, current + 1))


def _state(year: int, current: int) -> str:
    if year >= current:
        return FiscalYearState.IN_PROGRESS
    if year == current - 1:
        return FiscalYearState.EVALUATING
    return FiscalYearState.CLOSED


@transaction.atomic
def build(rng, log) -> None:
    if BusinessPlan.objects.exists():
        log("plans: already present, skipped")
        return
    officer = User.objects.filter(role=UserRole.BUREAU_OFFICER).first()
    manager = User.objects.filter(role=UserRole.CENTER_MANAGER).first()
    if officer is None or manager is None:
        log("plans: no demo users, skipped")
        return
    current = fiscal_year_of(datetime.date.today())
    fields = list(PriorityField.objects.order_by("pk"))
    centers = list(Center.objects.select_related("prefecture__bureau").order_by("code"))
    summary = []
    for year in _years(datetime.date.today()):
        state = _state(year, current)
        fiscal_year, _ = FiscalYear.objects.update_or_create(year=year, defaults={"state": state})
        policy, _ = ActivityPolicy.objects.get_or_create(
            fiscal_year=fiscal_year,
            defaults={
                "text": POLICY,
                "indicators": [i.code for i in STANDARD],
                "published_by": officer,
                "published_at": datetime.datetime(year, 3, 15, 10, tzinfo=datetime.UTC),
            },
        )
        policy.recommended_fields.set(fields[:3])
        last_year = Period.fiscal_year(year - 1)
        basis = compute(STANDARD, period=last_year, group="center")
        if not basis:  # the first year of the records: nothing to start from
            summary.append(f"FY{year} {state}, no plans")
            continue
        # Each center picks two of the fields it worked on most last year, with a
        # metric each; then last year's count of each (field, metric) by center.
        tagged = compute(
            [priority_indicator(f, PriorityMetric.SESSIONS) for f in fields],
            period=last_year,
            group="center",
        )
        chosen = {}
        for center in centers:
            sessions = tagged.get(center.pk, {})
            busiest = sorted(
                fields,
                key=lambda f, s=sessions: (
                    -s.get(priority_indicator(f, PriorityMetric.SESSIONS).code, 0)
                ),
            )
            picked = rng.sample(busiest[:PRIORITY_CHOICE], 2)
            chosen[center.pk] = [(f, rng.choice(METRICS)) for f in picked]
        wanted = {
            (f.pk, metric): priority_indicator(f, metric)
            for pairs in chosen.values()
            for f, metric in pairs
        }
        counts = compute(list(wanted.values()), period=last_year, group="center")
        for center in centers:
            stretch = BEHIND_STRETCH if center.code in BEHIND_CENTERS else rng.uniform(*STRETCH)
            priorities = [
                (f, metric, counts.get(center.pk, {}).get(wanted[f.pk, metric].code, 0))
                for f, metric in chosen[center.pk]
            ]
            _plan(
                fiscal_year, center, basis.get(center.pk, {}), priorities, stretch, officer, manager
            )
        summary.append(f"FY{year} {state}, {len(centers)} confirmed plans")
    log(f"plans: {'; '.join(summary)}")


def _plan(fiscal_year, center, basis, priorities, stretch, officer, manager):
    """A confirmed plan with its targets, interview, workflow events and first version.

    ``basis`` is the center's results of last year by indicator code;
    ``priorities`` are (field, metric, last year's count) triples.
    """
    year = fiscal_year.year
    plan = BusinessPlan.objects.create(
        center=center,
        fiscal_year=fiscal_year,
        status=PlanStatus.CONFIRMED,
        regional_analysis=f"{center.prefecture.name}の中小企業は小規模事業者が大半を占め、後継者不足と人手不足が深刻化している。",
        support_landscape="商工会・商工会議所、地域金融機関との紹介ルートが定着。創業と事業承継の相談ニーズが増加。",
        strategy="売上拡大の伴走支援を軸に、重点分野では支援機関と共催の相談会を定期開催する。",
        staffing="チーフコーディネーター1名、コーディネーターを分野別に配置し、専門家と連携する。",
        confirmed_at=datetime.datetime(year, 5, 10, 9, tzinfo=datetime.UTC),
    )
    for indicator in STANDARD:
        value = basis.get(indicator.code, 0)
        PlanTarget.objects.create(
            plan=plan, indicator=indicator.code, target=max(1, round(value * stretch))
        )
    for priority_field, metric, value in priorities:
        PlanPriority.objects.create(
            plan=plan,
            priority_field=priority_field,
            metric=metric,
            target=max(1, round(value * stretch)),
        )
    KickoffInterview.objects.create(
        plan=plan,
        scheduled_for=datetime.datetime(year, 4, 25, 10, tzinfo=datetime.UTC),
        held_on=datetime.date(year, 4, 25),
        bureau_participants=f"{center.prefecture.bureau.name} 担当者",
        hq_participants="全国本部 プロジェクトマネージャー",
        center_participants="チーフコーディネーター、実施機関",
        minutes="事業計画と目標値を確認した。重点分野の取組を支援機関と連携して進める。",
    )
    steps = [
        ("create", PlanStatus.DRAFT, PlanStatus.DRAFT, manager),
        ("submit", PlanStatus.DRAFT, PlanStatus.SUBMITTED, manager),
        ("schedule", PlanStatus.SUBMITTED, PlanStatus.INTERVIEW_SCHEDULED, officer),
        ("interview", PlanStatus.INTERVIEW_SCHEDULED, PlanStatus.INTERVIEW_HELD, officer),
        ("confirm", PlanStatus.INTERVIEW_HELD, PlanStatus.CONFIRMED, officer),
    ]
    PlanEvent.objects.bulk_create(
        PlanEvent(plan=plan, action=a, from_status=f, to_status=t, user=u) for a, f, t, u in steps
    )
    PlanVersion.objects.create(
        plan=plan, number=1, snapshot=snapshot(plan), reason="確定", created_by=officer
    )
