"""Attendance import: who came to which training event, from an .xlsx or CSV sheet.

Every row is checked first; nothing is written unless the whole file is valid. The
pair (event code, staff code) is the key: a new pair registers the person, a known
one updates the attendance, so importing the same sheet twice changes nothing.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import imports
from core.imports import ImportResult, Kind, choice_words, save_imported, word_key
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
STATUSES = choice_words(AttendanceStatus, STATUS_WORDS)


@dataclass
class AttendanceRow:
    number: int
    event: TrainingEvent
    person: Person
    status: str


def may_import(user) -> bool:
    return role_of(user) in TRAINING_ORGANISERS


def validate(table: Table, user) -> tuple[list[AttendanceRow], list[Problem]]:
    problems: list[Problem] = []
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
        status = STATUSES.get(word_key(word)) if word else None
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


def import_attendance(spec, table: Table, *, user, stamp, options, **_kwargs) -> ImportResult:
    """Validate the whole sheet, then write it (``core.imports.run_import`` holds the
    transaction and rolls a dry run back)."""
    rows, problems = validate(table, user)
    result = ImportResult(problems=problems)
    if problems:
        return result
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
        save_imported(registration, user=user, stamp=stamp)
    return result


def template_rows() -> list[list[str]]:
    return [["2026-N1", "S00001", "出席"], ["2026-N1", "S00002", "欠席"]]


ATTENDANCE = imports.register(
    Kind(
        key="attendance",
        title="出欠",
        label=gettext_lazy("Training attendance (研修の出欠)"),
        model=TrainingRegistration,
        columns=HEADERS,
        required=tuple(HEADERS),
        list_url="support:training_list",
        run=import_attendance,
        template=template_rows,
        notes={
            "event": "the event's code as shown on the training list (e.g. `2026-N1`); the "
            "event must exist",
            "staff_code": "the staff member's staff code (職員コード); the person must exist",
            "status": "attendance (出席 and ○, 欠席 and ×, 登録 and 申込 are read too)",
        },
        choices={"status": STATUSES},
        natural_key="(研修コード, 職員コード)",
        may_import=may_import,
        order=90,
        description="HQ (HQ staff and the Agency administrator) imports attendance. One sheet "
        "may hold several events; other columns (氏名, to help whoever fills the sheet) are "
        "ignored. The registration keeps the center the person worked at on the event's first "
        "day; the capacity of the event is not checked (the sheet records who came).",
    )
)
