"""The record importer: checks a whole table of records identified by the source
system's IDs (``external_id``) and writes it at once.

Every lookup it needs is loaded up front (a handful of queries whatever the file's
size), every row is checked in plain Python, and everything is written in one
transaction, unchanged rows skipped: new rows with COPY on PostgreSQL (``copy_into``)
and ``bulk_create`` elsewhere, changed rows with ``bulk_update``. Where a kind allows
it (``early_writes``), the new rows go to the database while a helper thread checks
the next ones, and a problem found later rolls them back. The audit trail is kept
with simple_history's bulk helpers (or, for new rows on PostgreSQL, the same history
rows made from the records by the database), and the many-to-many snapshots it stores
with each history record are written in bulk here too. If the write fails nothing is
saved and the result says so. A kind subclasses ``RecordImporter``
(consultations.imports).
"""

import datetime
import logging
import operator
import re
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import DateField, DateTimeField, F, TimeField, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.ahead import ahead
from core.lookups import filter_one_of, insert_from, with_ids
from core.scoping import CHANGE, centers_editable_for
from core.tabular import Problem, Table, parse_date, texts

from .base import MAX_PROBLEMS, ImportResult, Kind, keep_untracked

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
# Rows of a file checked at a time. Where new rows are written while checking, each
# chunk's new rows go to the open COPY while the next chunk is checked (``check``).
CHECK_CHUNK = 2000


def center_lookup_table() -> dict:
    """Every way a file may name a center: code, prefecture name with or without 都府県, center name."""
    table = {}
    for center in apps.get_model("organizations", "Center").objects.select_related("prefecture"):
        for key in (center.code, center.prefecture.name, center.prefecture.short_name, center.name):
            table[key] = center
        table[center.code.lstrip("0")] = center
    return table


def prefecture_lookup_table() -> dict[str, int]:
    """Every way a file may name a prefecture: code (with or without its 0), name, short name."""
    table = {}
    for prefecture in apps.get_model("organizations", "Prefecture").objects.all():
        for key in (
            prefecture.code,
            prefecture.code.lstrip("0"),
            prefecture.name,
            prefecture.short_name,
        ):
            table[key] = prefecture.pk
    return table


# --- Cell parsers: raise ValueError with the message for the user ---------------------
# ``raw`` is the cell as read (xlsx cells may be numbers or dates), ``txt`` its NFKC text.


def raw_text(value) -> str:
    """Free text as written, trimmed; codes and names go through NFKC (``text``) instead."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def integer(raw, txt: str, low: int, high: int) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, float) and raw.is_integer():
        number = int(raw)
    else:
        digits = txt.replace(",", "")
        if not digits.isdecimal():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": txt})
        number = int(digits)
    if not low <= number <= high:
        raise ValueError(
            _("%(value)s is outside the allowed range %(low)s–%(high)s.")
            % {"value": number, "low": low, "high": high}
        )
    return number


_TIME_PATTERN = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def time_of_day(raw, txt: str) -> datetime.time:
    if isinstance(raw, datetime.datetime):
        return raw.time().replace(microsecond=0)
    if isinstance(raw, datetime.time):
        return raw.replace(microsecond=0)
    if isinstance(raw, float) and 0 <= raw < 1:  # an Excel time serial
        seconds = round(raw * 86400)
        return datetime.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    match = _TIME_PATTERN.fullmatch(txt)
    try:
        if match is None:
            raise ValueError(txt)
        hour, minute, second = (int(g or 0) for g in match.groups())
        return datetime.time(hour, minute, second)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a time of day (use 10:00 or 14:30).") % {"value": txt}
        ) from None


def date_cell(raw, txt: str) -> datetime.date:
    try:
        return parse_date(raw if isinstance(raw, datetime.date) else txt)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date (use 2025-04-01 or 2025/4/1).") % {"value": txt}
        ) from None


def max_length(value: str, model, name: str) -> str:
    limit = model._meta.get_field(name).max_length
    if limit and len(value) > limit:
        raise ValueError(
            _("Longer than %(limit)s characters (%(length)s).")
            % {"limit": limit, "length": len(value)}
        )
    return value


def pairs(queryset, lookup: str, values, *fields) -> list[tuple]:
    """``values_list(*fields)`` of the rows of ``queryset`` whose ``lookup`` is in ``values``,
    unordered: sorting the model's default order costs a lookup of 100,000 IDs a tenth."""
    return [
        row
        for qs in filter_one_of(queryset.order_by(), lookup, values)
        for row in qs.values_list(*fields)
    ]


def by_id(rows) -> dict[str, list[tuple]]:
    """(external ID, center, *values) rows as {external ID: [(center, *values), …]}."""
    found: dict[str, list[tuple]] = {}
    for external_id, *values in rows:
        found.setdefault(external_id, []).append(tuple(values))
    return found


def one_of(candidates: list[tuple], center, served) -> tuple | None:
    """The values of the record an ID names from a row of ``center``: the center's own
    record with that ID, else the only one the user sees if ``served(values)`` says the
    row's center serves it. Never another center's record merely because it is the only
    one: centers number their records themselves, and a national importer sees them all."""
    for candidate in candidates:
        if candidate[0] == center:
            return candidate[1:]
    if len(candidates) == 1 and served(candidates[0][1:]):
        return candidates[0][1:]
    return None


def objects_of(queryset, lookup: str, values) -> list:
    return [obj for qs in filter_one_of(queryset, lookup, values) for obj in qs]


def builder(model):
    """A fast constructor: ``make({attname: value})`` builds an unsaved instance,
    passing every concrete field positionally (several times quicker than keywords).
    Defaults are evaluated once, so this is only for models without callable defaults."""
    fields = model._meta.concrete_fields
    index = {f.attname: i for i, f in enumerate(fields)}
    defaults = [f.get_default() for f in fields]

    def make(values: dict):
        args = defaults.copy()
        for name, value in values.items():
            args[index[name]] = value
        return model(*args)

    return make


# --- New rows by COPY (PostgreSQL) ---------------------------------------------------
# Why: speed. bulk_create spends about 100 µs of Python per row (model instances,
# value preparation, SQL building) and simple_history's bulk helper pays it again for
# each history row; plain COPY is about 6× faster (docs/benchmarks.md, finding 5), and
# with the history rows this path writes new sessions 3–4× faster than
# bulk_create_with_history. The primary keys are reserved from the tables' sequences
# first, so the many-to-many rows can point at them. The values are the
# fields' Python values (str, int, bool, date, time, aware datetime, None), which
# psycopg adapts itself.

# False: new rows go through bulk_create on PostgreSQL too (the tests compare the two).
COPY_NEW_ROWS = True

# The history columns that are not the record's, for a new record's "+" row; the
# change reason is left empty, as bulk_create_with_history leaves it.
_HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")


def copy_available() -> bool:
    if not COPY_NEW_ROWS or connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3  # psycopg2's cursor has no copy()


def reserve_ids(model, count: int) -> list[int]:
    """``count`` new primary keys from the sequence of ``model``'s table (an identity
    column has one too), ascending, in one round trip."""
    if not count:
        return []
    with connection.cursor() as cursor:
        # The sequence is looked up once (MATERIALIZED), not for each of the rows: 5× faster.
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


@contextmanager
def copy_into(model, columns):
    """A COPY into ``model``'s table (``columns``: column names), open for the block:
    ``write(rows)`` sends rows (tuples of values in the columns' order) as they come, and
    the database writes them while the caller makes the next. Errors are raised as
    Django's database errors. Nothing else may use the connection inside the block."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with (
        connection.cursor() as cursor,  # Django's wrapper; .cursor is psycopg's own
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):

        def write(rows):
            for row in rows:
                copy.write_row(row)

        yield write


def copy_rows(model, columns, rows) -> None:
    """Write ``rows`` into ``model``'s table with one COPY (``copy_into``)."""
    with copy_into(model, columns) as write:
        write(rows)


def _columns(model, attnames) -> list[str]:
    column = {f.attname: f.column for f in model._meta.concrete_fields}
    return [column[name] for name in attnames]


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _insert_default(field, stamp):
    """What bulk_create writes into ``field`` when the row does not set it: the
    default (evaluated once, as in ``builder``) or, for auto_now(_add), the batch's time."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        if isinstance(field, DateTimeField):
            return stamp
        if isinstance(field, DateField):
            return timezone.localdate(stamp)
        if isinstance(field, TimeField):
            return timezone.localtime(stamp).time()
    return field.get_db_prep_save(field.get_default(), connection)


def _history_fields(model) -> tuple[list[str], list[str]] | None:
    """(the record's attnames, the other history columns) of ``model``'s history table,
    in its order without history_id (the database assigns it); None if the table has a
    column a new record's history row cannot be filled in for here."""
    if not hasattr(model, "history"):  # a registered kind that keeps no history
        return None
    record = {f.attname for f in model._meta.concrete_fields}
    history = model.history.model
    tracked, extra = [], []
    for f in history._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.attname in record:
            tracked.append(f.attname)
        elif f.attname in _HISTORY_COLUMNS:
            extra.append(f.attname)
        else:
            return None
    return tracked, extra


# --- The importer --------------------------------------------------------------------


class _Columns(dict):
    """Columns of a file by key, each made by ``make(key)`` when first used."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        made = self[key] = self.make(key)
        return made


@dataclass
class Row:
    number: int
    external_id: str
    values: dict  # attname -> value: the fields this import writes
    m2m: dict = field(default_factory=dict)  # m2m field name -> ordered target pks
    target: object = None  # an existing client this row is linked to


class RecordImporter:
    """Checks and writes one file; a subclass per kind knows its columns."""

    # The model fields a row sets, in the order check_row builds them.
    fields: tuple[str, ...] = ()
    # The field holding the center whose IDs the record's ID is one of.
    center_field = "center_id"
    # Stored with the history rows written (import_records' change_reason).
    change_reason: str | None = None
    # True: check_row runs no query, so new rows may be written while the next rows are
    # checked on a helper thread (``check``).
    early_writes = False

    def __init__(
        self, spec: Kind, table: Table, user, *, link_duplicates=False, stamp=None, dry_run=False
    ):
        self.spec = spec
        self.stamp = stamp or timezone.now()
        self.dry_run = dry_run
        self.model = spec.model
        self.table = table
        self.user = user
        self.link_duplicates = link_duplicates
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.rows: list[Row] = []
        self.stopped = False  # checking stopped at MAX_PROBLEMS
        self.timings: dict[str, float] = {}  # parts of the write, for the log
        self.parsed: dict = {}  # parse(): (column, parser, cell) -> (ok, value or message)
        # Every cell of a column as read and as text, in the order of the rows, made when
        # first used: the lookups need a few columns whole; the check makes the others a
        # chunk at a time, on the helper thread where it runs on one (``check``).
        self.cells = _Columns(lambda key: self.column_cells(key, table.rows))
        self.texts = _Columns(lambda key: texts(self.cells[key]))

    # Problems -------------------------------------------------------------------
    def problem(self, number, key, message):
        self.problems.append(Problem(number, self.spec.columns[key], str(message)))

    def warn(self, number, key, message):
        self.warnings.append(Problem(number, self.spec.columns[key], str(message)))

    def parse(self, number, key, parser, *args):
        """Run a cell parser; report its ValueError on the row and column and return None.

        Each distinct cell of a column is parsed once (a file repeats the same dates,
        times and words on thousands of rows); its problem is reported on every row.
        """
        memo = (key, parser, args)
        found = self.parsed.get(memo)
        if found is None:
            try:
                found = self.parsed[memo] = (True, parser(*args))
            except ValueError as exc:
                found = self.parsed[memo] = (False, str(exc))
        ok, value = found
        if ok:
            return value
        self.problem(number, key, value)
        return None

    # The run --------------------------------------------------------------------
    @staticmethod
    def progress(fraction: float, stage: str) -> None:
        """Told how far the import is (a job's progress); nothing by default."""

    def run(self) -> ImportResult:
        started = time.perf_counter()
        missing = [h for h in self.spec.headers if h not in self.table.headers]
        if missing:
            message = _("Required column is missing from the header row.")
            return ImportResult(problems=[Problem(1, "、".join(missing), message)])
        self.load_common()
        self.load()
        loaded = time.perf_counter()
        history = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        self.copy = copy_available() and (not history or _history_fields(self.model) is not None)
        result = ImportResult(problems=self.problems, warnings=self.warnings)
        early = self.writes_while_checking()
        checked = loaded
        try:
            # One savepoint for the rows written while checking and the rest of the write:
            # rolled back if the write fails or a later row has a problem.
            with transaction.atomic() if early else nullcontext():
                made = self.check(early)
                checked = time.perf_counter()
                if result.ok:
                    self.progress(0.6, _("Saving the records…"))
                    self.write(result, made)
                elif made:
                    transaction.set_rollback(True)
        except DatabaseError:
            # Everything was rolled back: e.g. another import saved the same IDs meanwhile.
            logger.exception("import %s: the write failed, nothing was saved", self.spec.key)
            result.created = result.updated = result.unchanged = 0
            result.problems.append(
                Problem(
                    0, "", _("The error has been logged. Nothing was saved by the failed request.")
                )
            )
        logger.info(
            "import %s: %s rows, load %.2fs, check %.2fs, write %.2fs (%s); %s",
            self.spec.key,
            len(self.table.rows),
            loaded - started,
            checked - loaded,
            time.perf_counter() - checked,
            ", ".join(f"{name} {seconds:.2f}s" for name, seconds in self.timings.items()),
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
            if result.ok
            else f"{len(result.problems)} problems",
        )
        return result

    def writes_while_checking(self) -> bool:
        """Whether new rows are written by COPY while the next rows are checked: where
        the kind says its checks run no query (``early_writes``) and nothing after the
        check may change a checked row (no ``after_rows``, which may link duplicates)."""
        return (
            self.early_writes
            and self.copy
            and not self.dry_run
            and type(self).after_rows is RecordImporter.after_rows
        )

    def check(self, early: bool) -> list[tuple[int, Row]]:
        """Check every row, a chunk at a time; with ``early`` (``writes_while_checking``)
        write the new records of each chunk while a helper thread checks the next: the
        database writes as Python checks, on two cores (docs/benchmarks.md). Writing
        stops at the first problem; the caller rolls back what was written. The
        (pk, row) pairs written."""
        total = len(self.table.rows)
        chunks = ahead(self.checked_chunks()) if early else self.checked_chunks()
        made: list[tuple[int, Row]] = []
        done = 0
        self.progress(0.0, _("Checking rows…"))
        # On an error the helper stops before the caller goes on (``closing``).
        with (
            closing(chunks),
            self.new_records(self.new_count(), self.stamp) if early else nullcontext() as write,
        ):
            for chunk in chunks:
                done += len(chunk)
                self.progress(
                    0.6 * done / total,
                    _("Checking rows: %(done)s of %(total)s")
                    % {"done": f"{done:,}", "total": f"{total:,}"},
                )
                if early and not self.problems:
                    made += write([row for row in chunk if self.is_new(row)])
        if not self.stopped:
            self.after_rows()
        return made

    def new_count(self) -> int:
        """How many rows name a record that does not exist yet: the rows written as new
        if no row has a problem."""
        ids = self.texts["external_id"]
        return len(
            {key for key in zip(self.row_centers, ids, strict=True) if key[1]} - set(self.existing)
        )

    def column_cells(self, key, rows) -> list:
        header = self.spec.columns[key]
        return [values.get(header) for _number, values in rows]

    def checked_chunks(self) -> Iterator[list[Row]]:
        """The rows with an ID, checked, ``CHECK_CHUNK`` rows of the file at a time. Runs
        no query (it may run on a helper thread, see ``check``); problems go to
        ``self.problems``."""
        keys = list(self.spec.columns)
        required = self.spec.required
        seen: dict[tuple, int] = {}
        rows = self.table.rows
        for start in range(0, len(rows), CHECK_CHUNK):
            end = start + CHECK_CHUNK
            part = rows[start:end]
            cell_columns = [
                self.cells[key][start:end] if key in self.cells else self.column_cells(key, part)
                for key in keys
            ]
            text_columns = [
                self.texts[key][start:end] if key in self.texts else texts(cells)
                for key, cells in zip(keys, cell_columns, strict=True)
            ]
            chunk: list[Row] = []
            for (number, _values), row_center, row_cells, row_words in zip(
                part,
                self.row_centers[start:end],
                zip(*cell_columns, strict=True),
                zip(*text_columns, strict=True),
                strict=True,
            ):
                if len(self.problems) >= MAX_PROBLEMS:
                    message = _(
                        "Checking stopped at this row after %(count)s problems; "
                        "fix them and try again."
                    ) % {"count": len(self.problems)}
                    self.problems.append(Problem(number, "", message))
                    self.stopped = True
                    break
                cells = dict(zip(keys, row_cells, strict=True))
                words = dict(zip(keys, row_words, strict=True))
                for key in required:
                    if not words[key]:
                        self.problem(number, key, _("This field is required."))
                external_id = self.check_id(number, words["external_id"], row_center, seen)
                row = self.check_row(number, cells, words, external_id)
                if external_id:
                    self.rows.append(row)
                    chunk.append(row)
            if chunk:
                yield chunk
            if self.stopped:
                return

    # Lookups shared by every kind -------------------------------------------------
    def load_common(self):
        self.centers = {key: c.pk for key, c in center_lookup_table().items()}
        self.editable_centers = set(
            centers_editable_for(self.user, self.model).values_list("pk", flat=True)
        )
        # Each row's center as named (None when unknown): its ID is one of that center's.
        self.row_centers = [self.centers.get(word) for word in self.texts["center"]]
        ids = self.texts["external_id"]
        # The current values of the records the file names, to skip unchanged rows: only
        # in the centers the user may import for, so another center's IDs are never seen.
        self.existing: dict[tuple[int, str], int] = {}
        self.current: dict[int, tuple] = {}
        at = self.fields.index(self.center_field)
        in_scope = self.model._default_manager.filter(
            **{f"{self.center_field}__in": self.editable_centers}
        )
        for pk, *values in pairs(in_scope, "external_id", ids, "pk", *self.fields):
            self.existing[values[at], values[0]] = pk
            self.current[pk] = tuple(values)
        self.changeable = {
            pk
            for (pk,) in pairs(
                self.model.objects.for_user(self.user, CHANGE), "pk", self.current, "pk"
            )
        }
        # Their many-to-many rows: {field: {owner pk: {target pk: through pk}}}.
        self.current_m2m = {}
        for name in self.m2m_names():
            m2m = self.model._meta.get_field(name)
            owner_column = m2m.m2m_column_name()
            by_owner: dict[int, dict[int, int]] = {}
            for pk, owner, target in pairs(
                m2m.remote_field.through.objects.all(),
                owner_column,
                self.current,
                "pk",
                owner_column,
                m2m.m2m_reverse_name(),
            ):
                by_owner.setdefault(owner, {})[target] = pk
            self.current_m2m[name] = by_owner

    def m2m_names(self) -> list[str]:
        return [f.name for f in self.model._meta.many_to_many]

    def check_id(self, number, external_id, center, seen) -> str:
        if not external_id:
            return ""
        if len(external_id) > 40:
            self.problem(
                number,
                "external_id",
                _("Longer than %(limit)s characters (%(length)s).")
                % {"limit": 40, "length": len(external_id)},
            )
            return ""
        if (center, external_id) in seen:
            self.problem(
                number,
                "external_id",
                _("ID %(value)s appears twice in the file (also on row %(row)s).")
                % {"value": external_id, "row": seen[center, external_id]},
            )
            return ""
        seen[center, external_id] = number
        pk = self.existing.get((center, external_id))
        if pk is not None and pk not in self.changeable:
            self.problem(
                number, "external_id", _("This ID belongs to a record outside your scope.")
            )
            return ""
        return external_id

    def center(self, number, word, key="center"):
        if not word:
            return None
        pk = self.centers.get(word)
        if pk is None:
            self.problem(number, key, _("Unknown center “%(value)s”.") % {"value": word})
            return None
        if pk not in self.editable_centers:
            self.problem(number, key, _("You cannot import records of this center."))
            return None
        return pk

    # Hooks ----------------------------------------------------------------------
    def load(self):
        pass

    def check_row(self, number, cells, texts, external_id) -> Row:
        raise NotImplementedError

    def after_rows(self):
        pass

    def count_new(self, pks: list[int]):
        """Count the new records (``pks``) into whatever summarises them; bulk writes
        send no signals."""

    def refresh_summaries(self, written: list[tuple[int, "Row"]], changed: list[int]):
        """Recount the indicator summaries that the changed rows (``changed``: the pks
        of ``written`` that existed before) may change; bulk writes send no signals."""

    def existing_pk(self, row: Row) -> int | None:
        """The record a checked row updates (None: a new record)."""
        return self.existing.get((row.values.get(self.center_field), row.external_id))

    def old_values(self, pk, *names) -> tuple:
        return tuple(self.current[pk][self.fields.index(name)] for name in names)

    # Writing --------------------------------------------------------------------
    def is_new(self, row: Row) -> bool:
        return row.target is None and self.existing_pk(row) is None

    def write(self, result: ImportResult, made: list[tuple[int, Row]]):
        """Write the checked rows, in the caller's transaction: ``made`` (pk, row) were
        written while checking (then every new row was); the others are created, updated
        or skipped as unchanged."""
        fields = self.fields
        creates: list[Row] = []
        changes: list[tuple[int, Row, list[str]]] = []
        written = {id(row) for _pk, row in made}  # by identity: cheaper than is_new again
        for row in self.rows:
            if id(row) in written:
                continue
            if row.target is not None:
                pk = row.target.pk
                current = {name: getattr(row.target, name) for name in row.values}
            else:
                pk = self.existing_pk(row)
                if pk is None:
                    creates.append(row)
                    continue
                current = dict(zip(fields, self.current[pk], strict=True))
            changed = [name for name, value in row.values.items() if current[name] != value]
            if changed or any(
                set(self.current_m2m[name].get(pk, ())) != set(targets)
                for name, targets in row.m2m.items()
            ):
                changes.append((pk, row, changed))
            else:
                result.unchanged += 1
        result.created, result.updated = len(made) + len(creates), len(changes)
        if made:  # their records and history are written: their other rows and counts
            started = time.perf_counter()
            if self.m2m_names():
                self.write_m2m(made, self.stamp)
            self.count_new([pk for pk, _row in made])
            self.timings["summaries of the rows written while checking"] = (
                time.perf_counter() - started
            )
        if self.dry_run or (not creates and not changes):
            return
        self.write_rows(creates, changes, self.stamp)

    def write_rows(self, creates: list[Row], changes: list[tuple[int, Row, list[str]]], stamp):
        model = self.model
        started = time.perf_counter()
        with transaction.atomic():
            made: list[tuple[object, Row]] = []
            if creates and self.copy:
                made = self.copy_new(creates, stamp)
            elif creates:
                make = builder(model)
                saved = bulk_create_with_history(
                    [make(row.values) for row in creates],
                    model,
                    batch_size=BATCH_SIZE,
                    default_user=self.user,
                    default_date=stamp,
                    default_change_reason=self.change_reason,
                )
                key = self.center_field
                by_id = {(getattr(obj, key), obj.external_id): obj for obj in saved}
                made = [(by_id[row.values[key], row.external_id].pk, row) for row in creates]
            if changes:
                targets = {row.target.pk: row.target for _pk, row, _c in changes if row.target}
                objects = {
                    obj.pk: obj
                    for obj in objects_of(
                        model._default_manager.all(),
                        "pk",
                        [pk for pk, row, _c in changes if not row.target],
                    )
                }
                objects.update(targets)
                changed_fields = set()
                # bulk_update does not apply auto_now: the API's updated_since reads it.
                touched = ["updated_at"] if _has_field(model, "updated_at") else []
                for pk, row, changed in changes:
                    obj = objects[pk]
                    keep_untracked(obj)
                    for name in changed:
                        setattr(obj, name, row.values[name])
                    for name in touched:
                        setattr(obj, name, stamp)
                    changed_fields.update(changed, touched)
                bulk_update_with_history(
                    [objects[pk] for pk, _row, _c in changes],
                    model,
                    sorted(changed_fields),
                    batch_size=BATCH_SIZE,
                    default_user=self.user,
                    default_date=stamp,
                    default_change_reason=self.change_reason,
                )
            written = made + [(pk, row) for pk, row, _c in changes]
            if self.m2m_names():
                self.write_m2m(written, stamp)
            counted = time.perf_counter()
            self.timings["records"] = counted - started
            self.progress(0.85, _("Updating the indicator summaries…"))
            # New records are counted into the indicator summaries, changed ones recounted.
            self.count_new([pk for pk, _row in made])
            self.refresh_summaries(written, [pk for pk, _row, _c in changes])
            committing = time.perf_counter()
            self.timings["summaries"] = committing - counted
            self.progress(0.95, _("Committing…"))
        self.timings["commit"] = time.perf_counter() - committing

    def copy_new(self, creates: list[Row], stamp) -> list[tuple[int, Row]]:
        """COPY the new records and write their "+" history rows: what
        bulk_create_with_history writes, with every field the row does not set at its
        default. (pk, row) pairs."""
        if not creates:
            return []
        with self.new_records(len(creates), stamp) as write:
            return write(creates)

    @contextmanager
    def new_records(self, count: int, stamp):
        """Write up to ``count`` new records with one COPY, open for the block:
        ``write(rows)`` sends them and returns their (pk, row) pairs, so a caller may
        send them a chunk at a time as it checks them (``check``) and the database never
        waits for Python between chunks. Their ids are reserved first; their history
        rows are made from them in the database at the end (``insert_history``)."""
        model = self.model
        fields = model._meta.concrete_fields
        names = [f.attname for f in fields]
        defaults = {f.attname: _insert_default(f, stamp) for f in fields}
        values_of = operator.itemgetter(*names)
        pk_name = model._meta.pk.attname
        ids = reserve_ids(model, count)
        made: list[tuple[int, Row]] = []
        with copy_into(model, [f.column for f in fields]) as send:

            def write(rows: list[Row]) -> list[tuple[int, Row]]:
                if len(made) + len(rows) > len(ids):
                    raise RuntimeError("More new records than the ids reserved for them.")
                written = list(zip(ids[len(made) :], rows, strict=False))
                send(values_of({**defaults, **row.values, pk_name: pk}) for pk, row in written)
                made.extend(written)
                return written

            yield write
        if made and not self.problems:  # with a problem everything is rolled back
            self.insert_history([pk for pk, _row in made], stamp)

    def insert_history(self, ids: list[int], stamp) -> None:
        """The "+" history rows of the new records ``ids`` (PostgreSQL), copied from
        them by the database in the order of their ids."""
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        model, history = self.model, self.model.history.model
        tracked, extra = _history_fields(model)
        known = {
            "history_date": stamp,
            "history_change_reason": self.change_reason,
            "history_type": "+",
            "history_user_id": self.user.pk,
        }
        by_name = {f.attname: f for f in history._meta.concrete_fields}
        values = {f"h_{name}": F(name) for name in tracked}
        values.update(
            {f"h_{name}": Value(known[name], output_field=by_name[name]) for name in extra}
        )
        # The ids are reserved in one run, so mostly a range (``with_ids``), not a list of
        # 100,000 ids to send and probe one by one.
        source = with_ids(model._base_manager.all(), ids).order_by("pk").values(**values)
        insert_from(
            history, dict(zip(_columns(history, tracked + extra), values, strict=True)), source
        )

    def insert(self, model, attnames, rows, *, returning=True) -> list[int]:
        """Insert ``rows`` (tuples of values for ``attnames``) into ``model``'s table, by
        COPY on PostgreSQL and bulk_create elsewhere; with ``returning``, their new pks."""
        if not rows:
            return []
        if self.copy and not returning:  # the database numbers them
            copy_rows(model, _columns(model, attnames), rows)
            return []
        if self.copy:
            ids = reserve_ids(model, len(rows))
            columns = _columns(model, [model._meta.pk.attname, *attnames])
            copy_rows(model, columns, [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
            return ids
        make = builder(model)
        objects = model._default_manager.bulk_create(
            [make(dict(zip(attnames, row, strict=True))) for row in rows], batch_size=BATCH_SIZE
        )
        return [obj.pk for obj in objects] if returning else []

    def write_m2m(self, written: list[tuple[int, Row]], stamp):
        """Set the many-to-many rows, then store them with each new history record
        (simple_history keeps them with every record; its bulk helpers do not)."""
        final: dict[str, dict[int, list[tuple[int, int]]]] = {}  # field -> owner -> [(row, target)]
        for name in self.m2m_names():
            m2m = self.model._meta.get_field(name)
            through = m2m.remote_field.through
            owner_column, target_column = m2m.m2m_column_name(), m2m.m2m_reverse_name()
            current = self.current_m2m[name]
            new_pairs, stale, rows_of = [], [], {}
            for pk, row in written:
                have = current.get(pk, {})
                wanted = row.m2m.get(name)
                if not have and not wanted:  # most rows: nothing to set, keep or store
                    continue
                if wanted is None:  # a linked client: its many-to-many rows stay
                    rows_of[pk] = [(through_pk, target) for target, through_pk in have.items()]
                    continue
                rows_of[pk] = [(have[t], t) for t in wanted if t in have]
                stale.extend(through_pk for t, through_pk in have.items() if t not in wanted)
                new_pairs.extend((pk, t) for t in wanted if t not in have)
            for qs in filter_one_of(through.objects.all(), "pk", stale):
                qs.delete()
            through_pks = self.insert(through, (owner_column, target_column), new_pairs)
            for through_pk, (owner, target) in zip(through_pks, new_pairs, strict=True):
                rows_of[owner].append((through_pk, target))
            final[name] = rows_of

        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        if not any(pairs for rows_of in final.values() for pairs in rows_of.values()):
            return
        owners = {owner for rows_of in final.values() for owner in rows_of}
        mine = self.model.history.filter(history_date=stamp, history_user_id=self.user.pk)
        history_ids = dict(pairs(mine, "id", owners, "id", "history_id"))
        for name, rows_of in final.items():
            m2m = self.model._meta.get_field(name)
            owner_column, target_column = m2m.m2m_column_name(), m2m.m2m_reverse_name()
            self.insert(
                HistoricalRecords.m2m_models[m2m],
                ("id", owner_column, target_column, "history_id"),
                [
                    (through_pk, owner, target, history_ids[owner])
                    for owner, pairs in rows_of.items()
                    if owner in history_ids
                    for through_pk, target in pairs
                ],
                returning=False,
            )


def runner(importer_class):
    """The ``Kind.run`` of a record importer class."""

    def run(spec, table, *, user, stamp, dry_run, progress=None, change_reason=None, options):
        importer = importer_class(
            spec,
            table,
            user,
            link_duplicates=options.get("link_duplicates", False),
            stamp=stamp,
            dry_run=dry_run,
        )
        importer.change_reason = change_reason
        if progress is not None:
            importer.progress = progress
        return importer.run()

    run.importer = importer_class
    return run
