"""The evaluation arithmetic of domain brief §5, as plain functions over stored inputs.

``score(inputs, rules)`` turns one center's inputs (what ``inputs.gather``
read from the records, the plan, the surveys and the hearing) into points, a
grade and a breakdown that explains every point. Every line is rounded to
0.01 point (half up) and the parts are the sums of their rounded lines, so the
figures on screen add up exactly.

- indicator line: weight × min(actual / target, cap) / cap; a target of 0 counts as met (100 %);
  the priority-field weight is shared equally between the plan's fields;
- impact line (clients with value added up, value added growth, jobs created, funding
  obtained): the same formula with the national average per center as the target; a
  negative result counts as 0, and without a positive average the line scores 0
  (flagged); shown only when its weight is above 0, so a weight of 0 changes nothing;
- survey part: points × mean / 5, at the national mean when the center has fewer
  answers than the minimum (flagged), 0 when nobody answered anywhere;
- hearing: points × sum of item scores / (3 × items); 0 without a hearing (flagged);
- grade: the first threshold the total reaches (S, A, B, C), else D.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
STANDARD_CODES = ["consultations", "visitors", "cases_solved", "network_activities"]
SURVEY_KINDS = ["client", "institution"]


def rounded(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Score:
    indicator_points: Decimal
    survey_points: Decimal
    hearing_points: Decimal
    total: Decimal
    grade: str
    breakdown: dict


def achievement(actual: int, target: int | None) -> Decimal | None:
    if target is None:
        return None
    if target == 0:
        return Decimal(1)
    return Decimal(actual) / Decimal(target)


def indicator_line(code, label, actual, target, weight: Decimal, cap: Decimal) -> dict:
    ratio = achievement(actual, target)
    if ratio is None:
        counted, points = None, Decimal(0)
    else:
        counted = min(ratio, cap)
        points = rounded(weight * counted / cap)
    return {
        "code": code,
        "label": label,
        "actual": actual,
        "target": target,
        "achievement": None if ratio is None else str(rounded(ratio * 100)),
        "capped": ratio is not None and ratio > cap,
        "weight": str(rounded(weight)),
        "points": str(rounded(points)),
    }


def impact_line(code, actual, reference, weight: Decimal, cap: Decimal) -> dict:
    """An indicator line scored against the national average per center (``reference``)."""
    usable = reference is not None and Decimal(reference) > 0
    line = indicator_line(code, "", max(actual, 0), reference if usable else None, weight, cap)
    return {**line, "actual": actual, "reference": "national_average"}


def survey_line(kind, survey: dict, national_mean, points: Decimal, minimum: int) -> dict:
    answers, mean = survey.get("answers", 0), survey.get("mean")
    flagged = answers < minimum
    used = national_mean if flagged else mean
    value = rounded(0 if used is None else points * Decimal(used) / 5)
    return {
        "kind": kind,
        "answers": answers,
        "mean": mean,
        "national_mean": national_mean,
        "used_mean": used,
        "flagged": flagged,
        "weight": str(rounded(points)),
        "points": str(value),
    }


def grade_for(total: Decimal, rules) -> str:
    for grade, threshold in rules.thresholds:
        if total >= threshold:
            return grade
    return "D"


def score(inputs: dict, rules) -> Score:
    cap = Decimal(rules.achievement_cap)
    has_plan = inputs.get("plan") is not None
    lines = []
    for item in inputs.get("indicators", []):
        target = item["target"] if has_plan else None
        lines.append(
            indicator_line(
                item["code"], "", item["actual"], target, Decimal(rules.weight(item["code"])), cap
            )
        )
    priorities = inputs.get("priorities", [])
    for item in priorities:
        share = Decimal(rules.weight_priority) / len(priorities)
        lines.append(
            {
                **indicator_line(
                    item["code"], item["label"], item["actual"], item["target"], share, cap
                ),
                "metric": item.get("metric"),
            }
        )
    impact_flags = []
    for item in inputs.get("impact", []):
        weight = Decimal(rules.weight(item["code"]))
        if weight > 0:
            line = impact_line(item["code"], item["actual"], item["reference"], weight, cap)
            lines.append(line)
            if line["achievement"] is None:
                impact_flags.append({"code": "no_impact_reference", "indicator": item["code"]})
    indicator_points = sum((Decimal(line["points"]) for line in lines), Decimal(0))

    surveys = inputs.get("surveys", {})
    national = inputs.get("national_survey_means", {})
    survey_lines = [
        survey_line(
            kind,
            surveys.get(kind, {}),
            national.get(kind),
            Decimal(getattr(rules, f"{kind}_survey_points")),
            rules.min_survey_answers,
        )
        for kind in SURVEY_KINDS
    ]
    survey_points = sum((Decimal(line["points"]) for line in survey_lines), Decimal(0))

    hearing = inputs.get("hearing")
    if hearing and hearing["items"]:
        hearing_points = rounded(
            Decimal(rules.hearing_points) * hearing["score_sum"] / (3 * hearing["items"])
        )
    else:
        hearing_points = rounded(0)

    total = indicator_points + survey_points + hearing_points
    grade = grade_for(total, rules)
    # Flags are stored as codes and worded when shown, in the reader's language.
    flags = []
    if not has_plan:
        flags.append({"code": "no_plan"})
    if has_plan and not priorities:
        flags.append({"code": "no_priorities"})
    for line in survey_lines:
        if line["flagged"] and line["national_mean"] is None:
            flags.append({"code": "no_survey", "kind": line["kind"]})
        elif line["flagged"]:
            flags.append(
                {
                    "code": "few_answers",
                    "kind": line["kind"],
                    "answers": line["answers"],
                    "minimum": rules.min_survey_answers,
                }
            )
    if not hearing:
        flags.append({"code": "no_hearing"})
    flags.extend(impact_flags)
    breakdown = {
        "indicators": lines,
        "surveys": survey_lines,
        "hearing": {
            "score_sum": hearing["score_sum"] if hearing else None,
            "maximum": 3 * hearing["items"] if hearing else None,
            "weight": str(rounded(rules.hearing_points)),
            "points": str(hearing_points),
        },
        "flags": flags,
        "rules_version": rules.version,
        "cap": f"{cap * 100:f}".rstrip("0").rstrip("."),
        "grade_thresholds": {grade: str(value) for grade, value in rules.thresholds},
    }
    return Score(indicator_points, survey_points, hearing_points, total, grade, breakdown)


def survey_label(kind: str) -> str:
    return {
        "client": _("Client satisfaction survey"),
        "institution": _("Support-institution evaluation"),
    }[kind]


def indicator_label(line: dict) -> str:
    """A line's name in the reader's language: the indicator, or the field and its metric."""
    from casestudies.impact import IMPACT
    from consultations.indicators import BY_CODE, PriorityMetric

    indicator = BY_CODE.get(line["code"]) or next(
        (impact for impact in IMPACT if impact.code == line["code"]), None
    )
    if indicator:
        return str(indicator.label)
    metric = dict(PriorityMetric.choices).get(line.get("metric"), "")
    return f"{line['label']}（{metric}）" if metric else line["label"]


def describe_flag(flag: dict) -> str:
    if flag["code"] == "no_plan":
        return _("No confirmed business plan: the indicators score 0.")
    if flag["code"] == "no_priorities":
        return _("The plan names no priority field: the priority-field weight scores 0.")
    if flag["code"] == "few_answers":
        return _(
            "%(survey)s: %(answers)s answers, fewer than %(minimum)s; scored at the national mean."
        ) % {
            "survey": survey_label(flag["kind"]),
            "answers": flag["answers"],
            "minimum": flag["minimum"],
        }
    if flag["code"] == "no_survey":
        return _("%(survey)s: no answers in the whole network this year; this part scores 0.") % {
            "survey": survey_label(flag["kind"])
        }
    if flag["code"] == "no_impact_reference":
        return _(
            "%(indicator)s: the national average is not above 0, so there is nothing to "
            "compare with; this line scores 0."
        ) % {"indicator": indicator_label({"code": flag["indicator"], "label": ""})}
    return _("No hearing recorded: the hearing scores 0.")
