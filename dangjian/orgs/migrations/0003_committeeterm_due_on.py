from django.db import migrations, models


def fill_due_on(apps, schema_editor):
    CommitteeTerm = apps.get_model("orgs", "CommitteeTerm")
    for term in CommitteeTerm.objects.all():
        elected = term.elected_on
        try:
            term.due_on = elected.replace(year=elected.year + term.term_years)
        except ValueError:
            term.due_on = elected.replace(year=elected.year + term.term_years, day=28)
        term.save(update_fields=["due_on"])


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_initial")]

    operations = [
        migrations.AddField(
            model_name="committeeterm",
            name="due_on",
            field=models.DateField(db_index=True, null=True, verbose_name="应换届日期"),
        ),
        migrations.RunPython(fill_due_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="committeeterm",
            name="due_on",
            field=models.DateField(db_index=True, verbose_name="应换届日期"),
        ),
    ]
