"""The person's pinyin initials lose PostgreSQL's LIKE twin (varchar_pattern_ops), which every import
kept up for each new person: initials are searched by range only (``selectors.initials_q``), which
the plain index serves on both databases. The plain index moves to Meta.indexes under its own name;
on PostgreSQL it is renamed in place, on SQLite (no ALTER INDEX) built again.

Hand-written, like 0010: AlterField would drop and rebuild by Django's own rules.
"""

from django.db import migrations, models

TABLE = "people_person"
OLD = "people_person_name_initials_a0be91d8"
NEW = "person_name_initials"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD}_like"')
        schema_editor.execute(f'ALTER INDEX "{OLD}" RENAME TO "{NEW}"')
    else:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD}"')
        schema_editor.execute(f'CREATE INDEX "{NEW}" ON "{TABLE}" ("name_initials")')


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER INDEX "{NEW}" RENAME TO "{OLD}"')
        schema_editor.execute(f'CREATE INDEX "{OLD}_like" ON "{TABLE}" ("name_initials" varchar_pattern_ops)')
    else:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NEW}"')
        schema_editor.execute(f'CREATE INDEX "{OLD}" ON "{TABLE}" ("name_initials")')


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0010_lean_person_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="name_initials",
                    field=models.CharField(blank=True, max_length=50, verbose_name="姓名拼音首字母"),
                ),
                migrations.AddIndex(
                    model_name="person",
                    index=models.Index(fields=["name_initials"], name="person_name_initials"),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
