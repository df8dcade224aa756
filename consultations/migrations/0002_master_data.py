from django.db import migrations


def load_master_data(apps, schema_editor):
    from consultations import master_data

    master_data.load(apps)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [migrations.RunPython(load_master_data, migrations.RunPython.noop)]
