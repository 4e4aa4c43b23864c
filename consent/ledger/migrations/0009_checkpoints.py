"""Signed checkpoints of the ledger: LedgerCheckpoint and the ChainHead rows its root covers."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_subject_choices_to_ledger'),
        ('ledger', '0008_evidence_erasure'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('length', models.PositiveBigIntegerField(verbose_name='events in the chain')),
                ('head_event_id', models.PositiveBigIntegerField(verbose_name='last event')),
                ('head_hash', models.CharField(max_length=64, verbose_name='hash of the last event')),
            ],
            options={
                'verbose_name': 'chain head',
                'verbose_name_plural': 'chain heads',
            },
        ),
        migrations.CreateModel(
            name='LedgerCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('taken_at', models.DateTimeField(editable=False, verbose_name='taken at')),
                ('chains', models.PositiveBigIntegerField(editable=False, verbose_name='chains')),
                ('events', models.PositiveBigIntegerField(editable=False, verbose_name='events')),
                ('last_event_id', models.PositiveBigIntegerField(editable=False, verbose_name='last event')),
                ('root', models.CharField(editable=False, max_length=64, verbose_name='root hash')),
                ('key_id', models.CharField(editable=False, max_length=64, verbose_name='signing key fingerprint')),
                ('signature', models.CharField(editable=False, max_length=100, verbose_name='signature')),
            ],
            options={
                'verbose_name': 'ledger checkpoint',
                'verbose_name_plural': 'ledger checkpoints',
            },
        ),
        migrations.AddField(
            model_name='chainhead',
            name='subject',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.subject', verbose_name='subject'),
        ),
        migrations.AddField(
            model_name='chainhead',
            name='checkpoint',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.ledgercheckpoint', verbose_name='checkpoint'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='ledgercheckpoint',
            trigger=pgtrigger.compiler.Trigger(name='ledger_ledgercheckpoint_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='8d38de721329cd7ee3d0e7f3ce5218de990b753c', operation='UPDATE OR DELETE', pgid='pgtrigger_ledger_ledgercheckpoint_append_only_da47d', table='ledger_ledgercheckpoint', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='ledgercheckpoint',
            trigger=pgtrigger.compiler.Trigger(name='ledger_ledgercheckpoint_no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n        IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN\n            RETURN NULL;\n        END IF;\n        RAISE EXCEPTION 'The consent ledger cannot be truncated (table %).', TG_TABLE_NAME;\n    ", hash='668f84868e0c9ff88de78289e46d4a679e45b258', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_ledger_ledgercheckpoint_no_truncate_71750', table='ledger_ledgercheckpoint', when='BEFORE')),
        ),
        migrations.AddIndex(
            model_name='chainhead',
            index=models.Index(fields=['subject', '-checkpoint'], name='ledger_chainhead_latest'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='chainhead',
            trigger=pgtrigger.compiler.Trigger(name='ledger_chainhead_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='17ee1c6ab7d4e47e97e45c5c71f375ac7fb0f678', operation='UPDATE OR DELETE', pgid='pgtrigger_ledger_chainhead_append_only_064d7', table='ledger_chainhead', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='chainhead',
            trigger=pgtrigger.compiler.Trigger(name='ledger_chainhead_no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n        IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN\n            RETURN NULL;\n        END IF;\n        RAISE EXCEPTION 'The consent ledger cannot be truncated (table %).', TG_TABLE_NAME;\n    ", hash='ac30876bc7c4825b58edec3e1b4b3e312d9de804', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_ledger_chainhead_no_truncate_c7cef', table='ledger_chainhead', when='BEFORE')),
        ),
    ]
