"""A person recorded without an ID number has no ID blind index (NULL, not ""), so the unique
constraint on it needs no condition: the partial one could not serve ``id_index = %s`` on SQLite,
and the plain index kept beside it for that cost every insert a second random-key index (an import
writes 100,000 persons). The plain index goes; the unique one serves every lookup on both databases.

On PostgreSQL the keyed columns (the blind indexes, hex; the pinyin initials, ASCII letters) compare
bytewise (COLLATE "C"): under the database's locale (C.UTF-8 or zh_CN.UTF-8 alike) every comparison
their btrees make goes through strcoll, and an import compares 100,000 new random keys into each.
They are only ever compared for equality or by ASCII ranges, where the two orders agree. (SQLite
compares bytewise already.) Both together take some 0.2 s off a 100,000-row import's writing on
PostgreSQL (2.9-3.1 -> 2.8-2.9 s).
"""

from django.db import migrations, models

BYTEWISE = [("id_index", "varchar(64)"), ("phone_index", "varchar(64)"), ("name_initials", "varchar(50)")]


def _collate(schema_editor, collation: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    changes = ", ".join(f'ALTER COLUMN "{c}" TYPE {t} COLLATE "{collation}"' for c, t in BYTEWISE)
    schema_editor.execute(f"ALTER TABLE people_person {changes}")


def bytewise(apps, schema_editor):
    _collate(schema_editor, "C")


def by_locale(apps, schema_editor):
    _collate(schema_editor, "default")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0011_person_initials_index"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="person", name="person_id_number_unique"),
        migrations.RemoveIndex(model_name="person", name="person_id_index"),
        migrations.AlterField(
            model_name="person",
            name="id_index",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.RunSQL(
            "UPDATE people_person SET id_index = NULL WHERE id_index = ''",
            reverse_sql="UPDATE people_person SET id_index = '' WHERE id_index IS NULL",
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(fields=("id_index",), name="person_id_number_unique"),
        ),
        migrations.RunPython(bytewise, by_locale),
    ]
