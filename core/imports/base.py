"""What every import shares: the declaration of a kind of file, the registry of kinds,
the one result type, and the words a choice column accepts."""

import unicodedata
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from core.scoping import may_edit
from core.tabular import Problem

# At most this many problems are collected; a file broken in every row says so quickly.
MAX_PROBLEMS = 5000


@dataclass
class ImportResult:
    """What an import did, or would do (``dry_run``): every problem by row and column
    (nothing was written if there is one), warnings, and the counts."""

    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    batch: object = None  # the ImportBatch recorded for a writing import
    # A kind without natural keys: what makes the same file again the same import.
    digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def wrote(self) -> bool:
        return self.ok and not self.dry_run and bool(self.created or self.updated)


@dataclass(frozen=True)
class Kind:
    """One kind of import file, declared once: its columns (key -> the header, Japanese
    whatever the interface language), the required ones, what each column takes (for the
    format documentation), the records it writes, and the function that checks and writes
    a table of it (``run(spec, table, *, user, stamp, dry_run, progress, change_reason,
    options) -> ImportResult``). The page, the template, the job, the API, the command and
    ``docs/import-format.md`` are all made from this."""

    key: str
    title: str  # the Japanese name, used as the template's sheet name
    label: object  # lazy translation
    model: type
    columns: dict  # field key -> Japanese header, in file order
    required: tuple  # field keys whose cell must not be empty
    list_url: str
    run: Callable
    template: Callable[[], list[list]]  # example rows for the downloadable template
    # key -> what the column takes (English, for docs/import-format.md).
    notes: dict = field(default_factory=dict)
    # key -> the word table of a choice column (``choice_words``): documented with its words.
    choices: dict = field(default_factory=dict)
    # The natural key, in words (docs): what makes a row the same record again.
    natural_key: str = ""
    # Models whose rows an import of this kind writes, the main one first (undo).
    models: tuple = ()
    may_import: Callable | None = None  # (user) -> bool; default: may change ``model``
    link_duplicates: bool = False  # offers "link clients that look like existing ones"
    order: int = 100  # place in the migration guide's order of imports
    description: str = ""  # more about the kind, after its columns (docs, English)

    @property
    def headers(self) -> list[str]:
        return list(self.columns.values())

    @property
    def id_key(self) -> str:
        return next(iter(self.columns))

    @property
    def written_models(self) -> tuple:
        return self.models or (self.model,)

    def allowed(self, user) -> bool:
        if self.may_import is not None:
            return self.may_import(user)
        return may_edit(user, self.model)


KINDS: dict[str, Kind] = {}


def register(spec: Kind) -> Kind:
    KINDS[spec.key] = spec
    return spec


def get(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"unknown import kind {key!r}; use one of {', '.join(KINDS)}") from None


def kinds_for(user) -> list[Kind]:
    """The kinds ``user`` may import, in the migration guide's order."""
    return [spec for spec in ordered() if spec.allowed(user)]


def ordered() -> list[Kind]:
    return sorted(KINDS.values(), key=lambda spec: (spec.order, spec.key))


def missing_headers(spec: Kind, table) -> list[Problem]:
    missing = [h for h in spec.headers if h not in table.headers]
    if not missing:
        return []
    return [Problem(1, "、".join(missing), _("Required column is missing from the header row."))]


# --- Choice words ---------------------------------------------------------------------


class WordTable(dict):
    """Every accepted spelling of a choice, normalised (``word_key``), to its code. Hashes
    by identity, so that the cells parsed with it can be memoised."""

    __hash__ = object.__hash__

    def __init__(self, *args, shown: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = shown or []  # the Japanese label of each choice, for messages and docs
        self.english = []  # the English label of each choice, for docs
        self.codes = []


def word_key(value: str) -> str:
    return unicodedata.normalize("NFKC", str(value)).casefold().replace(" ", "")


def choice_words(choices, extra: dict | None = None) -> WordTable:
    """The words of a choice column: each choice's code, its Japanese label, its English
    label (what an export writes in either interface language) and ``extra`` spellings
    ({code: [words]}, e.g. the words the centers' own systems write)."""
    extra = extra or {}
    table = WordTable()
    for code, label in choices.choices:
        with translation.override("ja"):
            japanese = str(label)
        with translation.override("en"):
            english = str(label)
        table.shown.append(japanese)
        table.english.append(english)
        table.codes.append(str(code))
        for word in [str(code), japanese, english, *extra.get(code, [])]:
            table.setdefault(word_key(word), str(code))
    return table


def choice(txt: str, table: WordTable) -> str:
    """The code a cell names, or ValueError with the accepted words."""
    code = table.get(word_key(txt))
    if code is None:
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": txt, "choices": "、".join(table.shown)}
        )
    return code


def save_imported(record, *, user, stamp) -> None:
    """Save one record an import writes, its history row for ``user`` at the batch's
    ``stamp`` (how an undo finds the batch's rows again)."""
    if record.pk is not None and untracked_fields(type(record)):
        before = type(record)._base_manager.filter(pk=record.pk).first()
        if before is not None:
            keep_untracked(before)
    record._history_user = user
    record._history_date = stamp
    record.save()


# The values of the fields a model's history does not keep (``updated_at``), of the
# records the running import changes, {model label: {pk: {attname: value}}}: kept with the
# batch so that an undo puts them back too. None outside an import.
UNTRACKED: ContextVar[dict | None] = ContextVar("import_untracked", default=None)


def untracked_fields(model) -> list:
    if not hasattr(model, "history"):
        return []
    tracked = {f.attname for f in model.history.model._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.attname not in tracked]


def keep_untracked(record) -> None:
    """Note ``record``'s untracked values as they are before the import changes it."""
    store = UNTRACKED.get()
    fields = untracked_fields(type(record))
    if store is None or not fields:
        return
    by_pk = store.setdefault(type(record)._meta.label, {})
    by_pk.setdefault(
        str(record.pk),
        {
            f.attname: None if getattr(record, f.attname) is None else f.value_to_string(record)
            for f in fields
        },
    )
