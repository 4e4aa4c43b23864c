"""ledger_chain_head(subject): lock a person's chain and read its head in one round trip."""

from django.db import migrations

# consent_record's first statement. VOLATILE, so each statement inside takes a fresh snapshot
# (READ COMMITTED): the head and the erasure are read after the lock is granted, and see every
# event committed by the writer that held it. The same lock as subject_lock() and
# ledger_evidence_erase(). Invoker's rights: it reads only what the caller may read.
CHAIN_HEAD_FUNCTION_SQL = """
CREATE FUNCTION {schema}.ledger_chain_head(chain_subject uuid, OUT head text, OUT erased boolean)
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(chain_subject::text, 0));
    SELECT e.hash INTO head FROM {schema}.ledger_consentevent e
     WHERE e.subject_id = chain_subject ORDER BY e.id DESC LIMIT 1;
    SELECT s.erased_at IS NOT NULL INTO erased FROM {schema}.accounts_subject s WHERE s.id = chain_subject;
END
$$;
"""


def _schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return schema_editor.quote_name(cursor.fetchone()[0])


def create_chain_head_function(apps, schema_editor):
    schema_editor.execute(CHAIN_HEAD_FUNCTION_SQL.format(schema=_schema(schema_editor)))


def drop_chain_head_function(apps, schema_editor):
    schema_editor.execute(f"DROP FUNCTION {_schema(schema_editor)}.ledger_chain_head(uuid)")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0011_search_and_dashboard_indexes"),
    ]

    operations = [
        migrations.RunPython(create_chain_head_function, drop_chain_head_function),
    ]
