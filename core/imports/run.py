"""Running an import (``run_import``: check, then write or only report) and undoing one
(``undo``). Every import that wrote is recorded as an ``ImportBatch``."""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import roles as r
from core.collector import collector_paused
from core.lookups import filter_one_of
from core.scoping import role_of
from core.workflow import StepRefused

from .base import KINDS, UNTRACKED, ImportResult, get, missing_headers

UNDO_DAYS = 7
# A refusal names at most this many records.
NAMED = 10


class UndoRefused(StepRefused):
    """The batch cannot be undone; the message says why, for the user."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@collector_paused()
def run_import(
    kind: str,
    table,
    *,
    user,
    dry_run: bool = False,
    file_name: str = "",
    sha256: str = "",
    progress=None,
    change_reason: str | None = None,
    **options,
) -> ImportResult:
    """Check every row of ``table`` as ``kind``; if all are valid, write them in one
    transaction and record the batch, or, with ``dry_run``, write nothing and report
    what the import would do. ``options``: the kind's (``link_duplicates``)."""
    spec = get(kind)
    if table.problems:  # cells that could not be read (formulas): nothing to check yet
        return ImportResult(problems=list(table.problems), dry_run=dry_run)
    if problems := missing_headers(spec, table):
        return ImportResult(problems=problems, dry_run=dry_run)
    # Who may import what is each kind's own check, row by row (a role that keeps no
    # such records finds every row's center closed to it), as on the page.
    stamp = timezone.now()
    untracked = {}
    token = UNTRACKED.set(untracked)
    try:
        with transaction.atomic():
            result = _run(spec, table, user, stamp, dry_run, progress, change_reason, options)
            if dry_run:
                transaction.set_rollback(True)
            elif result.ok and (result.created or result.updated):
                from core.models import ImportBatch

                result.batch = ImportBatch.objects.create(
                    kind=spec.key,
                    user=user,
                    center_id=getattr(user, "center_id", None),
                    stamp=stamp,
                    file_name=file_name[:255],
                    sha256=sha256,
                    rows=len(table.rows),
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                    digest=result.digest,
                    untracked=untracked,
                )
    finally:
        UNTRACKED.reset(token)
    return result


def _run(spec, table, user, stamp, dry_run, progress, change_reason, options) -> ImportResult:
    result = spec.run(
        spec,
        table,
        user=user,
        stamp=stamp,
        dry_run=dry_run,
        progress=progress,
        change_reason=change_reason,
        options=options,
    )
    result.dry_run = dry_run
    return result


# --- Undo ---------------------------------------------------------------------------


def may_undo(batch, user) -> bool:
    """The Agency and the staff of the importing center (``roles.IMPORT_UNDO``), each
    only for a kind they may import now: not whoever imported it once, who may have
    moved to another center or role since."""
    role = role_of(user)
    if role not in r.IMPORT_UNDO or batch.kind not in KINDS or not get(batch.kind).allowed(user):
        return False
    return role in r.AGENCY or (batch.center_id is not None and user.center_id == batch.center_id)


def _refuse_out_of_scope(plan, user) -> None:
    """Refuse when a record of the batch is out of the user's reach (one since moved to
    another center, or written for a center the user no longer works for). Reach, not
    the right to edit: the import wrote records the user does not edit by hand too (a
    chief coordinator's term from the roster)."""
    for model, _history, created, changed in plan:
        if not hasattr(model.objects, "for_user"):
            continue
        ids = created | changed
        mine = sum(
            chunk.count() for chunk in filter_one_of(model.objects.for_user(user), "pk", ids)
        )
        if mine != len(ids):
            raise UndoRefused(
                _("Some records of this import are outside your reach: ask the Agency.")
            )


def undo_deadline(batch) -> datetime.datetime:
    return batch.stamp + datetime.timedelta(days=UNDO_DAYS)


def _label(row) -> str:
    for name in ("external_id", "staff_code", "code", "name"):
        value = getattr(row, name, None)
        if value:
            return str(value)
    return f"#{row.pk}"


def _refuse_later_changes(batch, plan) -> None:
    """Refuse, naming them, when records of the batch were changed after it (a later
    history row), or when a created record is now referred to by one it did not create."""
    touched = []
    created_by_model = {model: created for model, _history, created, _changed in plan}
    for model, history, created, changed in plan:
        after = history.objects.filter(history_date__gt=batch.stamp).order_by("history_date")
        touched += [
            f"{model._meta.verbose_name} {_label(row)}"
            for later in filter_one_of(after, "id", created | changed)
            for row in later[:NAMED]
        ]
        for rel in model._meta.related_objects:
            if not (rel.one_to_many or rel.one_to_one) or not created:
                continue
            own = created_by_model.get(rel.related_model, set())
            everyone = rel.related_model._base_manager.all()
            for chunk in filter_one_of(everyone, rel.field.name, created):
                referring = [obj for obj in chunk.iterator() if obj.pk not in own]
                touched += [
                    f"{rel.related_model._meta.verbose_name} {_label(obj)}"
                    for obj in referring[:NAMED]
                ]
    if touched:
        unique = list(dict.fromkeys(touched))
        raise UndoRefused(
            _("Records of this import were changed after it: %(records)s. Undo them first.")
            % {"records": "、".join(unique[:NAMED]) + ("…" if len(unique) > NAMED else "")}
        )


def _m2m_names(model) -> list[str]:
    from simple_history.models import HistoricalRecords

    return [f.name for f in model._meta.many_to_many if f in HistoricalRecords.m2m_models]


def _restore(model, history, pk, stamp, untracked: dict) -> None:
    """Put record ``pk`` back as its last history row before ``stamp`` had it."""
    before = (
        history.objects.filter(id=pk, history_date__lt=stamp)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if before is None:
        raise UndoRefused(
            _("%(record)s has no earlier version to go back to.")
            % {
                "record": f"{model._meta.verbose_name} {_label(history.objects.filter(id=pk).first())}"
            }
        )
    record = before.instance
    record.save()
    kept = untracked.get(str(pk))
    if kept:  # what the history does not keep (save() set updated_at to now)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        model._base_manager.filter(pk=pk).update(
            **{
                name: None if value is None else fields[name].to_python(value)
                for name, value in kept.items()
            }
        )
    for name in _m2m_names(model):
        field = model._meta.get_field(name)
        target = field.m2m_reverse_name()
        getattr(record, name).set([getattr(row, target) for row in getattr(before, name).all()])


def refusal(batch, user) -> str:
    """Why ``user`` cannot undo ``batch`` now, before trying ("" when they may try)."""
    if not may_undo(batch, user):
        return _("Only the Agency and the importing center can undo an import.")
    if batch.undone_at is not None:
        return _("This import has already been undone.")
    if timezone.now() > undo_deadline(batch):
        return _("An import can be undone for %(days)s days only.") % {"days": UNDO_DAYS}
    return ""


def undo(batch, *, user) -> None:
    """Undo ``batch``: delete the records it created, put back those it changed, and
    take its history rows away, so the records, their history and the indicator
    summaries (kept by the records' signals) are as before it. Refused (``UndoRefused``)
    after ``UNDO_DAYS``, for a user who may not, and when later changes touch its records."""
    from core.models import ImportBatch

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if reason := refusal(batch, user):
            raise UndoRefused(reason)
        spec = get(batch.kind)
        if any(not hasattr(model, "history") for model in spec.written_models):
            raise UndoRefused(
                _("%(kind)s keep no change history, so an import of them cannot be undone.")
                % {"kind": spec.label}
            )
        plan = []
        for model in spec.written_models:
            history = model.history.model
            mine = history.objects.filter(history_date=batch.stamp, history_user_id=batch.user_id)
            created = set(mine.filter(history_type="+").values_list("id", flat=True))
            changed = set(mine.filter(history_type="~").values_list("id", flat=True)) - created
            plan.append((model, history, created, changed))
        _refuse_later_changes(batch, plan)
        _refuse_out_of_scope(plan, user)
        for model, history, created, changed in reversed(plan):
            for pk in sorted(changed):
                _restore(
                    model, history, pk, batch.stamp, batch.untracked.get(model._meta.label, {})
                )
            for chunk in filter_one_of(model._base_manager.all(), "pk", created):
                for record in chunk:
                    record.delete()
            # The batch's history rows and the undo's own: the history is as before.
            since = history.objects.filter(history_date__gte=batch.stamp)
            for chunk in filter_one_of(since, "id", created | changed):
                chunk.delete()
        batch.undone_at = timezone.now()
        batch.undone_by = user
        batch.save(update_fields=["undone_at", "undone_by"])
