from django.db import migrations

# projection.CHOICES_REBUILD_SQL, frozen here: fills the new Subject.consent_choices
# from the ConsentState rows already written.
FILL_SQL = """
UPDATE accounts_subject s
   SET consent_choices = c.choices
  FROM (SELECT subject_id,
               jsonb_object_agg(purpose_id || COALESCE('/' || channel, ''), jsonb_build_array(decision, event_id))
                   AS choices
          FROM ledger_consentstate
         GROUP BY subject_id) c
 WHERE c.subject_id = s.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_subject_consent_choices"),
        ("ledger", "0003_fewer_indexes"),
    ]

    operations = [migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop)]
