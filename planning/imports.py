"""Business plans (事業計画) from the spreadsheets the centers keep: per center and
fiscal year, the target of each standard indicator and the priority fields (重点分野)
with their metric and target, one row per item. Only draft plans are written: a row of
a plan that has moved on (submitted, confirmed) is reported, never overwritten."""

import re
import types
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.indicators import PriorityMetric
from consultations.models import PriorityField
from core import imports
from core import roles as r
from core.imports import ImportResult, Kind, choice, choice_words, save_imported
from core.imports.records import center_lookup_table, integer
from core.scoping import centers_editable_for, role_of
from core.tabular import ERAS, Problem, Table, text

from .models import (
    INDICATOR_CHOICES,
    BusinessPlan,
    FiscalYear,
    PlanPriority,
    PlanStatus,
    PlanTarget,
)
from .workflow import MAX_PRIORITIES

HEADERS = {
    "center": "拠点",
    "fiscal_year": "年度",
    "item": "項目",
    "metric": "重点分野の指標",
    "target": "目標値",
}
REQUIRED = ("center", "fiscal_year", "item", "target")
INDICATORS = choice_words(types.SimpleNamespace(choices=INDICATOR_CHOICES))
METRICS = choice_words(
    PriorityMetric,
    {
        PriorityMetric.SESSIONS: ["相談件数", "対応件数"],
        PriorityMetric.CLIENTS: ["相談者数"],
        PriorityMetric.SOLVED_CASES: ["解決件数"],
    },
)
_ERA_YEAR = re.compile(r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})")


def may_import(user) -> bool:
    """The center writes its own plan (the Agency, when a deployment starts)."""
    return role_of(user) in r.CENTER | r.AGENCY


def fiscal_year_number(word: str) -> int:
    """2025, 2025年度, FY2025, 令和7年度, R7 -> 2025."""
    word = unicodedata.normalize("NFKC", word).upper().replace("年度", "").replace("FY", "")
    word = word.strip()
    if word.isdecimal() and len(word) == 4:
        return int(word)
    if era := _ERA_YEAR.fullmatch(word):
        name, year = era.groups()
        start = next(s for n, letter, s in ERAS if name in (n, letter))
        return start.year - 1 + (1 if year == "元" else int(year))
    raise ValueError(
        _("“%(value)s” is not a fiscal year (use 2025 or 令和7年度).") % {"value": word}
    )


def import_plans(spec, table: Table, *, user, stamp, options, **_kwargs) -> ImportResult:
    problems: list[Problem] = []
    centers = {key: c.pk for key, c in center_lookup_table().items()}
    editable = set(centers_editable_for(user, BusinessPlan).values_list("pk", flat=True))
    years = dict(FiscalYear.objects.values_list("year", "pk"))
    fields = {
        re.sub(r"\s", "", unicodedata.normalize("NFKC", name)): pk
        for pk, name in PriorityField.objects.values_list("pk", "name")
    }
    plans = {
        (p.center_id, p.fiscal_year_id): p
        for p in BusinessPlan.objects.filter(center__in=editable).prefetch_related("priorities")
    }
    wanted: dict[tuple, dict] = {}  # (center, year) -> {"targets": {}, "priorities": {}, "row": n}
    for number, values in table.rows:

        def problem(key, message, number=number):
            problems.append(Problem(number, HEADERS[key], message))

        cells = {key: text(values.get(header)) for key, header in HEADERS.items()}
        for key in REQUIRED:
            if not cells[key]:
                problem(key, _("This field is required."))
        center = centers.get(cells["center"]) if cells["center"] else None
        if cells["center"] and center is None:
            problem("center", _("Unknown center “%(value)s”.") % {"value": cells["center"]})
        elif center is not None and center not in editable:
            problem("center", _("You cannot import records of this center."))
            center = None
        year = None
        if cells["fiscal_year"]:
            try:
                year = years.get(fiscal_year_number(cells["fiscal_year"]))
                if year is None:
                    problem(
                        "fiscal_year",
                        _("Fiscal year %(value)s has not been opened.")
                        % {"value": cells["fiscal_year"]},
                    )
            except ValueError as exc:
                problem("fiscal_year", str(exc))
        target = None
        if cells["target"]:
            try:
                target = integer(values.get(HEADERS["target"]), cells["target"], 0, 10**9)
            except ValueError as exc:
                problem("target", str(exc))
        item = cells["item"]
        indicator = INDICATORS.get(imports.word_key(item)) if item else None
        field = fields.get(re.sub(r"\s", "", item)) if item and indicator is None else None
        if item and indicator is None and field is None:
            problem(
                "item",
                _("“%(value)s” is neither an indicator nor a priority field.") % {"value": item},
            )
        metric = None
        if field is not None:
            if not cells["metric"]:
                problem("metric", _("A priority field needs its metric."))
            else:
                try:
                    metric = choice(cells["metric"], METRICS)
                except ValueError as exc:
                    problem("metric", str(exc))
        if center is None or year is None:
            continue
        plan = plans.get((center, year))
        if plan is not None and plan.status != PlanStatus.DRAFT:
            problem(
                "center",
                _("The plan of this center and year is “%(status)s”: only a draft is imported.")
                % {"status": plan.get_status_display()},
            )
            continue
        content = wanted.setdefault((center, year), {"targets": {}, "priorities": {}})
        if indicator is not None and target is not None:
            content["targets"][indicator] = target
        if field is not None and metric is not None and target is not None:
            if field in content["priorities"]:
                problem("item", _("A priority field appears twice."))
            content["priorities"][field] = (metric, target)
            # The plan's own fields count too: the import adds, it never removes.
            kept = {p.priority_field_id for p in plan.priorities.all()} if plan else set()
            if len(kept | set(content["priorities"])) > MAX_PRIORITIES:
                problem("item", _("Choose one to five priority fields."))
    result = ImportResult(problems=problems)
    if problems:
        return result
    for (center, year), content in wanted.items():
        plan = plans.get((center, year))
        new = changed = plan is None
        if new:
            plan = BusinessPlan(center_id=center, fiscal_year_id=year)
            save_imported(plan, user=user, stamp=stamp)
        targets = {t.indicator: t for t in plan.targets.all()}
        for code, value in content["targets"].items():
            current = targets.get(code) or PlanTarget(plan=plan, indicator=code, target=value)
            if current.pk is None or current.target != value:
                current.target = value
                save_imported(current, user=user, stamp=stamp)
                changed = True
        priorities = {p.priority_field_id: p for p in plan.priorities.all()}
        for field, (metric, value) in content["priorities"].items():
            current = priorities.get(field) or PlanPriority(
                plan=plan, priority_field_id=field, metric=metric, target=value
            )
            if current.pk is None or (current.metric, current.target) != (metric, value):
                current.metric, current.target = metric, value
                save_imported(current, user=user, stamp=stamp)
                changed = True
        if new:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def template_rows() -> list[list]:
    return [
        ["東京都", "令和7年度", "相談対応件数", "", 4800],
        ["東京都", "2025", "来訪相談者数", "", 1500],
        ["東京都", "2025", "DX推進", "相談件数", 300],
    ]


PLANS = imports.register(
    Kind(
        key="plans",
        title="事業計画",
        label=gettext_lazy("Business plans (事業計画)"),
        model=BusinessPlan,
        columns=HEADERS,
        required=REQUIRED,
        list_url="planning:plan_list",
        run=import_plans,
        template=template_rows,
        notes={
            "center": "the center whose plan it is",
            "fiscal_year": "the fiscal year (`2025`, `2025年度`, `令和7年度`, `R7`); it must have "
            "been opened",
            "item": "a standard indicator (its target) or a priority field of the list (重点分野) "
            "— indicators",
            "metric": "for a priority field, how it is measured",
            "target": "the target, a whole number",
        },
        choices={"item": INDICATORS, "metric": METRICS},
        natural_key="(拠点, 年度): one plan; an indicator or priority field once per plan. "
        "Only draft plans are written; a row of a submitted or confirmed plan is reported. "
        "Targets and priority fields are added or changed, never removed",
        models=(BusinessPlan, PlanTarget, PlanPriority),
        may_import=may_import,
        order=70,
    )
)
