"""The chain's genesis row, and on PostgreSQL the triggers that make the ledger append-only:
UPDATE and DELETE of a transaction, an entry or a published chain head are refused by the
database itself, whoever asks (DOMAIN.md "Allowances"; CONVENTIONS.md: corrections are reversals)."""

from django.db import migrations

APPEND_ONLY = ("trading_ledgertransaction", "trading_ledgerentry", "trading_chainhead")

FUNCTION = """
CREATE OR REPLACE FUNCTION trading_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def genesis(apps, schema_editor):
    apps.get_model("trading", "ChainState").objects.get_or_create(pk=1, defaults={"last_sha256": "0" * 64})


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # the body has % signs: no parameter substitution
    for table in APPEND_ONLY:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION trading_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS trading_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("trading", "0001_ledger")]

    operations = [
        migrations.RunPython(genesis, migrations.RunPython.noop),
        migrations.RunPython(triggers, drop_triggers),
    ]
