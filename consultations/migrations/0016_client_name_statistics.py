# Written by hand on 2026-12-07: PostgreSQL only, so no model state.

from django.db import migrations

# The client search's words are matched by the trigram indexes (0012), but the
# planner had no statistics on UPPER(business_name) (a GIN index's expression gets
# none) and only 100 histogram entries of name_key: it guessed a rare name part at
# 1 % of all clients and walked the whole client table newest first to find 200 of
# them (0.9–1.2 s for 加藤産, docs/benchmarks.md). Statistics on the expression with a
# fine histogram give it the true share, and the trigram index is read instead (7–20
# ms). ANALYZE of the clients then samples the whole table (27 s at 1.8 million).
TARGET = 10000


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE STATISTICS IF NOT EXISTS client_business_name_upper "
        "ON (UPPER(business_name::text)) FROM consultations_client"
    )
    schema_editor.execute(f"ALTER STATISTICS client_business_name_upper SET STATISTICS {TARGET}")
    schema_editor.execute(
        f"ALTER TABLE consultations_client ALTER COLUMN name_key SET STATISTICS {TARGET}"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP STATISTICS IF EXISTS client_business_name_upper")
    schema_editor.execute("ALTER TABLE consultations_client ALTER COLUMN name_key SET STATISTICS -1")


class Migration(migrations.Migration):

    dependencies = [
        ("consultations", "0015_records_updated_at"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
