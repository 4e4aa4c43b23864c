"""The ledger's exceptions move out of the application role's reach: TRUNCATE only for the
tables' owner, evidence DELETE only inside ledger_evidence_erase() (migration 0008)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_currentchoices'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='consentevent',
            name='ledger_consentevent_no_truncate',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='consentevidence',
            name='ledger_consentevidence_erasure_only',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='consentevidence',
            name='ledger_consentevidence_no_truncate',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='consentevent',
            trigger=pgtrigger.compiler.Trigger(name='ledger_consentevent_no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n        IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN\n            RETURN NULL;\n        END IF;\n        RAISE EXCEPTION 'The consent ledger cannot be truncated (table %).', TG_TABLE_NAME;\n    ", hash='0e148724783e04a390df08b72cd77326e76a3ec4', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_ledger_consentevent_no_truncate_d2c3f', table='ledger_consentevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='consentevidence',
            trigger=pgtrigger.compiler.Trigger(name='ledger_consentevidence_no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n        IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN\n            RETURN NULL;\n        END IF;\n        RAISE EXCEPTION 'The consent ledger cannot be truncated (table %).', TG_TABLE_NAME;\n    ", hash='4609b6e053db236c157c157f1d2719bad26fca3a', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_ledger_consentevidence_no_truncate_75fd2', table='ledger_consentevidence', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='consentevidence',
            trigger=pgtrigger.compiler.Trigger(name='ledger_consentevidence_erasure_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n        IF current_setting('consent.evidence_erase', true) = 'on' AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN\n            RETURN OLD;\n        END IF;\n        RAISE EXCEPTION 'Consent evidence is deleted only by ledger_evidence_erase() (table %).', TG_TABLE_NAME;\n    ", hash='d3bcd6593d594e4419acf956905795f6f4678665', operation='DELETE', pgid='pgtrigger_ledger_consentevidence_erasure_only_c3777', table='ledger_consentevidence', when='BEFORE')),
        ),
    ]
