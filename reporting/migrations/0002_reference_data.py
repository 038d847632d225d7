from django.db import migrations


def forwards(apps, schema_editor):
    from reporting import reference

    reference.load(apps)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
