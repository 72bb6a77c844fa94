"""The points ledger is append-only in the database itself (SQLite and PostgreSQL), and the default
roles get the ratings capabilities on databases whose roles already exist."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER ratings_pointentry_no_update BEFORE UPDATE ON ratings_pointentry
       BEGIN SELECT RAISE(ABORT, 'points ledger is append-only'); END""",
    """CREATE TRIGGER ratings_pointentry_no_delete BEFORE DELETE ON ratings_pointentry
       BEGIN SELECT RAISE(ABORT, 'points ledger is append-only'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION ratings_pointentry_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'points ledger is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER ratings_pointentry_no_change BEFORE UPDATE OR DELETE ON ratings_pointentry
       FOR EACH ROW EXECUTE FUNCTION ratings_pointentry_refuse()""",
]
NEW = {"ratings.view", "ratings.pledge", "ratings.points", "ratings.manage"}


def triggers(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError(f"no append-only triggers for {schema_editor.connection.vendor}")
    for sql in statements:
        schema_editor.execute(sql)


def grant(apps, schema_editor):
    from dangjian.accounts.roles import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(identifier__in=list(DEFAULT_ROLES)):
        wanted = NEW & set(DEFAULT_ROLES[role.identifier][1])
        if wanted - set(role.capabilities):
            role.capabilities = sorted(set(role.capabilities) | wanted)
            role.save(update_fields=["capabilities"])


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_initial"), ("accounts", "0002_initial")]
    operations = [
        migrations.RunPython(triggers, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
