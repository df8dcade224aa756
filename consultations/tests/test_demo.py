"""The demo years of consultation records look like the real network's."""

import datetime
import random

import pytest
from django.db.models import Count, F, Max

from accounts import demo as accounts_demo
from consultations import demo
from consultations.indicators import STANDARD, compute
from consultations.models import (
    Case,
    CaseStatus,
    Client,
    Consultation,
    NetworkActivity,
    corporate_number_is_valid,
)
from core.fiscal import Period, fiscal_year_of
from organizations import demo as staff_demo
from organizations import demo_institutions
from organizations.models import Center, SupportInstitution
from planning import demo as planning_demo
from planning.models import ActivityPolicy, BusinessPlan, FiscalYear, FiscalYearState, PlanStatus

SCALE = 0.005  # about 3,500 sessions a year
# Run in FY2026: FY2024 and FY2025 in full, FY2026 up to yesterday.
TODAY = datetime.date.today()
YESTERDAY = TODAY - datetime.timedelta(days=1)
CURRENT = fiscal_year_of(TODAY)
LAST = CURRENT - 1
# Comparisons with the year so far need a couple of months of it.
WELL_INTO_THE_YEAR = (YESTERDAY - Period.fiscal_year(CURRENT).start).days >= 60


def quiet(message):
    pass


@pytest.fixture
def demo_year(db):
    rng = random.Random(7)
    staff_demo.build(rng, quiet)
    demo_institutions.build(rng, quiet)
    demo.build(rng, quiet, scale=SCALE)


@pytest.fixture
def demo_plans(demo_year):
    rng = random.Random(9)
    accounts_demo.build(rng, quiet)
    planning_demo.build(rng, quiet)


def sessions_in(fiscal_year: int, until: datetime.date | None = None) -> int:
    period = Period.fiscal_year(fiscal_year)
    return Consultation.objects.filter(
        date__gte=period.start, date__lte=until or period.end
    ).count()


def test_every_center_has_sessions_and_tokyo_more_than_tottori(demo_year):
    last_year = Period.fiscal_year(LAST)
    per_center = dict(
        Consultation.objects.filter(date__range=(last_year.start, last_year.end))
        .values_list("center__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert set(per_center) == set(Center.objects.values_list("code", flat=True))
    assert per_center["13"] > 5 * per_center["31"]
    assert 0.8 * 700_000 * SCALE < sum(per_center.values()) < 1.2 * 700_000 * SCALE


def test_two_full_years_and_the_current_one_up_to_yesterday(demo_year):
    first = Period.fiscal_year(CURRENT - 2).start
    assert Consultation.objects.earliest("date").date >= first - datetime.timedelta(days=7)
    assert fiscal_year_of(Consultation.objects.earliest("date").date) == CURRENT - 2
    # Nothing is dated after yesterday.
    assert Consultation.objects.aggregate(last=Max("date"))["last"] <= YESTERDAY
    assert NetworkActivity.objects.aggregate(last=Max("date"))["last"] <= YESTERDAY
    assert Case.objects.aggregate(last=Max("opened_on"))["last"] <= YESTERDAY
    assert Case.objects.aggregate(last=Max("resolved_on"))["last"] <= YESTERDAY
    last_client = Client.objects.aggregate(last=Max("created_at"))["last"]
    assert last_client.astimezone(demo.JST).date() <= YESTERDAY
    # The year in progress has fewer sessions than last year so far, but it grows:
    # more than last year by the same date.
    assert sessions_in(CURRENT) < sessions_in(LAST)
    same_day_last_year = YESTERDAY.replace(year=YESTERDAY.year - 1)
    if WELL_INTO_THE_YEAR:
        assert sessions_in(CURRENT) > 0.9 * sessions_in(LAST, same_day_last_year)
    assert 0.95 < sessions_in(LAST) / sessions_in(CURRENT - 2) < 1.15  # 4 % growth, give or take


def test_the_monthly_pattern_repeats_from_year_to_year(demo_year):
    monthly = compute(STANDARD[:1], period=Period.fiscal_year(CURRENT - 2), group="month")
    monthly |= compute(STANDARD[:1], period=Period.fiscal_year(LAST), group="month")

    def share(year, month):
        first = datetime.date(year + (month < 4), month, 1)
        return monthly[first]["consultations"] / sessions_in(year)

    for year in (CURRENT - 2, LAST):
        assert share(year, 8) < (share(year, 6) + share(year, 7) + share(year, 9)) / 3  # summer
        assert share(year, 3) > share(year, 4)  # the end of the fiscal year


def test_sales_growth_is_the_most_common_topic(demo_year):
    topics = (
        Case.topics.through.objects.values_list("topic__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    assert topics[0][0] == "売上拡大"


def test_some_clients_consult_at_two_centers(demo_year):
    two_centers = (
        Consultation.objects.values("client")
        .annotate(centers=Count("center", distinct=True))
        .filter(centers__gt=1)
    )
    assert two_centers.count() > 0.02 * Client.objects.count()


def test_every_solved_case_has_its_resolution_within_the_year(demo_year):
    solved = Case.objects.filter(status=CaseStatus.SOLVED).annotate(last=Max("consultations__date"))
    assert 0.25 < solved.count() / Case.objects.count() < 0.45
    for case in solved:
        assert case.resolved_on and case.resolution_kind and case.evidence
        assert case.opened_on <= case.last <= case.resolved_on <= YESTERDAY
        assert fiscal_year_of(case.resolved_on) == fiscal_year_of(case.last)


def test_cases_with_sessions_still_to_come_are_open(demo_year):
    # A case whose last session is within the last week of the year so far is mostly open:
    # its next sessions and its resolution are still to come.
    recent = Case.objects.annotate(last=Max("consultations__date")).filter(
        last__gt=YESTERDAY - datetime.timedelta(days=7)
    )
    if recent.count() >= 20:
        assert recent.filter(status=CaseStatus.OPEN).count() > 0.7 * recent.count()


def test_records_are_consistent(demo_year):
    # A session's case belongs to the same client and center; its lead works at that center.
    in_cases = Consultation.objects.filter(case__isnull=False)
    assert not in_cases.exclude(case__client_id=F("client_id")).exists()
    assert not in_cases.exclude(case__center_id=F("center_id")).exists()
    assert not Consultation.objects.exclude(lead_staff__assignments__center=F("center")).exists()
    numbers = Client.objects.exclude(corporate_number="").values_list("corporate_number", flat=True)
    assert numbers and all(corporate_number_is_valid(n) for n in numbers)
    # Network activities name partners of their own prefecture.
    activity = NetworkActivity.objects.first()
    partner = activity.institutions.first()
    assert partner.prefecture_id == activity.center.prefecture_id


def test_building_twice_does_not_duplicate(demo_year):
    counts = (
        Consultation.objects.count(),
        Client.objects.count(),
        SupportInstitution.objects.count(),
    )
    rng = random.Random(8)
    demo_institutions.build(rng, quiet)
    demo.build(rng, quiet, scale=SCALE)
    assert counts == (
        Consultation.objects.count(),
        Client.objects.count(),
        SupportInstitution.objects.count(),
    )


def test_the_generator_is_deterministic(demo_year):
    context = demo.load_context()

    def first_batch(seed):
        year = demo.generate_year(random.Random(seed), 2024, SCALE, context=context, ids=demo.Ids())
        return next(year)

    assert first_batch(3) == first_batch(3)


def test_the_cut_year_is_the_full_year_drawn_and_cut(demo_year):
    # Cutting a year keeps the volume of the months so far: what a full year has up to the cutoff.
    context = demo.load_context()
    until = datetime.date(2024, 10, 31)

    def sessions(until):
        rows = []
        for batch in demo.generate_year(
            random.Random(5), 2024, SCALE, context=context, ids=demo.Ids(), until=until
        ):
            rows += batch[Consultation]
        return [row for row in rows if row[2] <= datetime.date(2024, 10, 31)]

    full, cut = len(sessions(None)), len(sessions(until))
    assert 0.9 * full < cut < 1.1 * full


def test_every_center_has_a_confirmed_plan_near_last_years_results(demo_plans):
    states = dict(FiscalYear.objects.values_list("year", "state"))
    assert states == {
        CURRENT - 2: FiscalYearState.CLOSED,
        LAST: FiscalYearState.EVALUATING,
        CURRENT: FiscalYearState.IN_PROGRESS,
    }
    assert ActivityPolicy.objects.count() == 3
    centers = Center.objects.count()
    for year in (LAST, CURRENT):
        plans = BusinessPlan.objects.filter(fiscal_year__year=year, status=PlanStatus.CONFIRMED)
        assert plans.values("center").distinct().count() == centers
    assert not BusinessPlan.objects.filter(fiscal_year__year=CURRENT - 2).exists()

    # Targets from the previous year's results: FY2025's from FY2024, FY2026's from FY2025.
    for year in (LAST, CURRENT):
        basis = compute(STANDARD, period=Period.fiscal_year(year - 1), group="center")
        plans = BusinessPlan.objects.filter(fiscal_year__year=year).select_related("center")
        for plan in plans.prefetch_related("targets", "priorities"):
            for code in ("consultations", "visitors"):
                last, target = basis[plan.center_id][code], plan.target_for(code)
                if plan.center.code in planning_demo.BEHIND_CENTERS:
                    assert target >= 1.3 * last - 1
                else:
                    assert 0.95 * last - 1 <= target <= 1.05 * last + 1
            assert plan.priorities.count() == 2
