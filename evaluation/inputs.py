"""What an evaluation reads, for every center of a fiscal year, stored with its result.

The indicator results come from the indicator engine (the one definition of
§4), the targets from the confirmed plan, the impact indicators from
``casestudies.impact`` with the national average per center as their reference, the survey means from the survey
results and the hearing score from the hearing. Means are taken to two
decimals, the precision they are shown with, so every point can be recomputed
by hand from what the result page shows.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from consultations.indicators import STANDARD, compute, priority_indicator
from core.fiscal import Period
from organizations.models import Center
from planning.models import BusinessPlan, PlanStatus

from .models import Hearing
from .scoring import SURVEY_KINDS


def two_places(value) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def survey_scores(fiscal_year) -> dict:
    """``{kind: {center_id: {"answers", "mean"}}}`` from the survey results."""
    from surveys.results import center_scores

    return {kind: center_scores(fiscal_year, kind) for kind in SURVEY_KINDS}


def national_means(fiscal_year) -> dict:
    """The mean of every five-point answer of the network, by kind of survey."""
    from surveys.results import national_score

    return {kind: two_places(national_score(fiscal_year, kind)) for kind in SURVEY_KINDS}


def impact_inputs(period) -> tuple[dict, dict]:
    """Each center's impact indicators, and their national average per center (the
    sum over every center ÷ the number of centers, to two decimals): the reference an
    impact indicator is scored against, as a plan target is for the others."""
    from casestudies.impact import CODES, compute_impact

    by_center = compute_impact(period=period, group="center")
    count = Center.objects.count()
    averages = {
        code: two_places(Decimal(sum(v[code] for v in by_center.values())) / count)
        if count
        else None
        for code in CODES
    }
    return by_center, averages


def gather(fiscal_year, centers=None) -> dict:
    """``{center_id: inputs}`` for the centers (default: all 47)."""
    centers = list(centers if centers is not None else Center.objects.order_by("code"))
    period = Period.fiscal_year(fiscal_year.year)
    actuals = compute(STANDARD, period=period, group="center")
    plans = {
        plan.center_id: plan
        for plan in BusinessPlan.objects.filter(
            fiscal_year=fiscal_year, status=PlanStatus.CONFIRMED
        ).prefetch_related("targets", "priorities__priority_field")
    }
    # Every (field, metric) pair the confirmed plans name, in one engine call.
    pairs = {
        (priority.priority_field, priority.metric)
        for plan in plans.values()
        for priority in plan.priorities.all()
    }
    by_center = compute(
        [priority_indicator(field, metric) for field, metric in pairs],
        period=period,
        group="center",
    )
    priority_actuals = {
        (center_id, code): value
        for center_id, values in by_center.items()
        for code, value in values.items()
    }

    surveys = survey_scores(fiscal_year)
    national = national_means(fiscal_year)
    impact, impact_averages = impact_inputs(period)
    hearings = {
        hearing.center_id: hearing
        for hearing in Hearing.objects.filter(fiscal_year=fiscal_year).annotate(
            items=Count("template__items")
        )
    }
    # Summed apart from the item count: two joins in one query would multiply the rows.
    sums = dict(
        Hearing.objects.filter(fiscal_year=fiscal_year)
        .annotate(total=Sum("scores__score"))
        .values_list("center_id", "total")
    )

    result = {}
    for center in centers:
        plan = plans.get(center.pk)
        values = actuals.get(center.pk, {})
        indicators = [
            {
                "code": indicator.code,
                "actual": values.get(indicator.code, 0),
                "target": plan.target_for(indicator.code) if plan else None,
            }
            for indicator in STANDARD
        ]
        priorities = []
        for priority in plan.priorities.all() if plan else []:
            code = priority_indicator(priority.priority_field, priority.metric).code
            priorities.append(
                {
                    "code": code,
                    "label": priority.priority_field.name,
                    "metric": priority.metric,
                    "actual": priority_actuals.get((center.pk, code), 0),
                    "target": priority.target,
                }
            )
        hearing = hearings.get(center.pk)
        result[center.pk] = {
            "plan": plan.pk if plan else None,
            "plan_version": plan.version if plan else None,
            "indicators": indicators,
            "priorities": priorities,
            "surveys": {
                kind: {
                    "answers": surveys[kind].get(center.pk, {}).get("answers", 0),
                    "mean": two_places(surveys[kind].get(center.pk, {}).get("mean")),
                }
                for kind in SURVEY_KINDS
            },
            "national_survey_means": national,
            "impact": [
                {
                    "code": code,
                    "actual": int(impact.get(center.pk, {}).get(code, 0)),
                    "reference": average,
                }
                for code, average in impact_averages.items()
            ],
            "hearing": None
            if hearing is None
            else {"id": hearing.pk, "score_sum": sums.get(center.pk) or 0, "items": hearing.items},
        }
    return result
