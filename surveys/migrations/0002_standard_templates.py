from django.db import migrations


def load_standard_templates(apps, schema_editor):
    from surveys import standard

    standard.load(apps)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(load_standard_templates, migrations.RunPython.noop)]
