"""The fiscal year: one home for its bounds, its names and the periods within it.

The Japanese fiscal year (年度) runs from 1 April to 31 March and is named by the
calendar year it starts in: FY2025 is 1 April 2025 – 31 March 2026, labelled
2025年度（令和7年度）in 和暦.

How a fiscal year travels: functions take and return it as an ``int`` (the year
it starts in); a date range is a ``Period`` (``Period.fiscal_year(year)`` for the
whole year). The model ``planning.FiscalYear`` appears only where a record links
to the year (plans, evaluations, calendars); it gives its ``Period`` through
``FiscalYear.period``. Nothing else spells out ``date(year, 4, 1)`` or
``date(year + 1, 3, 31)``.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Value, When
from django.db.models.functions import Cast, ExtractYear


def fiscal_year_of(day: datetime.date) -> int:
    """The fiscal year (1 April to 31 March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def reiwa_label(fiscal_year: int) -> str:
    """The Japanese era name of a fiscal year: 令和 from FY2019, 平成 before."""
    era, number = (
        ("令和", fiscal_year - 2018) if fiscal_year >= 2019 else ("平成", fiscal_year - 1988)
    )
    return f"{era}{'元' if number == 1 else number}年度"


def plausible_year(value) -> int | None:
    """A fiscal year from a query parameter, or None when it is not a sensible one."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


def fiscal_year_expression(date_field: str):
    """The fiscal year of a date column, in SQL: its year, less one for January to March.
    An integer: PostgreSQL's EXTRACT gives a numeric, which an index of an integer
    column cannot be searched by (the summaries' join on the fiscal year)."""
    return Cast(
        ExtractYear(date_field)
        - SqlCase(
            When(**{f"{date_field}__month__lt": 4}, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        IntegerField(),
    )


@dataclass(frozen=True)
class Period:
    """A date range, both ends included."""

    start: datetime.date
    end: datetime.date
    label: str = ""

    @classmethod
    def fiscal_year(cls, fy: int) -> "Period":
        return cls(
            datetime.date(fy, 4, 1), datetime.date(fy + 1, 3, 31), f"{fy}年度（{reiwa_label(fy)}）"
        )

    @classmethod
    def half(cls, fy: int, half: int) -> "Period":
        if half == 1:
            return cls(datetime.date(fy, 4, 1), datetime.date(fy, 9, 30), f"{fy}年度 上期")
        return cls(datetime.date(fy, 10, 1), datetime.date(fy + 1, 3, 31), f"{fy}年度 下期")

    @classmethod
    def quarter(cls, fy: int, quarter: int) -> "Period":
        first_month = 4 + 3 * (quarter - 1)
        year = fy + (first_month - 1) // 12
        month = (first_month - 1) % 12 + 1
        start = datetime.date(year, month, 1)
        return cls(start, month_end(add_months(start, 2)), f"{fy}年度 第{quarter}四半期")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = datetime.date(year, month, 1)
        return cls(start, month_end(start), f"{year}年{month}月")

    @classmethod
    def between(cls, start: datetime.date, end: datetime.date) -> "Period":
        return cls(start, end, f"{start:%Y-%m-%d}〜{end:%Y-%m-%d}")

    def months(self) -> list[datetime.date]:
        """First days of the months the period touches."""
        first, result = self.start.replace(day=1), []
        while first <= self.end:
            result.append(first)
            first = add_months(first, 1)
        return result


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    return add_months(day, 1) - datetime.timedelta(days=1)
