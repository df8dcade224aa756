from django.db import migrations

from evaluation import master_data


def create(apps, schema_editor):
    master_data.load(apps)


def remove(apps, schema_editor):
    apps.get_model("evaluation", "ChecklistTemplate").objects.filter(name=master_data.NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
