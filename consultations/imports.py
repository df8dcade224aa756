"""Bulk import of consultation records: clients, cases, sessions and network activities.

The files come from the centers' own systems as .xlsx or CSV with the Japanese
headers of ``KINDS`` (documented in docs/import-format.md). The source system's
IDs are the key (``external_id`` on every model), so importing the same file
twice changes nothing and a changed row updates its record.

Every row is checked first and every problem reported by row and column;
nothing is written unless the whole file is valid. The check loads every lookup
it needs up front (a handful of queries whatever the file's size), validates in
plain Python, then writes in one transaction, unchanged rows skipped: new rows
with COPY on PostgreSQL (``copy_rows``) and ``bulk_create`` elsewhere, changed
rows with ``bulk_update``. The audit trail is kept with simple_history's bulk
helpers (or, for new rows on PostgreSQL, the same history rows by COPY), and the
many-to-many snapshots it stores with each history record are written in bulk
here too. If the write fails nothing is saved and the result says so.
"""

import datetime
import logging
import operator
import re
import time
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction
from django.db.models import DateField, DateTimeField, TimeField
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.lookups import filter_one_of as _filter_one_of
from core.scoping import CHANGE, centers_editable_for
from core.tabular import Problem, Table, parse_date, split_list, text, texts
from organizations.models import Center, Person, Prefecture, SupportInstitution
from organizations.roster import center_lookup_table

from . import summaries
from .models import (
    Case,
    CaseStatus,
    Client,
    ClientForm,
    Consultation,
    Industry,
    Mode,
    NetworkActivity,
    NetworkKind,
    PriorityField,
    ResolutionKind,
    Topic,
    case_errors,
    normalize_name,
    normalize_phone,
    validate_corporate_number,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
# At most this many problems are collected; a file broken in every row says so quickly.
MAX_PROBLEMS = 5000


# --- Choice words -----------------------------------------------------------------


class _Table(dict):
    """A constant lookup table that hashes by identity, so that the cells parsed with it
    can be memoised (``_Importer.parse``)."""

    __hash__ = object.__hash__


CLIENT_FORM_WORDS = _Table(
    {
        ClientForm.CORPORATION: ["法人"],
        ClientForm.SOLE_PROPRIETOR: ["個人事業主", "個人"],
        ClientForm.PROSPECTIVE_FOUNDER: ["創業予定", "創業予定者"],
    }
)
STATUS_WORDS = _Table(
    {
        CaseStatus.OPEN: ["対応中"],
        CaseStatus.SOLVED: ["解決"],
        CaseStatus.CLOSED: ["終了"],
    }
)
RESOLUTION_WORDS = _Table(
    {
        ResolutionKind.SALES_UP: ["売上増加"],
        ResolutionKind.FINANCING: ["資金調達"],
        ResolutionKind.FOUNDED: ["創業実現"],
        ResolutionKind.SUCCESSION: ["事業承継実現"],
        ResolutionKind.COST_DOWN: ["コスト削減"],
        ResolutionKind.OTHER: ["その他"],
    }
)
MODE_WORDS = _Table(
    {
        Mode.VISIT: ["来訪"],
        Mode.OUTREACH: ["出張・サテライト", "出張", "サテライト"],
        Mode.PHONE: ["電話"],
        Mode.ONLINE: ["オンライン"],
        Mode.EMAIL: ["メール"],
    }
)
NETWORK_KIND_WORDS = _Table(
    {
        NetworkKind.MEETING: ["訪問・連携会議"],
        NetworkKind.SEMINAR: ["共催セミナー"],
        NetworkKind.OUTREACH: ["出張相談会"],
        NetworkKind.PUBLICITY: ["広報依頼"],
        NetworkKind.REFERRAL: ["紹介・取次"],
    }
)
YES_WORDS = ["有", "はい", "1", "true", "yes", "あり"]
NO_WORDS = ["無", "いいえ", "0", "false", "no", "なし"]

# 日本標準産業分類 (JSIC) major divisions, Japanese names.
JSIC_NAMES = {
    "A": "農業，林業",
    "B": "漁業",
    "C": "鉱業，採石業，砂利採取業",
    "D": "建設業",
    "E": "製造業",
    "F": "電気・ガス・熱供給・水道業",
    "G": "情報通信業",
    "H": "運輸業，郵便業",
    "I": "卸売業，小売業",
    "J": "金融業，保険業",
    "K": "不動産業，物品賃貸業",
    "L": "学術研究，専門・技術サービス業",
    "M": "宿泊業，飲食サービス業",
    "N": "生活関連サービス業，娯楽業",
    "O": "教育，学習支援業",
    "P": "医療，福祉",
    "Q": "複合サービス事業",
    "R": "サービス業（他に分類されないもの）",
    "S": "公務（他に分類されるものを除く）",
    "T": "分類不能の産業",
}


def _word_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold().replace(" ", "")


def _word_map(words: dict) -> dict[str, str]:
    """Every accepted spelling (Japanese label or internal code), normalised, to the code."""
    table = _Table()
    for code, labels in words.items():
        for word in [str(code), *labels]:
            table[_word_key(word)] = str(code)
    return table


def _name_key(value: str) -> str:
    return re.sub(r"[\s,、・()]", "", unicodedata.normalize("NFKC", value))


CLIENT_FORMS = _word_map(CLIENT_FORM_WORDS)
STATUSES = _word_map(STATUS_WORDS)
RESOLUTIONS = _word_map(RESOLUTION_WORDS)
MODES = _word_map(MODE_WORDS)
NETWORK_KINDS = _word_map(NETWORK_KIND_WORDS)
CONSENT = {_word_key(w): True for w in YES_WORDS} | {_word_key(w): False for w in NO_WORDS}
INDUSTRY_BY_NAME = {_name_key(name): letter for letter, name in JSIC_NAMES.items()}
INDUSTRY_LETTERS = frozenset(Industry.values)


def _choice_list(words: dict) -> str:
    return "、".join(labels[0] for labels in words.values())


# --- The kinds of file --------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of import file: its Japanese headers and where its records are listed."""

    key: str
    title: str  # the Japanese name, used as the template's sheet name
    label: object  # lazy translation
    model: type
    columns: dict  # field key -> Japanese header, in file order
    required: tuple  # field keys whose cell must not be empty
    list_url: str

    @property
    def headers(self) -> list[str]:
        return list(self.columns.values())

    @property
    def id_key(self) -> str:
        return next(iter(self.columns))


KINDS = {
    "clients": Kind(
        key="clients",
        title="相談者",
        label=gettext_lazy("Clients (相談者)"),
        model=Client,
        columns={
            "external_id": "相談者ID",
            "center": "拠点",
            "business_name": "事業者名",
            "corporate_number": "法人番号",
            "form": "形態",
            "industry": "業種",
            "employees": "従業員数",
            "capital": "資本金",
            "prefecture": "都道府県",
            "municipality": "市区町村",
            "phone": "電話",
            "email": "メール",
            "survey_consent": "調査同意",
        },
        required=("external_id", "center", "business_name", "form"),
        list_url="consultations:client_list",
    ),
    "cases": Kind(
        key="cases",
        title="課題",
        label=gettext_lazy("Cases (課題)"),
        model=Case,
        columns={
            "external_id": "課題ID",
            "client": "相談者ID",
            "center": "拠点",
            "topics": "相談分野",
            "priority_fields": "重点分野",
            "opened_on": "開始日",
            "status": "状態",
            "resolved_on": "解決日",
            "resolution_kind": "解決区分",
            "evidence": "成果",
        },
        required=("external_id", "client", "center", "opened_on"),
        list_url="consultations:case_list",
    ),
    "sessions": Kind(
        key="sessions",
        title="相談対応",
        label=gettext_lazy("Consultation sessions (相談対応)"),
        model=Consultation,
        columns={
            "external_id": "対応ID",
            "center": "拠点",
            "client": "相談者ID",
            "case": "課題ID",
            "date": "対応日",
            "start_time": "開始時刻",
            "minutes": "時間(分)",
            "mode": "対応方法",
            "staff": "担当者",
            "summary": "概要",
        },
        required=("external_id", "center", "client", "date", "mode"),
        list_url="consultations:consultation_list",
    ),
    "network": Kind(
        key="network",
        title="ネットワーク活動",
        label=gettext_lazy("Network activities (ネットワーク活動)"),
        model=NetworkActivity,
        columns={
            "external_id": "活動ID",
            "center": "拠点",
            "date": "実施日",
            "institutions": "連携機関",
            "kind": "区分",
            "description": "内容",
            "staff": "担当者",
        },
        required=("external_id", "center", "date", "institutions", "kind"),
        list_url="consultations:activity_list",
    ),
}


@dataclass
class ImportResult:
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def import_records(
    kind: str,
    table: Table,
    *,
    user,
    link_duplicates: bool = False,
    progress=None,
    change_reason: str | None = None,
) -> ImportResult:
    """Check every row of ``table``; if all are valid write them in one transaction.

    ``link_duplicates``: a new client row that looks like an existing client (same
    corporate number, or same name and phone) takes over that client (only its
    client ID is set) instead of creating a second one. Without it the client is
    created and the likeness reported in ``warnings``.

    ``progress(fraction, stage)``, when given, is told how far the check and the write
    are (a job shows it: ``core.import_jobs``).

    ``change_reason`` is stored with every history row written (the API names its token).
    """
    try:
        spec = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}") from None
    if table.problems:  # cells that could not be read (formulas): nothing to check yet
        return ImportResult(problems=list(table.problems))
    importer = IMPORTERS[kind](spec, table, user, link_duplicates=link_duplicates)
    importer.change_reason = change_reason
    if progress is not None:
        importer.progress = progress
    return importer.run()


# --- Cell parsers: raise ValueError with the message for the user ---------------------
# ``raw`` is the cell as read (xlsx cells may be numbers or dates), ``txt`` its NFKC text.


def _raw_text(value) -> str:
    """Free text as written, trimmed; codes and names go through NFKC (``text``) instead."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _integer(raw, txt: str, low: int, high: int) -> int:
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


def _time(raw, txt: str) -> datetime.time:
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


def _date(raw, txt: str) -> datetime.date:
    try:
        return parse_date(raw if isinstance(raw, datetime.date) else txt)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date (use 2025-04-01 or 2025/4/1).") % {"value": txt}
        ) from None


def _choice(txt: str, table: dict, words: dict) -> str:
    code = table.get(_word_key(txt))
    if code is None:
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": txt, "choices": _choice_list(words)}
        )
    return code


def _industry(txt: str) -> str:
    letter, after = txt[:1].upper(), txt[1:2]
    if letter in INDUSTRY_LETTERS and not (after.isascii() and after.isalpha()):
        rest = txt[1:].strip(" :.-")
        named = INDUSTRY_BY_NAME.get(_name_key(rest))
        if named and named != letter:
            raise ValueError(
                _("The JSIC letter %(letter)s does not match the name “%(name)s”.")
                % {"letter": letter, "name": rest}
            )
        return letter
    named = INDUSTRY_BY_NAME.get(_name_key(txt))
    if named:
        return named
    raise ValueError(
        _(
            "“%(value)s” is not a JSIC division: use its letter A–T, optionally followed by its name."
        )
        % {"value": txt}
    )


def _consent(txt: str) -> bool:
    if not txt:
        return False
    answer = CONSENT.get(_word_key(txt))
    if answer is None:
        raise ValueError(_("“%(value)s” is not yes or no (use 有 or 無).") % {"value": txt})
    return answer


def _max_length(value: str, model, name: str) -> str:
    limit = model._meta.get_field(name).max_length
    if limit and len(value) > limit:
        raise ValueError(
            _("Longer than %(limit)s characters (%(length)s).")
            % {"limit": limit, "length": len(value)}
        )
    return value


def _pairs(queryset, lookup: str, values, *fields) -> list[tuple]:
    """``values_list(*fields)`` of the rows of ``queryset`` whose ``lookup`` is in ``values``,
    unordered: sorting the model's default order costs a lookup of 100,000 IDs a tenth."""
    return [
        row
        for qs in _filter_one_of(queryset.order_by(), lookup, values)
        for row in qs.values_list(*fields)
    ]


def _by_id(rows) -> dict[str, list[tuple]]:
    """(external ID, center, *values) rows as {external ID: [(center, *values), …]}."""
    found: dict[str, list[tuple]] = {}
    for external_id, *values in rows:
        found.setdefault(external_id, []).append(tuple(values))
    return found


def _one_of(candidates: list[tuple], center) -> tuple | None:
    """The values of the record an ID names from a row of ``center``: the center's own
    record with that ID, else the only one the user sees (a client the center serves)."""
    for candidate in candidates:
        if candidate[0] == center:
            return candidate[1:]
    if len(candidates) == 1:
        return candidates[0][1:]
    return None


def _objects(queryset, lookup: str, values) -> list:
    return [obj for qs in _filter_one_of(queryset, lookup, values) for obj in qs]


def _builder(model):
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
# first, so the history and many-to-many rows can point at them. The values are the
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


def copy_rows(model, columns, rows) -> None:
    """Write ``rows`` (tuples of values in the order of the column names ``columns``)
    into ``model``'s table with COPY; errors are raised as Django's database errors."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with (
        connection.cursor() as cursor,  # Django's wrapper; .cursor is psycopg's own
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _columns(model, attnames) -> list[str]:
    column = {f.attname: f.column for f in model._meta.concrete_fields}
    return [column[name] for name in attnames]


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _insert_default(field, stamp):
    """What bulk_create writes into ``field`` when the row does not set it: the
    default (evaluated once, as in ``_builder``) or, for auto_now(_add), the batch's time."""
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


@dataclass
class _Row:
    number: int
    external_id: str
    values: dict  # attname -> value: the fields this import writes
    m2m: dict = field(default_factory=dict)  # m2m field name -> ordered target pks
    target: object = None  # an existing client this row is linked to


class _Importer:
    """Checks and writes one file; a subclass per kind knows its columns."""

    # The model fields a row sets, in the order check_row builds them.
    fields: tuple[str, ...] = ()
    # The field holding the center whose IDs the record's ID is one of.
    center_field = "center_id"
    # Stored with the history rows written (import_records' change_reason).
    change_reason: str | None = None

    def __init__(self, spec: Kind, table: Table, user, *, link_duplicates=False):
        self.spec = spec
        self.model = spec.model
        self.table = table
        self.user = user
        self.link_duplicates = link_duplicates
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.rows: list[_Row] = []
        self.timings: dict[str, float] = {}  # parts of the write, for the log
        self.parsed: dict = {}  # parse(): (column, parser, cell) -> (ok, value or message)
        self.staff_words: dict = {}  # staff(): cell text -> (pks, unknown codes)
        # Every cell as read and as text, column by column, in the order of the rows.
        self.cells = {
            key: [values.get(header) for _number, values in table.rows]
            for key, header in spec.columns.items()
        }
        self.texts = {key: texts(column) for key, column in self.cells.items()}

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
        keys = list(self.spec.columns)
        required = self.spec.required
        seen: dict[tuple, int] = {}
        total = len(self.table.rows)
        self.progress(0.0, _("Checking rows…"))
        for index, (number, row_center, row_cells, row_texts) in enumerate(
            zip(
                [number for number, _values in self.table.rows],
                self.row_centers,
                zip(*(self.cells[key] for key in keys), strict=True),
                zip(*(self.texts[key] for key in keys), strict=True),
                strict=True,
            )
        ):
            if index % 10000 == 0 and index:
                self.progress(
                    0.6 * index / total,
                    _("Checking rows: %(done)s of %(total)s")
                    % {"done": f"{index:,}", "total": f"{total:,}"},
                )
            if len(self.problems) >= MAX_PROBLEMS:
                message = _(
                    "Checking stopped at this row after %(count)s problems; fix them and try again."
                ) % {"count": f"{len(self.problems):,}"}
                self.problems.append(Problem(number, "", message))
                return ImportResult(problems=self.problems, warnings=self.warnings)
            cells = dict(zip(keys, row_cells, strict=True))
            texts = dict(zip(keys, row_texts, strict=True))
            for key in required:
                if not texts[key]:
                    self.problem(number, key, _("This field is required."))
            external_id = self.check_id(number, texts["external_id"], row_center, seen)
            row = self.check_row(number, cells, texts, external_id)
            if external_id:
                self.rows.append(row)
        self.after_rows()
        checked = time.perf_counter()
        result = ImportResult(problems=self.problems, warnings=self.warnings)
        if result.ok:
            self.progress(0.6, _("Saving the records…"))
            self.write(result)
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
        for pk, *values in _pairs(in_scope, "external_id", ids, "pk", *self.fields):
            self.existing[values[at], values[0]] = pk
            self.current[pk] = tuple(values)
        self.changeable = {
            pk
            for (pk,) in _pairs(
                self.model.objects.for_user(self.user, CHANGE), "pk", self.current, "pk"
            )
        }
        # Their many-to-many rows: {field: {owner pk: {target pk: through pk}}}.
        self.current_m2m = {}
        for name in self.m2m_names():
            m2m = self.model._meta.get_field(name)
            owner_column = m2m.m2m_column_name()
            by_owner: dict[int, dict[int, int]] = {}
            for pk, owner, target in _pairs(
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

    # References resolve among the records the user may see, as the forms' choices do:
    # naming another center's ID gets the same answer as naming no record at all.
    def load_persons(self):
        codes = {code for value in set(self.texts["staff"]) for code in split_list(value)}
        self.persons = dict(
            _pairs(Person.objects.for_user(self.user), "staff_code", codes, "staff_code", "pk")
        )

    def staff(self, number, word, key="staff") -> list[int]:
        if not word:
            return []
        found = self.staff_words.get(word)
        if found is None:
            pks, unknown = [], []
            for code in split_list(word):
                pk = self.persons.get(code)
                if pk is None:
                    unknown.append(code)
                elif pk not in pks:
                    pks.append(pk)
            found = self.staff_words[word] = (pks, unknown)
        pks, unknown = found
        for code in unknown:
            self.problem(number, key, _("Unknown staff code “%(value)s”.") % {"value": code})
        return list(pks)

    def load_clients(self):
        ids = set(self.texts["client"]) - {""}
        visible = Client.objects.for_user(self.user)
        self.clients = _by_id(
            _pairs(visible, "external_id", ids, "external_id", "home_center_id", "pk")
        )

    def client(self, number, external_id, center):
        if not external_id:
            return None
        found = _one_of(self.clients.get(external_id, []), center)
        if found is None:
            self.problem(
                number,
                "client",
                _("Unknown client ID “%(value)s”: import the client first.")
                % {"value": external_id},
            )
            return None
        return found[0]

    # Hooks ----------------------------------------------------------------------
    def load(self):
        pass

    def check_row(self, number, cells, texts, external_id) -> _Row:
        raise NotImplementedError

    def after_rows(self):
        pass

    def refresh_summaries(self, written: list[tuple[int, "_Row"]], changed: list[int]):
        """Recount the indicator summaries that the changed rows (``changed``: the pks
        of ``written`` that existed before) may change; bulk writes send no signals."""

    def existing_pk(self, row: _Row) -> int | None:
        """The record a checked row updates (None: a new record)."""
        return self.existing.get((row.values.get(self.center_field), row.external_id))

    def old_values(self, pk, *names) -> tuple:
        return tuple(self.current[pk][self.fields.index(name)] for name in names)

    # Writing --------------------------------------------------------------------
    def write(self, result: ImportResult):
        model = self.model
        fields = self.fields
        stamp = timezone.now()
        creates: list[_Row] = []
        changes: list[tuple[int, _Row, list[str]]] = []
        for row in self.rows:
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
        result.created, result.updated = len(creates), len(changes)
        if not creates and not changes:
            return
        history = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        self.copy = copy_available() and (not history or _history_fields(model) is not None)
        try:
            self.write_rows(creates, changes, stamp)
        except DatabaseError:
            # Everything was rolled back: e.g. another import saved the same IDs meanwhile.
            logger.exception("import %s: the write failed, nothing was saved", self.spec.key)
            result.created = result.updated = result.unchanged = 0
            result.problems.append(
                Problem(
                    0, "", _("The error has been logged. Nothing was saved by the failed request.")
                )
            )

    def write_rows(self, creates: list[_Row], changes: list[tuple[int, _Row, list[str]]], stamp):
        model = self.model
        started = time.perf_counter()
        with transaction.atomic():
            made: list[tuple[object, _Row]] = []
            if creates and self.copy:
                made = self.copy_new(creates, stamp)
            elif creates:
                make = _builder(model)
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
                    for obj in _objects(
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
            summaries.add(model, [pk for pk, _row in made])
            self.refresh_summaries(written, [pk for pk, _row, _c in changes])
            committing = time.perf_counter()
            self.timings["summaries"] = committing - counted
            self.progress(0.95, _("Committing…"))
        self.timings["commit"] = time.perf_counter() - committing

    def copy_new(self, creates: list[_Row], stamp) -> list[tuple[int, _Row]]:
        """COPY the new records and their "+" history rows: what bulk_create_with_history
        writes, with every field the row does not set at its default. (pk, row) pairs."""
        model = self.model
        fields = model._meta.concrete_fields
        names = [f.attname for f in fields]
        defaults = {f.attname: _insert_default(f, stamp) for f in fields}
        ids = reserve_ids(model, len(creates))
        values_of = operator.itemgetter(*names)
        pk_name = model._meta.pk.attname
        records = [
            values_of({**defaults, **row.values, pk_name: pk})
            for pk, row in zip(ids, creates, strict=True)
        ]
        copy_rows(model, [f.column for f in fields], records)
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            history = model.history.model
            tracked, extra = _history_fields(model)
            record_part = operator.itemgetter(*(names.index(name) for name in tracked))
            known = {
                "history_date": stamp,
                "history_change_reason": self.change_reason,
                "history_type": "+",
                "history_user_id": self.user.pk,
            }
            extra_part = tuple(known[name] for name in extra)
            copy_rows(
                history,
                _columns(history, tracked + extra),
                (record_part(record) + extra_part for record in records),
            )
        return list(zip(ids, creates, strict=True))

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
        make = _builder(model)
        objects = model._default_manager.bulk_create(
            [make(dict(zip(attnames, row, strict=True))) for row in rows], batch_size=BATCH_SIZE
        )
        return [obj.pk for obj in objects] if returning else []

    def write_m2m(self, written: list[tuple[int, _Row]], stamp):
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
                if wanted is None:  # a linked client: its many-to-many rows stay
                    rows_of[pk] = [(through_pk, target) for target, through_pk in have.items()]
                    continue
                rows_of[pk] = [(have[t], t) for t in wanted if t in have]
                stale.extend(through_pk for t, through_pk in have.items() if t not in wanted)
                new_pairs.extend((pk, t) for t in wanted if t not in have)
            for qs in _filter_one_of(through.objects.all(), "pk", stale):
                qs.delete()
            through_pks = self.insert(through, (owner_column, target_column), new_pairs)
            for through_pk, (owner, target) in zip(through_pks, new_pairs, strict=True):
                rows_of[owner].append((through_pk, target))
            final[name] = rows_of

        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        if not any(pairs for rows_of in final.values() for pairs in rows_of.values()):
            return
        history_ids = dict(
            self.model.history.filter(history_date=stamp, history_user_id=self.user.pk).values_list(
                "id", "history_id"
            )
        )
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


class _ClientImporter(_Importer):
    center_field = "home_center_id"
    fields = (
        "external_id",
        "home_center_id",
        "business_name",
        "name_key",
        "corporate_number",
        "form",
        "industry",
        "employees",
        "capital",
        "prefecture_id",
        "municipality",
        "phone",
        "phone_key",
        "email",
        "survey_consent",
    )

    def load(self):
        self.prefectures = {}
        for prefecture in Prefecture.objects.all():
            for key in (
                prefecture.code,
                prefecture.code.lstrip("0"),
                prefecture.name,
                prefecture.short_name,
            ):
                self.prefectures[key] = prefecture.pk

    def check_row(self, number, cells, texts, external_id):
        p = self.parse
        name = _raw_text(cells["business_name"])
        p(number, "business_name", _max_length, name, Client, "business_name")
        corporate_number = texts["corporate_number"].replace("-", "")
        if corporate_number:
            try:
                validate_corporate_number(corporate_number)
            except ValidationError as exc:
                self.problem(number, "corporate_number", exc.messages[0])
        form = ""
        if texts["form"]:
            form = p(number, "form", _choice, texts["form"], CLIENT_FORMS, CLIENT_FORM_WORDS)
        industry = p(number, "industry", _industry, texts["industry"]) if texts["industry"] else ""
        employees = capital = None
        if texts["employees"]:
            employees = p(
                number, "employees", _integer, cells["employees"], texts["employees"], 0, 10**9
            )
        if texts["capital"]:
            capital = p(number, "capital", _integer, cells["capital"], texts["capital"], 0, 10**18)
        prefecture = None
        if word := texts["prefecture"]:
            prefecture = self.prefectures.get(word)
            if prefecture is None:
                self.problem(
                    number, "prefecture", _("Unknown prefecture “%(value)s”.") % {"value": word}
                )
        municipality = _raw_text(cells["municipality"])
        p(number, "municipality", _max_length, municipality, Client, "municipality")
        phone = texts["phone"]
        p(number, "phone", _max_length, phone, Client, "phone")
        email = texts["email"]
        if email:
            try:
                validate_email(email)
                _max_length(email, Client, "email")
            except (ValidationError, ValueError):
                self.problem(
                    number, "email", _("“%(value)s” is not an email address.") % {"value": email}
                )
        consent = p(number, "survey_consent", _consent, texts["survey_consent"])
        center = self.center(number, texts["center"])
        values = {
            "external_id": external_id,
            "home_center_id": center,
            "business_name": name,
            "name_key": normalize_name(name),
            "corporate_number": corporate_number,
            "form": form or "",
            "industry": industry or "",
            "employees": employees,
            "capital": capital,
            "prefecture_id": prefecture,
            "municipality": municipality,
            "phone": phone,
            "phone_key": normalize_phone(phone),
            "email": email,
            "survey_consent": bool(consent),
        }
        return _Row(number, external_id, values)

    def after_rows(self):
        """Warn about (or, when asked, link) new clients that look like existing ones:
        the same corporate number, or the same normalised name and phone
        (``find_duplicates``), among the clients the user may change."""
        new = [row for row in self.rows if self.existing_pk(row) is None]
        if not new:
            return
        scope = Client.objects.for_user(self.user, CHANGE)
        numbers = {r.values["corporate_number"] for r in new} - {""}
        names = {
            r.values["name_key"] for r in new if r.values["name_key"] and r.values["phone_key"]
        }
        candidates = {c.pk: c for c in _objects(scope, "corporate_number", numbers)}
        candidates.update((c.pk, c) for c in _objects(scope, "name_key", names))
        by_number, by_name = {}, {}
        for client in candidates.values():
            if client.corporate_number:
                by_number.setdefault(client.corporate_number, []).append(client)
            if client.name_key and client.phone_key:
                by_name.setdefault((client.name_key, client.phone_key), []).append(client)
        updated_by = {
            self.existing_pk(r): r.number for r in self.rows if self.existing_pk(r) is not None
        }
        linked: dict[int, int] = {}
        for row in new:
            v = row.values
            matches = {}
            for client in by_number.get(v["corporate_number"], []) if v["corporate_number"] else []:
                matches[client.pk] = (client, _("same corporate number"), "corporate_number")
            for client in (
                by_name.get((v["name_key"], v["phone_key"]), []) if v["phone_key"] else []
            ):
                matches.setdefault(client.pk, (client, _("same name and phone"), "business_name"))
            if not matches:
                continue
            label = "、".join(_client_label(c) for c, _reason, _key in matches.values())
            client, reason, key = next(iter(matches.values()))
            if not self.link_duplicates:
                self.warn(
                    row.number,
                    key,
                    _(
                        "Looks like the existing client %(client)s (%(reason)s). Without "
                        "“link duplicates” it is added as a new client."
                    )
                    % {"client": label, "reason": reason},
                )
            elif len(matches) > 1:
                self.problem(
                    row.number,
                    key,
                    _(
                        "Looks like several existing clients (%(clients)s), so it cannot be "
                        "linked to one of them."
                    )
                    % {"clients": label},
                )
            elif client.home_center_id != v["home_center_id"]:
                # Its ID lives in its registering center's numbering, not this row's.
                self.problem(
                    row.number,
                    key,
                    _(
                        "Looks like the existing client %(client)s, which another center "
                        "registered, so it cannot take this center's ID."
                    )
                    % {"client": label},
                )
            elif client.pk in linked:
                self.problem(
                    row.number,
                    key,
                    _("Row %(row)s is already linked to the existing client %(client)s.")
                    % {"row": linked[client.pk], "client": label},
                )
            elif client.pk in updated_by:
                self.problem(
                    row.number,
                    key,
                    _(
                        "Looks like the existing client %(client)s, which row %(row)s updates, "
                        "so it cannot be linked to it."
                    )
                    % {"client": label, "row": updated_by[client.pk]},
                )
            else:
                linked[client.pk] = row.number
                row.target = client
                row.values = {"external_id": row.external_id}
                self.warn(
                    row.number,
                    key,
                    _(
                        "Linked to the existing client %(client)s (%(reason)s): its client ID "
                        "becomes %(id)s and nothing else is changed."
                    )
                    % {"client": label, "reason": reason, "id": row.external_id},
                )


def _client_label(client) -> str:
    return client.external_id or f"#{client.pk}"


class _CaseImporter(_Importer):
    fields = (
        "external_id",
        "client_id",
        "center_id",
        "opened_on",
        "status",
        "resolved_on",
        "resolution_kind",
        "evidence",
    )

    def load(self):
        self.load_clients()
        self.topics = {_name_key(n): pk for pk, n in Topic.objects.values_list("pk", "name")}
        self.priority_fields = {
            _name_key(n): pk for pk, n in PriorityField.objects.values_list("pk", "name")
        }

    def names(self, number, key, word, table, message) -> list[int]:
        pks = []
        for name in split_list(word):
            pk = table.get(_name_key(name))
            if pk is None:
                self.problem(number, key, message % {"value": name})
            elif pk not in pks:
                pks.append(pk)
        return pks

    def check_row(self, number, cells, texts, external_id):
        p = self.parse
        topics = self.names(
            number, "topics", texts["topics"], self.topics, _("Unknown topic “%(value)s”.")
        )
        fields = self.names(
            number,
            "priority_fields",
            texts["priority_fields"],
            self.priority_fields,
            _("Unknown priority field “%(value)s”."),
        )
        opened = resolved = None
        if texts["opened_on"]:
            opened = p(number, "opened_on", _date, cells["opened_on"], texts["opened_on"])
        if texts["resolved_on"]:
            resolved = p(number, "resolved_on", _date, cells["resolved_on"], texts["resolved_on"])
        status = CaseStatus.OPEN.value
        if texts["status"]:
            status = p(number, "status", _choice, texts["status"], STATUSES, STATUS_WORDS)
        kind = ""
        if texts["resolution_kind"]:
            kind = p(
                number,
                "resolution_kind",
                _choice,
                texts["resolution_kind"],
                RESOLUTIONS,
                RESOLUTION_WORDS,
            )
        if status is not None and kind is not None:
            errors = case_errors(
                status=status, opened_on=opened, resolved_on=resolved, resolution_kind=kind
            )
            for name, message in errors.items():
                if not (name == "resolved_on" and texts["resolved_on"] and resolved is None):
                    self.problem(number, name, message)
        center = self.center(number, texts["center"])
        values = {
            "external_id": external_id,
            "client_id": self.client(number, texts["client"], center),
            "center_id": center,
            "opened_on": opened,
            "status": status,
            "resolved_on": resolved,
            "resolution_kind": kind,
            "evidence": _raw_text(cells["evidence"]),
        }
        return _Row(number, external_id, values, m2m={"topics": topics, "priority_fields": fields})

    def refresh_summaries(self, written, changed):
        keys = ("center_id", "resolved_on")
        existed = set(changed)
        solved = [tuple(row.values[name] for name in keys) for pk, row in written if pk in existed]
        solved += [self.old_values(pk, *keys) for pk in changed]
        # New cases' tags were counted in with them (they have no sessions yet).
        current = self.current_m2m["priority_fields"]
        retagged = [
            pk
            for pk, row in written
            if pk in existed and set(current.get(pk, ())) != set(row.m2m.get("priority_fields", ()))
        ]
        days, visits = summaries.case_keys(retagged)
        days |= {("cases_solved", center, day) for center, day in solved}
        summaries.refresh(days=days, visits=visits)


class _SessionImporter(_Importer):
    fields = (
        "external_id",
        "center_id",
        "client_id",
        "case_id",
        "date",
        "start_time",
        "minutes",
        "mode",
        "lead_staff_id",
        "summary",
    )

    def load(self):
        self.load_clients()
        self.load_persons()
        ids = set(self.texts["case"]) - {""}
        visible = Case.objects.for_user(self.user)
        self.cases = _by_id(
            _pairs(visible, "external_id", ids, "external_id", "center_id", "pk", "client_id")
        )

    def check_row(self, number, cells, texts, external_id):
        center = self.center(number, texts["center"])
        client = self.client(number, texts["client"], center)
        case = None
        if case_id := texts["case"]:
            found = _one_of(self.cases.get(case_id, []), center)
            if found is None:
                self.problem(number, "case", _("Unknown case ID “%(value)s”.") % {"value": case_id})
            elif client is not None and found[1] != client:
                self.problem(
                    number,
                    "case",
                    _("Case %(value)s belongs to another client.") % {"value": case_id},
                )
            else:
                case = found[0]
        day = start = mode = None
        if texts["date"]:
            day = self.parse(number, "date", _date, cells["date"], texts["date"])
        if texts["start_time"]:
            start = self.parse(
                number, "start_time", _time, cells["start_time"], texts["start_time"]
            )
        minutes = 60
        if texts["minutes"]:
            minutes = self.parse(
                number, "minutes", _integer, cells["minutes"], texts["minutes"], 1, 1440
            )
        if texts["mode"]:
            mode = self.parse(number, "mode", _choice, texts["mode"], MODES, MODE_WORDS)
        staff = self.staff(number, texts["staff"])
        values = {
            "external_id": external_id,
            "center_id": center,
            "client_id": client,
            "case_id": case,
            "date": day,
            "start_time": start,
            "minutes": minutes,
            "mode": mode,
            "lead_staff_id": staff[0] if staff else None,
            "summary": _raw_text(cells["summary"]),
        }
        return _Row(number, external_id, values, m2m={"other_staff": staff[1:]})

    def refresh_summaries(self, written, changed):
        keys = ("center_id", "client_id", "date")
        existed = set(changed)
        rows = [tuple(row.values[name] for name in keys) for pk, row in written if pk in existed]
        rows += [self.old_values(pk, *keys) for pk in changed]
        days, visits = summaries.session_keys(rows)
        summaries.refresh(days=days, visits=visits)


class _NetworkImporter(_Importer):
    fields = ("external_id", "center_id", "date", "kind", "description")

    def load(self):
        self.load_persons()
        # All of them (a few per prefecture): names compare after NFKC, which SQL cannot do.
        self.institutions: dict[str, list[tuple[int, str]]] = {}
        for pk, name, prefecture in SupportInstitution.objects.for_user(self.user).values_list(
            "pk", "name", "prefecture_id"
        ):
            self.institutions.setdefault(text(name), []).append((pk, prefecture))
        self.center_prefecture = dict(Center.objects.values_list("pk", "prefecture_id"))

    def institution_pks(self, number, word, center) -> list[int]:
        pks = []
        for name in split_list(word):
            found = self.institutions.get(name, [])
            here = self.center_prefecture.get(center)
            local = [pk for pk, prefecture in found if prefecture == here]
            if local:
                pk = local[0]
            elif len(found) == 1:
                pk = found[0][0]
            elif not found:
                self.problem(
                    number,
                    "institutions",
                    _("Unknown support institution “%(value)s”.") % {"value": name},
                )
                continue
            else:
                self.problem(
                    number,
                    "institutions",
                    _(
                        "Several support institutions are named “%(value)s” and none of them "
                        "is in this center's prefecture."
                    )
                    % {"value": name},
                )
                continue
            if pk not in pks:
                pks.append(pk)
        return pks

    def check_row(self, number, cells, texts, external_id):
        center = self.center(number, texts["center"])
        day = kind = None
        if texts["date"]:
            day = self.parse(number, "date", _date, cells["date"], texts["date"])
        if texts["kind"]:
            kind = self.parse(
                number, "kind", _choice, texts["kind"], NETWORK_KINDS, NETWORK_KIND_WORDS
            )
        values = {
            "external_id": external_id,
            "center_id": center,
            "date": day,
            "kind": kind,
            "description": _raw_text(cells["description"]),
        }
        m2m = {
            "institutions": self.institution_pks(number, texts["institutions"], center),
            "staff": self.staff(number, texts["staff"]),
        }
        return _Row(number, external_id, values, m2m=m2m)

    def refresh_summaries(self, written, changed):
        keys = ("center_id", "date")
        existed = set(changed)
        rows = [tuple(row.values[name] for name in keys) for pk, row in written if pk in existed]
        rows += [self.old_values(pk, *keys) for pk in changed]
        summaries.refresh(days={("network_activities", center, day) for center, day in rows})


IMPORTERS = {
    "clients": _ClientImporter,
    "cases": _CaseImporter,
    "sessions": _SessionImporter,
    "network": _NetworkImporter,
}


# Kinds another app adds to the same importer (casestudies: impact records), with the
# example rows of their template: registered from the app's ``AppConfig.ready``.
REGISTERED_TEMPLATES: dict[str, list[list]] = {}


def register_kind(spec: Kind, importer: type, template: list[list]) -> None:
    KINDS[spec.key] = spec
    IMPORTERS[spec.key] = importer
    REGISTERED_TEMPLATES[spec.key] = template


def template_rows(kind) -> list[list]:
    """Example rows for the downloadable template of ``kind`` (one per line of the sheet)."""
    if kind in REGISTERED_TEMPLATES:
        return REGISTERED_TEMPLATES[kind]
    rows = {
        "clients": [
            [
                "C0001",
                "東京都",
                "株式会社よろず製作所",
                "7000012050002",
                "法人",
                "E 製造業",
                25,
                10000000,
                "東京都",
                "千代田区",
                "03-1234-5678",
                "info@example.jp",
                "有",
            ],
            [
                "C0002",
                "13",
                "やまだ商店",
                "",
                "個人事業主",
                "I",
                2,
                "",
                "東京",
                "八王子市",
                "042-000-0000",
                "",
                "無",
            ],
            ["C0003", "東京", "山田 花子", "", "創業予定", "", "", "", "", "", "", "", ""],
        ],
        "cases": [
            [
                "K0001",
                "C0001",
                "東京都",
                "売上拡大;IT・DX",
                "DX推進",
                "2025-04-01",
                "解決",
                "2025-09-30",
                "売上増加",
                "ECサイト開設で売上が前年比120%",
            ],
            ["K0002", "C0003", "13", "創業", "創業支援", "2025/5/1", "対応中", "", "", ""],
        ],
        "sessions": [
            [
                "S000001",
                "東京都",
                "C0001",
                "K0001",
                "2025-04-01",
                "10:00",
                60,
                "来訪",
                "T0001;T0002",
                "販路開拓の相談",
            ],
            ["S000002", "13", "C0002", "", "2025/4/3", "", 30, "電話", "", "資金繰りの相談"],
        ],
        "network": [
            [
                "N0001",
                "東京都",
                "2025-04-10",
                "東京商工会議所;日本政策金融公庫 東京支店",
                "訪問・連携会議",
                "連携会議で相談事例を共有",
                "T0001",
            ],
            ["N0002", "13", "2025/5/20", "東京商工会議所", "共催セミナー", "創業セミナー", ""],
        ],
    }
    return rows[kind]
