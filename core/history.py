"""Change history of a record, from django-simple-history, as before/after rows."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

HISTORY_TYPES = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


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


def _display(model, field_name: str, value) -> str:
    if value is None or value == "":
        return "—"
    try:
        field = model._meta.get_field(field_name)
    except Exception:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation and field.many_to_one:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related else str(value)
    return str(value)


def _m2m_display(model, field_name, values) -> str:
    field = model._meta.get_field(field_name)
    target = field.m2m_reverse_field_name()
    ids = [row.get(target) for row in values or []]
    labels = sorted(str(obj) for obj in field.related_model._base_manager.filter(pk__in=ids))
    return "、".join(labels) or "—"


def history_for(obj, limit: int = 50) -> list[HistoryEntry]:
    """The record's history, newest first, each with its field-level before/after."""
    return _entries(type(obj), obj.history.all(), str(obj), limit)


def deleted_history(model, limit: int = 50, **lookup) -> list[HistoryEntry]:
    """Histories of deleted records of ``model`` matching ``lookup`` (e.g. a person's old assignments)."""
    deleted_ids = model.history.filter(history_type="-", **lookup).values_list("id", flat=True)
    entries = []
    for pk in set(deleted_ids):
        records = model.history.filter(id=pk)
        entries += _entries(model, records, str(records.first().instance), limit)
    return entries


def _entries(model, history, label: str, limit: int) -> list[HistoryEntry]:
    records = list(
        history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    m2m_names = {f.name for f in getattr(model._meta, "simple_history_m2m_fields", [])}
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                if change.field in m2m_names:
                    before = _m2m_display(model, change.field, change.old)
                    after = _m2m_display(model, change.field, change.new)
                else:
                    before = _display(model, change.field, change.old)
                    after = _display(model, change.field, change.new)
                changes.append(
                    FieldChange(
                        str(model._meta.get_field(change.field).verbose_name), before, after
                    )
                )
        elif record.history_type == "+":
            for field in model._meta.concrete_fields:
                if field.primary_key:
                    continue
                value = getattr(record, field.attname, None)
                if value not in (None, ""):
                    changes.append(
                        FieldChange(
                            str(field.verbose_name), "—", _display(model, field.name, value)
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


def combined_history(*objects) -> list[HistoryEntry]:
    """The histories of several related records (a person and their assignments), newest first."""
    entries = [entry for obj in objects for entry in history_for(obj)]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
