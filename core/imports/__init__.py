"""The one import pipeline: every kind of record a deployment loads from spreadsheets
(consultation records, the roster, training attendance, support institutions, business
plans, impact records, paper survey answers) is declared once as a ``Kind`` and goes
through the same reading, checking, writing, batch record and undo.

- ``base``: the declaration (``Kind``), the registry, the one ``ImportResult``, choice words;
- ``records``: the record importer (COPY on PostgreSQL, bulk inserts elsewhere);
- ``run``: ``run_import`` (check, write or dry run, record the batch) and ``undo``;
- ``views``: the one import page, templates per kind, the batch list and its undo;
- ``docs``: docs/import-format.md, generated from the declarations.

App modules register their kinds when their ``AppConfig.ready`` imports them.
"""

from core.tabular import Problem

from .base import (
    KINDS,
    ImportResult,
    Kind,
    WordTable,
    choice,
    choice_words,
    get,
    kinds_for,
    ordered,
    register,
    save_imported,
    word_key,
)
from .records import Row
from .run import UndoRefused, run_import, undo

__all__ = [
    "KINDS",
    "ImportResult",
    "Kind",
    "Problem",
    "Row",
    "UndoRefused",
    "WordTable",
    "choice",
    "choice_words",
    "get",
    "kinds_for",
    "ordered",
    "register",
    "save_imported",
    "run_import",
    "undo",
    "word_key",
]
