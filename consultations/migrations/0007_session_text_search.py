# Written by hand on 2026-12-07: PostgreSQL only, so no model state.

from django.db import migrations

# The sessions list's text search (ConsultationFilterSet.filter_text) is
# "UPPER(column::text) LIKE UPPER('%…%')" on these columns: a trigram GIN index on
# the same expression answers it for words of three characters or more
# (docs/benchmarks.md, 2026-12-07). SQLite keeps its scan.
COLUMNS = ("summary", "advice", "next_step")
TABLE = "consultations_consultation"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS consultation_{column}_trgm ON {TABLE} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS consultation_{column}_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('consultations', '0006_scale_indexes'),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
