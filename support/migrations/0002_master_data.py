from django.db import migrations


def load_master_data(apps, schema_editor):
    from support import master_data

    master_data.load(apps)


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [migrations.RunPython(load_master_data, migrations.RunPython.noop)]
