"""Attendance import: who came to which training event, from an .xlsx or CSV sheet.

Every row is checked first; nothing is written unless the whole file is valid. The
pair (event code, staff code) is the key: a new pair registers the person, a known
one updates the attendance, so importing the same sheet twice changes nothing.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from core.scoping import role_of
from core.tabular import Problem, Table, text
from organizations.models import Person

from .models import TRAINING_ORGANISERS, AttendanceStatus, TrainingEvent, TrainingRegistration
from .training import centers_on

# Canonical headers: the sheet's columns are Japanese whatever the UI language.
HEADERS = {"event": "研修コード", "staff_code": "職員コード", "status": "出欠"}

STATUS_WORDS = {
    AttendanceStatus.ATTENDED: ["出席", "○", "〇", "attended"],
    AttendanceStatus.ABSENT: ["欠席", "×", "absent"],
    AttendanceStatus.REGISTERED: ["登録", "申込", "registered"],
}
STATUS_BY_WORD = {word.lower(): status for status, words in STATUS_WORDS.items() for word in words}


@dataclass
class AttendanceRow:
    number: int
    event: TrainingEvent
    person: Person
    status: str


@dataclass
class AttendanceResult:
    problems: list[Problem]
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def may_import(user) -> bool:
    return role_of(user) in TRAINING_ORGANISERS


def validate(table: Table, user) -> tuple[list[AttendanceRow], list[Problem]]:
    problems: list[Problem] = []
    missing = [header for header in HEADERS.values() if header not in table.headers]
    if missing:
        problems.append(
            Problem(1, "、".join(missing), _("Required column is missing from the header row."))
        )
        return [], problems
    if not may_import(user):
        problems.append(Problem(0, "", _("Only HQ imports attendance.")))
        return [], problems

    def column(key, values):
        return text(values.get(HEADERS[key]))

    codes = {column("event", values) for _n, values in table.rows}
    # Looked up among what the user may see, as every import does.
    events = {e.code: e for e in TrainingEvent.objects.for_user(user).filter(code__in=codes)}
    staff_codes = {column("staff_code", values) for _n, values in table.rows}
    people = {
        p.staff_code: p for p in Person.objects.for_user(user).filter(staff_code__in=staff_codes)
    }
    seen: dict[tuple[str, str], int] = {}
    rows: list[AttendanceRow] = []

    for number, values in table.rows:

        def problem(key, message, number=number):
            problems.append(Problem(number, HEADERS[key], message))

        code, staff_code = column("event", values), column("staff_code", values)
        word = column("status", values)
        for key, value in (("event", code), ("staff_code", staff_code), ("status", word)):
            if not value:
                problem(key, _("This field is required."))
        event = events.get(code)
        if code and event is None:
            problem("event", _("No training event has the code “%(value)s”.") % {"value": code})
        person = people.get(staff_code)
        if staff_code and person is None:
            problem(
                "staff_code", _("No staff member has the code “%(value)s”.") % {"value": staff_code}
            )
        status = STATUS_BY_WORD.get(word.lower())
        if word and status is None:
            problem(
                "status",
                _("Unknown attendance “%(value)s” (use 出席, 欠席 or 登録).") % {"value": word},
            )
        if code and staff_code:
            key = (code, staff_code)
            if key in seen:
                problem(
                    "staff_code",
                    _("Staff code %(code)s appears twice for this event (also on row %(row)s).")
                    % {"code": staff_code, "row": seen[key]},
                )
            else:
                seen[key] = number
        if event and person and status:
            rows.append(AttendanceRow(number, event, person, status))
    return rows, problems


def import_attendance(table: Table, *, user) -> AttendanceResult:
    """Validate the whole sheet, then write it in one transaction (or write nothing)."""
    if table.problems:  # cells that could not be read (formulas)
        return AttendanceResult(problems=list(table.problems))
    rows, problems = validate(table, user)
    result = AttendanceResult(problems=problems)
    if problems:
        return result
    with transaction.atomic():
        existing = {
            (r.event_id, r.person_id): r
            for r in TrainingRegistration.objects.select_for_update(of=("self",)).filter(
                event__in={row.event.pk for row in rows}, person__in={row.person.pk for row in rows}
            )
        }
        centers = centers_on(
            [row.person.pk for row in rows], [(row.person.pk, row.event.start_date) for row in rows]
        )
        for row in rows:
            registration = existing.get((row.event.pk, row.person.pk))
            if registration is None:
                registration = TrainingRegistration(
                    event=row.event,
                    person=row.person,
                    center_id=centers.get((row.person.pk, row.event.start_date)),
                    status=row.status,
                    registered_by=user,
                )
                result.created += 1
            elif registration.status != row.status:
                registration.status = row.status
                result.updated += 1
            else:
                result.unchanged += 1
                continue
            registration._history_user = user
            registration.save()
    return result


def template_rows() -> list[list[str]]:
    return [["2026-N1", "S00001", "出席"], ["2026-N1", "S00002", "欠席"]]
