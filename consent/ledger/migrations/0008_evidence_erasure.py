"""EvidenceErasure, and ledger_evidence_erase(subject): the one way evidence is deleted."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

# Runs as the role that owns the ledger tables (the one migrations run as), whoever calls
# it: the application's role gets EXECUTE (manage.py grant_app_role) and nothing else that
# deletes evidence. The search path is pinned to the tables' schema, so a caller cannot
# slip in its own objects; the evidence trigger (models.EvidenceEraseOnly) lets the DELETE
# through only while current_user is the owner and this function has flagged the transaction.
ERASE_FUNCTION_SQL = """
CREATE FUNCTION {schema}.ledger_evidence_erase(erased_subject uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {schema}, pg_temp
AS $$
DECLARE
    removed integer;
BEGIN
    -- The lock consent_record and subject_lock() take: no event of this person is being written.
    PERFORM pg_advisory_xact_lock(hashtextextended(erased_subject::text, 0));
    IF NOT EXISTS (SELECT 1 FROM {schema}.accounts_subject s WHERE s.id = erased_subject AND s.erased_at IS NOT NULL) THEN
        RAISE EXCEPTION 'Subject % has not been erased: its consent evidence is kept.', erased_subject
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM set_config('consent.evidence_erase', 'on', true);
    DELETE FROM {schema}.ledger_consentevidence ev
     USING {schema}.ledger_consentevent e
     WHERE ev.event_id = e.id AND e.subject_id = erased_subject;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('consent.evidence_erase', 'off', true);
    INSERT INTO {schema}.ledger_evidenceerasure (subject_id, evidence_rows, erased_at, erased_by)
    VALUES (erased_subject, removed, now(), session_user);
    RETURN removed;
END
$$;
REVOKE ALL ON FUNCTION {schema}.ledger_evidence_erase(uuid) FROM PUBLIC;
"""


def _schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return schema_editor.quote_name(cursor.fetchone()[0])


def create_erase_function(apps, schema_editor):
    # Without parameters, so the % of RAISE is not taken for a placeholder.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(ERASE_FUNCTION_SQL.format(schema=_schema(schema_editor)))


def drop_erase_function(apps, schema_editor):
    schema_editor.execute(f"DROP FUNCTION {_schema(schema_editor)}.ledger_evidence_erase(uuid)")

class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_subject_choices_to_ledger'),
        ('ledger', '0007_owner_only_exceptions'),
    ]

    operations = [
        migrations.CreateModel(
            name='EvidenceErasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('evidence_rows', models.PositiveIntegerField(verbose_name='evidence rows removed')),
                ('erased_at', models.DateTimeField(editable=False, verbose_name='erased at')),
                ('erased_by', models.CharField(editable=False, max_length=63, verbose_name='database role')),
            ],
            options={
                'verbose_name': 'evidence erasure',
                'verbose_name_plural': 'evidence erasures',
            },
        ),
        migrations.AddField(
            model_name='evidenceerasure',
            name='subject',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.subject', verbose_name='subject'),
        ),
        migrations.AddIndex(
            model_name='evidenceerasure',
            index=models.Index(fields=['subject'], name='ledger_evidenceerasure_subject'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='evidenceerasure',
            trigger=pgtrigger.compiler.Trigger(name='ledger_evidenceerasure_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='bd029ab0a55023e9c381ed47778e443c378bd33c', operation='UPDATE OR DELETE', pgid='pgtrigger_ledger_evidenceerasure_append_only_50a86', table='ledger_evidenceerasure', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='evidenceerasure',
            trigger=pgtrigger.compiler.Trigger(name='ledger_evidenceerasure_no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n        IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN\n            RETURN NULL;\n        END IF;\n        RAISE EXCEPTION 'The consent ledger cannot be truncated (table %).', TG_TABLE_NAME;\n    ", hash='94118734fdc64724b70b5abee9e6c60baa8df146', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_ledger_evidenceerasure_no_truncate_68597', table='ledger_evidenceerasure', when='BEFORE')),
        ),
        migrations.RunPython(create_erase_function, drop_erase_function),
    ]
