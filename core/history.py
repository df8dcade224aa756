"""Change history of a record, from django-simple-history, as before/after rows.

A related record is shown by its ``history_label(viewer)`` when it has one, so a
client appears under its pseudonym to those who may not see who it is.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

HISTORY_TYPES = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
BOOLEAN_VALUES = {
    True: pgettext_lazy("history value", "Yes"),
    False: pgettext_lazy("history value", "No"),
}


@dataclass
class FieldChange:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    when: object
    who: object
    kind: str
    reason: str
    changes: list[FieldChange]
    record: str = ""


@dataclass
class _Labels:
    """Labels of related records, fetched once per model and id (no query per row)."""

    viewer: object
    cache: dict = field(default_factory=dict)

    def of(self, model, pk) -> str:
        key = (model, pk)
        if key not in self.cache:
            obj = model._base_manager.filter(pk=pk).first()
            self.cache[key] = self.label(obj) if obj else str(pk)
        return self.cache[key]

    def many(self, model, ids) -> list[str]:
        missing = [pk for pk in ids if (model, pk) not in self.cache]
        for pk, obj in model._base_manager.in_bulk(missing).items():
            self.cache[(model, pk)] = self.label(obj)
        return [self.cache.get((model, pk), str(pk)) for pk in ids]

    def label(self, obj) -> str:
        if hasattr(obj, "history_label"):
            return obj.history_label(self.viewer)
        return str(obj)


# Fields declared without a verbose name are named by Django after the field ("created
# by"); their names in the user's language, here where the history shows them, rather
# than a migration per app for a label.
DEFAULT_FIELD_NAMES = {
    "agreement document type": _("agreement document type"),
    "allocation": _("budget allocation"),
    "author": _("author"),
    "board reviewed by": _("board reviewed by"),
    "board waived by": _("board waived by"),
    "content": _("file content"),
    "created by": _("created by"),
    "finalised by": _("finalised by"),
    "plan": _("plan"),
    "published by": _("published by"),
    "recorded at": _("recorded at"),
    "requested at": _("requested at"),
    "reviewed by": _("reviewed by"),
    "round": _("selection round"),
    "run": _("evaluation"),
    "sheet": _("score sheet"),
    "supporter": _("supporter in charge"),
    "uploaded by": _("uploaded by"),
}


def _field_name(model_field) -> str:
    """The field's verbose name in the user's language; a field declared without one
    (Django's default, "created at") is looked up in ``DEFAULT_FIELD_NAMES``, then in
    the catalogue as it is."""
    name = model_field.verbose_name
    # A lazy name is translated when read; one of a role's code (``_(roles.SUPPORTER)``)
    # has no message of its own and reads as the code: both are looked up here too.
    text = gettext(name) if isinstance(name, str) else str(name)
    return str(DEFAULT_FIELD_NAMES.get(text, text))


def _plain(value) -> str:
    """A stored value as people read it: 有/無, times in Asia/Tokyo to the minute."""
    if isinstance(value, bool):
        return str(BOOLEAN_VALUES[value])
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and (kind := MEDIA_TYPE.fullmatch(value)):
        return kind.group(1).upper()  # an uploaded file's type: "PDF", not "application/pdf"
    return str(value)


MEDIA_TYPE = re.compile(r"(?:application|image|text)/(?:x-)?([a-z0-9]+)")


def _display(labels: _Labels, model, field_name: str, value) -> str:
    if value is None or value == "":
        return "—"
    try:
        model_field = model._meta.get_field(field_name)
    except Exception:
        return _plain(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation and model_field.many_to_one:
        return labels.of(model_field.related_model, value)
    return _plain(value)


def _m2m_display(labels: _Labels, model, field_name, values) -> str:
    model_field = model._meta.get_field(field_name)
    target = model_field.m2m_reverse_field_name()
    ids = [row.get(target) for row in values or []]
    return "、".join(sorted(labels.many(model_field.related_model, ids))) or "—"


def history_for(obj, limit: int = 50, viewer=None) -> list[HistoryEntry]:
    """The record's history, newest first, each with its field-level before/after."""
    labels = _Labels(viewer)
    return _entries(labels, type(obj), obj.history.all(), labels.label(obj), limit)


def deleted_history(model, limit: int = 50, viewer=None, **lookup) -> list[HistoryEntry]:
    """Histories of deleted records of ``model`` matching ``lookup`` (e.g. a person's old assignments)."""
    labels = _Labels(viewer)
    records = list(model.history.filter(history_type="-", **lookup))
    entries = []
    for deleted in records:
        history = model.history.filter(id=deleted.id)
        entries += _entries(labels, model, history, labels.label(deleted.instance), limit)
    return entries


def _entries(labels: _Labels, model, history, label: str, limit: int) -> list[HistoryEntry]:
    records = list(
        history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    m2m_names = {f.name for f in getattr(model.history.model, "_history_m2m_fields", [])}
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            for change in record.diff_against(previous).changes:
                show = _m2m_display if change.field in m2m_names else _display
                changes.append(
                    FieldChange(
                        _field_name(model._meta.get_field(change.field)),
                        show(labels, model, change.field, change.old),
                        show(labels, model, change.field, change.new),
                    )
                )
        elif record.history_type == "+":
            for model_field in model._meta.concrete_fields:
                value = getattr(record, model_field.attname, None)
                if not model_field.primary_key and value not in (None, ""):
                    changes.append(
                        FieldChange(
                            _field_name(model_field),
                            "—",
                            _display(labels, model, model_field.name, value),
                        )
                    )
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                kind=HISTORY_TYPES.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=changes,
                record=label,
            )
        )
    return entries


def combined_history(*objects, viewer=None) -> list[HistoryEntry]:
    """The histories of several related records (a person and their assignments), newest first."""
    entries = [entry for obj in objects for entry in history_for(obj, viewer=viewer)]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
