from django.db import migrations, models


def fill(apps, schema_editor):
    from dangjian.core.pinyin import name_initials

    Org = apps.get_model("orgs", "Org")
    rows = list(Org.objects.only("pk", "name"))
    for org in rows:
        org.name_initials = name_initials(org.name)
    Org.objects.bulk_update(rows, ["name_initials"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0004_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="org",
            name="name_initials",
            field=models.CharField(blank=True, editable=False, max_length=50, verbose_name="名称拼音首字母"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
