"""One calendar for HQ visits and training: a month grid, filtered by center, bureau or block."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from .models import TrainingEvent, TrainingKind, Visit


@dataclass
class Entry:
    kind: str  # "visit" or "training"
    title: str
    url: str
    note: str = ""
    css: str = ""


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)


def parse_month(value: str | None, today: datetime.date | None = None) -> datetime.date:
    """The first day of the month asked for (``2026-10``), else of the current month."""
    today = today or datetime.date.today()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return datetime.date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def shift_month(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_grid(first: datetime.date) -> list[list[Day]]:
    """Whole weeks, Sunday first, covering the month of ``first``."""
    today = datetime.date.today()
    weeks = calendar.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month)
    return [[Day(d, d.month == first.month, d == today) for d in week] for week in weeks]


def fill(weeks: list[list[Day]], *, visits, events) -> None:
    """Put the visits and the training events (on every day they run) into the grid."""
    days = {day.date: day for week in weeks for day in week}
    for visit in visits:
        if visit.date in days:
            level = visit.escalation_level
            days[visit.date].entries.append(
                Entry(
                    "visit",
                    visit.center.prefecture.short_name,
                    visit.get_absolute_url(),
                    note=visit.get_escalation_level_display() if level else "",
                    css=f"level-{level}",
                )
            )
    for event in events:
        day = max(event.start_date, min(days))
        while day <= min(event.end_date, max(days)):
            days[day].entries.append(
                Entry("training", event.title, event.get_absolute_url(), css=f"kind-{event.kind}")
            )
            day += datetime.timedelta(days=1)


def entries_for(user, weeks, *, center=None, bureau=None, block=None):
    """The visits (in the user's scope) and training events shown in the grid's dates."""
    start, end = weeks[0][0].date, weeks[-1][-1].date
    visits = (
        Visit.objects.for_user(user)
        .filter(date__gte=start, date__lte=end)
        .select_related("center__prefecture")
        .order_by("date", "center__code")
    )
    events = TrainingEvent.objects.for_user(user).filter(start_date__lte=end, end_date__gte=start)
    not_block = ~Q(kind=TrainingKind.BLOCK)
    if center is not None:
        visits = visits.filter(center=center)
        events = events.filter(not_block | Q(block_id=center.prefecture.training_block_id))
    if bureau is not None:
        visits = visits.filter(center__prefecture__bureau=bureau)
        events = events.filter(not_block | Q(block__prefectures__bureau=bureau)).distinct()
    if block is not None:
        visits = visits.filter(center__prefecture__training_block=block)
        events = events.filter(not_block | Q(block=block))
    return visits, events.order_by("start_date", "code")
