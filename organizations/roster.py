"""Roster import: staff and their current assignment, from .xlsx or CSV.

Every row is checked first; nothing is written unless the whole file is valid.
The staff code is the key, so importing the same file twice changes nothing and
a changed row updates the person.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import imports
from core.imports import ImportResult, Kind, choice_words, save_imported, word_key
from core.imports.records import center_lookup_table
from core.scoping import CHANGE, centers_editable_for, is_national
from core.tabular import Problem, Table, parse_date, split_list, text

from .models import HQ_ROLES, Assignment, Center, Person, Qualification, Role, assignment_errors

# Canonical headers: the file's columns are Japanese whatever the UI language.
HEADERS = {
    "staff_code": "職員コード",
    "name": "氏名",
    "kana": "フリガナ",
    "center": "拠点",
    "role": "役割",
    "start_date": "開始日",
    "end_date": "終了日",
    "qualifications": "保有資格",
    "email": "メール",
}
REQUIRED = ("staff_code", "name", "center", "role", "start_date")
HQ_CENTER_WORDS = {"", "全国本部", "本部", "中小機構", "HQ"}

ROLE_WORDS = {
    Role.CHIEF_COORDINATOR: ["チーフコーディネーター", "CC", "chief_coordinator"],
    Role.COORDINATOR: ["コーディネーター", "CO", "coordinator"],
    Role.EXPERT: ["専門家", "expert"],
    Role.ADVISORY_BOARD: ["アドバイザリーボード", "advisory_board"],
    Role.PROJECT_MANAGER: ["プロジェクトマネージャー", "PM", "project_manager"],
    Role.SUPPORTER: ["サポーター", "supporter"],
}
ROLES = choice_words(Role, ROLE_WORDS)


@dataclass
class RosterRow:
    number: int
    staff_code: str
    name: str
    kana: str
    email: str
    center: Center | None
    role: str
    start_date: object
    end_date: object
    qualifications: list[Qualification] = field(default_factory=list)


def validate(table: Table, user) -> tuple[list[RosterRow], list[Problem]]:
    problems: list[Problem] = []
    centers = center_lookup_table()
    editable_centers = set(centers_editable_for(user, Person).values_list("pk", flat=True))
    qualifications = {q.name: q for q in Qualification.objects.all()}
    existing = {
        p.staff_code: p.pk
        for p in Person.objects.filter(
            staff_code__in=[text(v.get(HEADERS["staff_code"])) for _n, v in table.rows]
        )
    }
    editable_people = set(
        Person.objects.for_user(user, CHANGE)
        .filter(pk__in=existing.values())
        .values_list("pk", flat=True)
    )
    seen_codes: dict[str, int] = {}
    rows: list[RosterRow] = []

    for number, values in table.rows:

        def cell(key, values=values):
            return values.get(HEADERS[key])

        def problem(key, message, number=number):
            problems.append(Problem(number, HEADERS[key], message))

        for key in REQUIRED:
            if not text(cell(key)) and key != "center":
                problem(key, _("This field is required."))

        code = text(cell("staff_code"))
        if code:
            if code in seen_codes:
                problem(
                    "staff_code",
                    _("Staff code %(code)s appears twice in the file (also on row %(row)s).")
                    % {"code": code, "row": seen_codes[code]},
                )
            else:
                seen_codes[code] = number
            if code in existing and existing[code] not in editable_people:
                problem("staff_code", _("This staff code belongs to someone outside your scope."))

        role_word = text(cell("role"))
        role = ROLES.get(word_key(role_word)) if role_word else None
        if role_word and role is None:
            problem("role", _("Unknown role “%(value)s”.") % {"value": role_word})

        center_word = text(cell("center"))
        center = centers.get(center_word)
        if role in HQ_ROLES:
            if center_word not in HQ_CENTER_WORDS:
                problem(
                    "center", _("HQ roles are not assigned to a center; leave the center empty.")
                )
            center = None
        elif center is None:
            if center_word:
                problem("center", _("Unknown center “%(value)s”.") % {"value": center_word})
            else:
                problem("center", _("This field is required."))
        elif center.pk not in editable_centers:
            problem("center", _("You cannot change the staff of this center."))
        if role in HQ_ROLES and not is_national(user):
            problem("role", _("Only the Agency administrator and HQ staff can import HQ people."))

        dates = {}
        for key in ("start_date", "end_date"):
            raw = cell(key)
            if text(raw):
                try:
                    dates[key] = parse_date(raw)
                except ValueError:
                    problem(
                        key,
                        _("“%(value)s” is not a date (use 2025-04-01 or 2025/4/1).")
                        % {"value": text(raw)},
                    )
        if role:
            for key, message in assignment_errors(
                role=role, center=center, start=dates.get("start_date"), end=dates.get("end_date")
            ).items():
                if key == "end_date":
                    problem(key, message)

        names = split_list(cell("qualifications"))
        unknown = [name for name in names if name not in qualifications]
        for name in unknown:
            problem("qualifications", _("Unknown qualification “%(value)s”.") % {"value": name})

        email = text(cell("email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problem("email", _("“%(value)s” is not an email address.") % {"value": email})

        rows.append(
            RosterRow(
                number=number,
                staff_code=code,
                name=text(cell("name")),
                kana=text(cell("kana")),
                email=email,
                center=center,
                role=role or "",
                start_date=dates.get("start_date"),
                end_date=dates.get("end_date"),
                qualifications=[qualifications[n] for n in names if n in qualifications],
            )
        )
    return rows, problems


def import_roster(spec, table: Table, *, user, stamp, options, **_kwargs) -> ImportResult:
    """Validate the whole table, then write it (``core.imports.run_import`` holds the
    transaction and rolls a dry run back)."""
    rows, problems = validate(table, user)
    result = ImportResult(problems=problems)
    if problems:
        return result
    people = {
        p.staff_code: p for p in Person.objects.filter(staff_code__in=[r.staff_code for r in rows])
    }
    for row in rows:
        changed = _write_row(row, people.get(row.staff_code), user, stamp)
        if row.staff_code not in people:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _write_row(row: RosterRow, person: Person | None, user, stamp) -> bool:
    changed = False
    fields = {"name": row.name, "kana": row.kana, "email": row.email}
    if person is None:
        person = Person(staff_code=row.staff_code, **fields)
        save_imported(person, user=user, stamp=stamp)
        changed = True
    elif any(getattr(person, k) != v for k, v in fields.items()):
        for key, value in fields.items():
            setattr(person, key, value)
        save_imported(person, user=user, stamp=stamp)
        changed = True
    wanted = {q.pk for q in row.qualifications}
    if set(person.qualifications.values_list("pk", flat=True)) != wanted:
        person._history_user = user
        person._history_date = stamp
        person.qualifications.set(wanted)
        changed = True
    assignment = Assignment.objects.filter(
        person=person, center=row.center, role=row.role, start_date=row.start_date
    ).first()
    if assignment is None:
        assignment = Assignment(
            person=person,
            center=row.center,
            role=row.role,
            start_date=row.start_date,
            end_date=row.end_date,
        )
        save_imported(assignment, user=user, stamp=stamp)
        changed = True
    elif assignment.end_date != row.end_date:
        assignment.end_date = row.end_date
        save_imported(assignment, user=user, stamp=stamp)
        changed = True
    if row.role == Role.CHIEF_COORDINATOR:
        # Listed with the terms of the selection rounds (selection.terms).
        from selection.terms import roster_term

        # Written with the batch's stamp: an undo of the import takes the term back too.
        roster_term(assignment, user=user, save=lambda t: save_imported(t, user=user, stamp=stamp))
    return changed


def _term_model():
    from selection.models import Term  # selection builds on organizations

    return Term


def template_rows() -> list[list[str]]:
    """Example rows for the downloadable template."""
    return [
        [
            "S0001",
            "山田 太郎",
            "ヤマダ タロウ",
            "東京都",
            "コーディネーター",
            "2025-04-01",
            "",
            "中小企業診断士;税理士",
            "taro@example.jp",
        ],
        [
            "S0002",
            "佐藤 花子",
            "サトウ ハナコ",
            "13",
            "チーフコーディネーター",
            "2024/4/1",
            "",
            "中小企業診断士",
            "",
        ],
    ]


ROSTER = imports.register(
    Kind(
        key="roster",
        title="名簿",
        label=gettext_lazy("Roster (名簿)"),
        model=Person,
        columns=HEADERS,
        required=REQUIRED,
        list_url="organizations:person_list",
        run=import_roster,
        template=template_rows,
        notes={
            "staff_code": "the person's staff code (職員コード), the key: the same code updates "
            "the person",
            "name": "name",
            "kana": "name in katakana",
            "center": "the center of the assignment; empty (or 全国本部) for HQ roles",
            "role": "the assignment's role: チーフコーディネーター/CC, コーディネーター/CO, 専門家, "
            "アドバイザリーボード, プロジェクトマネージャー/PM, サポーター, their English labels "
            "or codes",
            "start_date": "first day of the assignment",
            "end_date": "last day of the assignment (empty: open)",
            "qualifications": "qualifications, names of the qualification list, joined by `;`",
            "email": "email address",
        },
        natural_key="職員コード; an assignment by (person, center, role, start date)",
        models=(Person, Assignment, _term_model()),
        order=10,
    )
)
