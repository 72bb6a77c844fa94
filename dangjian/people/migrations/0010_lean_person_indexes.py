"""Fewer indexes for an import to maintain, none that a query needs lost:

- the blind indexes (id_index, phone_index) and the name keep their plain index, under a new name
  through Meta.indexes, without the varchar_pattern_ops twin PostgreSQL adds for db_index (the
  indexes are compared by equality only, names by equality, order and LIKE '%…%', never by prefix);
- a person's household is indexed only where set (most persons have none, and ``household_id = %s``
  implies NOT NULL on both databases);
- a member's org loses its own index: (org, left_on) and (org, person) lead with it.

The old indexes are dropped by name: AlterField would rebuild the tables on SQLite and, on
PostgreSQL, drop the partial unique index person_id_number_unique along with the plain one.
"""

from django.db import migrations, models

import django.db.models.deletion

OLD = [
    # (table, name, column, PostgreSQL twin for LIKE)
    ("people_member", "people_member_org_id_88d2efd7", "org_id", False),
    ("people_person", "people_person_household_id_5312f7c5", "household_id", False),
    ("people_person", "people_person_name_2a843d4b", "name", True),
    ("people_person", "people_person_id_index_abf286cd", "id_index", True),
    ("people_person", "people_person_phone_index_645eefb9", "phone_index", True),
]


def drop_old(apps, schema_editor):
    for _table, name, _column, twin in OLD:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        if twin and schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}_like"')


def restore_old(apps, schema_editor):
    for table, name, column, twin in OLD:
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
        if twin and schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'CREATE INDEX "{name}_like" ON "{table}" ("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0005_name_initials"),
        ("people", "0009_person_user"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="member",
                    name="org",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="members",
                        to="orgs.org",
                        verbose_name="所在支部",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="household",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="persons",
                        to="people.household",
                        verbose_name="户",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="name",
                    field=models.CharField(max_length=50, verbose_name="姓名"),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="id_index",
                    field=models.CharField(blank=True, editable=False, max_length=64),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="phone_index",
                    field=models.CharField(blank=True, editable=False, max_length=64),
                ),
            ],
            database_operations=[migrations.RunPython(drop_old, restore_old)],
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["name"], name="person_name"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["id_index"], name="person_id_index"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["phone_index"], name="person_phone_index"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("household__isnull", False)),
                fields=["household"],
                name="person_household",
            ),
        ),
    ]
