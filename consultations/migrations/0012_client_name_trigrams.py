# Written by hand on 2026-12-07: PostgreSQL only, so no model state.

from django.db import migrations

# The client search (ClientFilterSet.filter_text, the quick entry's client field) is
# "UPPER(business_name) LIKE UPPER('%…%') OR name_key LIKE '%…%'": without an index
# every search read all the nation's clients (1.8 million in ten years, 0.7 s). A
# trigram GIN index on each expression answers words of three characters or more;
# shorter ones are compared lower-cased, which no index serves (the filter decides).
INDEXES = {
    "client_business_name_trgm": "(UPPER(business_name::text)) gin_trgm_ops",
    "client_name_key_trgm": "name_key gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON consultations_client USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('consultations', '0011_case_opened_order'),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
