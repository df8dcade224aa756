"""docs/import-format.md, made from the kinds' declarations (``manage.py import_format``
writes it; a test fails when the file and the declarations differ)."""

from pathlib import Path

from django.conf import settings
from django.utils import translation

from .base import ordered


def path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "import-format.md"


INTRO = """\
# Import formats (取込形式)

<!-- Generated from the import kinds' declarations (core/imports, each app's Kind):
     edit those, then run `.venv/bin/python manage.py import_format`. -->

Every kind of record a deployment loads from spreadsheets goes through one import
(`core/imports/`): in the browser on 取込 (`/imports/`, the kind chosen from the list,
or `/imports/<kind>/`), through the REST API for the consultation records, or on the
command line:

```sh
.venv/bin/python manage.py import_records --kind sessions sessions.csv [--user USERNAME] [--dry-run] [--link-duplicates]
```

Without `--user` the import is recorded for the first active Agency administrator
(or superuser). The command prints every problem as `row N, column X: reason` and
exits with status 1 when there is any; otherwise it prints how many records were
created, updated and left unchanged. A template with example rows can be downloaded
for each kind (`/imports/<kind>/template.xlsx`). The order in which a new deployment
imports its spreadsheets is in docs/migration.md.

## Files

- `.xlsx` (the first sheet) or CSV in UTF-8 (with or without a BOM) or
  Shift_JIS (CP932), as Excel saves it.
- The first row holds the headers below, in any order; every header of the kind
  must be there (other columns are ignored). Empty rows are skipped.
- Row numbers in problem reports are the spreadsheet's (the header is row 1).
- Cells hold values, not formulas: a formula cell is reported as a problem on
  its row and column (paste the values only, 形式を選択して貼り付け → 値).
- Limits (README, Configuration): 256 MiB per file, an .xlsx unpacking to at
  most 768 MiB, 1,000,000 rows, 100 columns; the command reads the same
  environment variables, so a larger file can be imported by raising them.
  A file of more than `JOB_IMPORT_THRESHOLD_ROWS` rows is imported as a
  background job, with the same report.
- Downloads (exports) write a text beginning with `=`, `+`, `-`, `@`, a tab or a
  carriage return as text: in CSV with a leading `'`, in .xlsx as a text cell
  (Excel's quote prefix, shown without the `'`); the import takes the `'` off again.

## How an import works

1. **Everything is checked first.** Every problem is reported by row and column
   with a plain reason; if there is any, **nothing is written**.
2. **Each kind has its key** (below): a row whose key is new creates a record, a
   row whose key exists updates that record, a row that matches its record exactly
   is left alone. Importing the same file twice therefore changes nothing. The
   consultation records' key is the source system's own ID (`external_id`),
   unique within the row's center (拠点): each center's system numbers its own
   records, so two centers may use the same ID for different records.
3. **Scope.** A user imports only what they could enter on screen: the Agency
   administrator for every center, a center's manager and coordinators for their
   own center. **References resolve only within what the user may see**: a client,
   case, staff code or support institution that another center keeps is answered
   exactly like one that does not exist ("Unknown client ID …"), so a file can
   neither reach another center's records nor tell which IDs exist there.
4. **History.** Every created or changed record gets an entry in its change
   history, recorded for the importing user, like a change made on screen; the
   indicator summaries are updated in the same transaction.
5. **All or nothing.** The records are written in one transaction. If writing
   fails (for example because another import saved the same IDs at the same
   moment), nothing is saved and the import reports a single problem on row 0,
   “The error has been logged. Nothing was saved by the failed request.”
6. **Check only (dry run).** With “check only” (`--dry-run`) the file is checked
   and the report says how many records the import would create, update and leave
   unchanged; nothing is written.
7. **Undo.** Every import that wrote is recorded as a batch (who, when, the file's
   name and SHA-256, the counts), listed on 取込の履歴 (`/imports/batches/`). The
   Agency, the importing user and the staff of the importing center can undo it
   for 7 days: the records it created are deleted, those it changed are put back,
   and their history and the indicator summaries are as before it. If a record of
   the batch was changed later (on screen or by a later import), or a later record
   refers to one it created, the undo is refused and names them.

## Values

| what | accepted |
|---|---|
| 拠点 (center) | the prefecture's name with or without 都/府/県 (`東京都`, `東京`), the center's code (`13`, `01` or `1`), or the center's name |
| dates | `2025-04-01`, `2025/4/1`, `2025.4.1`, `2025年4月1日`, 和暦 (`令和7年4月1日`, `R7.4.1`, `令和元年5月1日`, `平成30年4月1日`), full-width digits (`２０２５／４／１`), or an Excel date cell. A 和暦 date outside its era is not a date: 平成 ended on 30 April 2019, so `平成31年5月1日` is reported. |
| times | `10:00`, `14:30`, `9:05:00`, or an Excel time cell |
| numbers | whole numbers, `10,000,000` with commas, full-width digits |
| several values in one cell | joined by `;` (or full-width `；`): `売上拡大;IT・DX` |
| text | trimmed; codes, names and numbers are compared after NFKC normalisation (full-width letters and digits read as half-width) |

**Choice columns** take the Japanese label, the English label or the internal code
(listed with each column below), case- and space-insensitively, so a file exported
with the interface in either language imports back unchanged.
"""


def _choices(table) -> str:
    return ", ".join(
        f"{japanese} / {english} (`{code}`)"
        for japanese, english, code in zip(table.shown, table.english, table.codes, strict=True)
    )


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    parts = [INTRO]
    with translation.override("en"):
        for spec in ordered():
            parts.append(f"\n## {spec.title} — {spec.label} (`--kind {spec.key}`)\n")
            if spec.natural_key:
                parts.append(f"\nKey: {spec.natural_key}.\n")
            parts.append("\n| header | required | meaning / accepted values |\n|---|---|---|\n")
            for key, header in spec.columns.items():
                meaning = spec.notes.get(key, "")
                if key in spec.choices:
                    words = _choices(spec.choices[key])
                    meaning = f"{meaning}: {words}" if meaning else words
                required = "yes" if key in spec.required else ""
                parts.append(f"| {header} | {required} | {_cell(meaning)} |\n")
            if spec.description:
                parts.append(f"\n{spec.description}\n")
    return "".join(parts)
