"""API writes: the items of a request become the rows of an import (``core.imports.run_import``), so
the API checks, links duplicates, keeps the audit trail and the indicator summaries, and
is idempotent on the source system's IDs exactly as the import page is: one code path.

Every item is checked first; a problem is reported by the item's index and field, and
nothing is written unless every item is valid. The serializers below describe the items
(the OpenAPI schema); the values are checked by the importer, as a file's cells are.
"""

import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from consultations.models import (
    CaseStatus,
    ClientForm,
    Industry,
    Mode,
    NetworkKind,
    ResolutionKind,
)
from core.imports import KINDS, run_import
from core.tabular import Table

ID = {"max_length": 40, "help_text": "The source system's ID: a second write updates the record."}
CENTER = {"help_text": "The center's code (e.g. 13) or name."}
CODES = {"required": False, "help_text": "Staff codes; the first leads."}


def _optional(field_class, **kwargs):
    return field_class(required=False, allow_null=True, **kwargs)


def _text(**kwargs):
    return serializers.CharField(required=False, allow_blank=True, **kwargs)


class ClientWrite(serializers.Serializer):
    external_id = serializers.CharField(**ID)
    center = serializers.CharField(**CENTER)
    business_name = serializers.CharField(max_length=200)
    corporate_number = _text(max_length=13)
    form = serializers.ChoiceField(choices=ClientForm.choices)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    employees = _optional(serializers.IntegerField, min_value=0)
    capital = _optional(serializers.IntegerField, min_value=0)
    prefecture = _text(help_text="The prefecture's name (東京都).")
    municipality = _text(max_length=100)
    phone = _text(max_length=30)
    email = _text(max_length=254)
    survey_consent = serializers.BooleanField(required=False, default=False)


class CaseWrite(serializers.Serializer):
    external_id = serializers.CharField(**ID)
    client = serializers.CharField(max_length=40, help_text="The client's ID (its external_id).")
    center = serializers.CharField(**CENTER)
    topics = serializers.ListField(child=serializers.CharField(), required=False)
    priority_fields = serializers.ListField(child=serializers.CharField(), required=False)
    opened_on = serializers.DateField()
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False, allow_blank=True)
    resolved_on = _optional(serializers.DateField)
    resolution_kind = serializers.ChoiceField(
        choices=ResolutionKind.choices, required=False, allow_blank=True
    )
    evidence = _text()


class SessionWrite(serializers.Serializer):
    external_id = serializers.CharField(**ID)
    center = serializers.CharField(**CENTER)
    client = serializers.CharField(max_length=40, help_text="The client's ID (its external_id).")
    case = _text(max_length=40, help_text="The case's ID (its external_id), if any.")
    date = serializers.DateField()
    start_time = _optional(serializers.TimeField)
    minutes = _optional(serializers.IntegerField, min_value=1, max_value=1440)
    mode = serializers.ChoiceField(choices=Mode.choices)
    staff = serializers.ListField(child=serializers.CharField(), **CODES)
    summary = _text()


class NetworkActivityWrite(serializers.Serializer):
    external_id = serializers.CharField(**ID)
    center = serializers.CharField(**CENTER)
    date = serializers.DateField()
    institutions = serializers.ListField(
        child=serializers.CharField(), min_length=1, help_text="Support institutions' names."
    )
    kind = serializers.ChoiceField(choices=NetworkKind.choices)
    description = _text()
    staff = serializers.ListField(child=serializers.CharField(), **CODES)


WRITE_SERIALIZERS = {
    "clients": ClientWrite,
    "cases": CaseWrite,
    "sessions": SessionWrite,
    "network": NetworkActivityWrite,
}


class ItemProblem(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="The item's place in the list.")
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class WriteReport(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    warnings = ItemProblem(many=True)


class WriteProblems(serializers.Serializer):
    errors = ItemProblem(many=True)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ";".join(str(part) for part in value)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


SCALARS = (str, int, float, bool, type(None))


def _unstorable(value) -> bool:
    """Text no database column holds: NUL, or a lone surrogate (not UTF-8)."""
    if not isinstance(value, str):
        return False
    return "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value)


def _shape_problems(index, item, keys) -> list[dict]:
    """What keeps an item from being a row at all; its values are the importer's to check."""
    if not isinstance(item, dict):
        return [{"index": index, "field": "", "message": _("Expected an object.")}]
    problems = []
    for key in keys:
        value = item.get(key)
        parts = value if isinstance(value, list) else [value]
        if not all(isinstance(part, SCALARS) for part in parts):
            problems.append({"index": index, "field": key, "message": _("Expected a value.")})
        elif any(_unstorable(part) for part in parts):
            message = _("The text holds characters that cannot be stored.")
            problems.append({"index": index, "field": key, "message": message})
    return problems


def write(kind: str, payload, *, user, change_reason: str) -> tuple[bool, dict]:
    """Check ``payload`` (one item or a list) and, if every item is valid, write them all.

    (ok, body): the report, or every problem by item and field."""
    spec = KINDS[kind]
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        return False, {"errors": [{"index": None, "field": "", "message": _("No items.")}]}
    if len(items) > settings.API_BULK_MAX_ITEMS:
        message = _("At most %(count)s items in one request.") % {
            "count": f"{settings.API_BULK_MAX_ITEMS:,}"
        }
        return False, {"errors": [{"index": None, "field": "", "message": message}]}
    problems, rows = [], []
    for index, item in enumerate(items):
        found = _shape_problems(index, item, spec.columns)
        problems += found
        if not found:
            # Every value is checked by the importer, as a file's cells are.
            cells = {header: _cell(item.get(key)) for key, header in spec.columns.items()}
            rows.append((index + 1, cells))
    if problems:
        return False, {"errors": problems}
    result = run_import(
        kind,
        Table(headers=spec.headers, rows=rows),
        user=user,
        change_reason=change_reason,
        file_name="API",
    )
    field_of = {header: key for key, header in spec.columns.items()}

    def report(problem):
        return {
            "index": problem.row - 1 if problem.row > 0 else None,
            "field": field_of.get(problem.column, problem.column),
            "message": problem.message,
        }

    if not result.ok:
        return False, {"errors": [report(p) for p in result.problems]}
    return True, {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "warnings": [report(p) for p in result.warnings],
    }
