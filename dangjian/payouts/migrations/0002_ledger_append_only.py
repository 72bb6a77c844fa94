"""The payouts ledger (payments and reversals) is append-only in the database itself, and an approved
list is frozen: triggers refuse UPDATE and DELETE, on SQLite and on PostgreSQL, like core's audit log."""

from django.db import migrations

LEDGER = ("payouts_payment", "payouts_reversal")
FROZEN = "(SELECT status FROM payouts_programme WHERE id = OLD.programme_id) = 'approved'"

SQLITE = [
    sql
    for table in LEDGER
    for sql in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'payout ledger is append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, 'payout ledger is append-only'); END""",
    )
] + [
    f"""CREATE TRIGGER payouts_entitlement_frozen_update BEFORE UPDATE ON payouts_entitlement
        WHEN {FROZEN} BEGIN SELECT RAISE(ABORT, 'approved payout list is frozen'); END""",
    f"""CREATE TRIGGER payouts_entitlement_frozen_delete BEFORE DELETE ON payouts_entitlement
        WHEN {FROZEN} BEGIN SELECT RAISE(ABORT, 'approved payout list is frozen'); END""",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION payouts_ledger_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'payout ledger is append-only'; END; $$ LANGUAGE plpgsql""",
    *[
        sql
        for table in LEDGER
        for sql in (
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION payouts_ledger_refuse()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION payouts_ledger_refuse()""",
        )
    ],
    f"""CREATE OR REPLACE FUNCTION payouts_entitlement_frozen() RETURNS trigger AS $$
       BEGIN
         IF {FROZEN} THEN RAISE EXCEPTION 'approved payout list is frozen'; END IF;
         RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER payouts_entitlement_frozen BEFORE UPDATE OR DELETE ON payouts_entitlement
       FOR EACH ROW EXECUTE FUNCTION payouts_entitlement_frozen()""",
]


def install(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError(f"no append-only triggers for {schema_editor.connection.vendor}")
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
