"""Demo visit plan of the fiscal year: HQ plans four visits a year per center (six for the
centers behind their targets), the experts who go are the centers' project managers, and
the centers on focused guidance are planned the guidance plan's monthly visits. HQ has kept
up with its plan everywhere (the visits a center lacked are added, as held) but at 高知,
which is left behind plan. Runs after ``evaluation.demo``, which opens the guidance plans.
"""

import datetime

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from accounts.models import User, UserRole
from core.fiscal import Period, fiscal_year_of
from organizations.models import Center
from planning.demo import BEHIND_CENTERS
from planning.models import FiscalYear

from . import visit_plans
from .models import Visit, VisitPlan
from .visits import current_level

LEFT_BEHIND = "39"  # 高知: on focused guidance, and HQ's visits have not kept up


@transaction.atomic
def build(rng, log) -> None:
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    year = fiscal_year_of(yesterday)
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    if fiscal_year is None or not Visit.objects.exists():
        log("visit plan: no fiscal year or no visits, skipped")
        return
    if VisitPlan.objects.filter(fiscal_year=fiscal_year).exists():
        log("visit plan: already present, skipped")
        return
    centers = list(Center.objects.order_by("code"))
    plans = VisitPlan.objects.bulk_create(
        [
            VisitPlan(
                fiscal_year=fiscal_year,
                center=c,
                planned_visits=6 if c.code in BEHIND_CENTERS else 4,
                note="目標の進捗が遅れているため隔月で訪問する。"
                if c.code in BEHIND_CENTERS
                else "",
            )
            for c in centers
        ]
    )
    experts = {}
    for user in User.objects.filter(role=UserRole.HQ_EXPERT).prefetch_related("assigned_centers"):
        for center in user.assigned_centers.all():
            experts.setdefault(center.pk, []).append(user)
    through = VisitPlan.experts.through
    through.objects.bulk_create(
        [
            through(visitplan_id=p.pk, user_id=u.pk)
            for p in plans
            for u in experts.get(p.center_id, [])
        ]
    )
    # The visits HQ made to keep up with the plan, spread over the year so far.
    start = Period.fiscal_year(year).start
    added = []
    for row in visit_plans.plan_rows(
        Center.objects.exclude(code=LEFT_BEHIND), fiscal_year=year, as_of=yesterday
    ):
        taken = set(
            Visit.objects.filter(center=row.center, date__gte=start).values_list("date", flat=True)
        )
        missing = row.expected - row.held
        span = (yesterday - start).days
        for index in range(missing):
            day = start + datetime.timedelta(days=span * (index + 1) // (missing + 1))
            while day in taken:
                day += datetime.timedelta(days=1)
            taken.add(day)
            added.append(
                Visit(
                    center=row.center,
                    date=day,
                    observations="重点指導の月次フォローアップ。相談記録と進捗管理の改善状況を確認した。",
                    advice="課題解決までの進捗を案件ごとに週次で確認すること。",
                    escalation_level=current_level(row.center),
                )
            )
    bulk_create_with_history(added, Visit, batch_size=500)
    # 高知: planned monthly (its guidance plan's frequency, or HQ's own where the demo's
    # evaluation did not put it on guidance), and HQ has not kept up.
    [row] = visit_plans.plan_rows(
        Center.objects.filter(code=LEFT_BEHIND), fiscal_year=year, as_of=yesterday
    )
    if not row.behind:
        VisitPlan.objects.filter(fiscal_year=fiscal_year, center=row.center).update(
            planned_visits=12, note="重点指導に合わせて月1回訪問する計画。"
        )
    for visit in Visit.objects.filter(pk__in=[v.pk for v in added if v.pk]):
        visit.experts.set(experts.get(visit.center_id, []))
    behind = [
        r.center.name
        for r in visit_plans.plan_rows(Center.objects.all(), fiscal_year=year, as_of=yesterday)
        if r.behind
    ]
    log(
        f"visit plan: FY{year} for {len(plans)} centers, {len(added)} visits added to keep up; "
        f"behind plan: {'、'.join(behind) or 'none'}"
    )
