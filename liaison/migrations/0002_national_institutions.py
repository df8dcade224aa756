from django.db import migrations


def load(apps, schema_editor):
    from liaison.master_data import load as load_master_data

    load_master_data(apps)


class Migration(migrations.Migration):
    dependencies = [("liaison", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
