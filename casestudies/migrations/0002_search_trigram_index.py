# Written by hand: PostgreSQL only, so no model state.

from django.db import migrations

# casestudies.search.search filters "search_text LIKE '%word%'" (the text is normalised
# already): a trigram GIN index answers words of three characters or more. SQLite scans.


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS casestudy_search_text_trgm "
        "ON casestudies_casestudy USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS casestudy_search_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("casestudies", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
