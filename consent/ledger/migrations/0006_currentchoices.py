import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models

# projection.CHOICES_FROM_STATES, frozen here: fills the new table from the ConsentState rows.
FILL_SQL = """
INSERT INTO ledger_currentchoices (subject_id, choices)
SELECT subject_id,
       jsonb_object_agg(purpose_id || COALESCE('/' || channel, ''), jsonb_build_array(decision, event_id))
  FROM ledger_consentstate
 GROUP BY subject_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_subject_consent_choices"),
        ("ledger", "0005_no_truncate"),
    ]

    operations = [
        migrations.CreateModel(
            name="CurrentChoices",
            fields=[
                (
                    "subject",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="accounts.subject",
                        verbose_name="subject",
                    ),
                ),
                ("choices", models.JSONField(default=dict, verbose_name="choices")),
            ],
            options={
                "verbose_name": "current choices",
                "verbose_name_plural": "current choices",
                "indexes": [
                    django.contrib.postgres.indexes.HashIndex(fields=["subject"], name="ledger_currentchoices_hash")
                ],
            },
        ),
        # Every consent event rewrites its subject's row: room on the page keeps that a
        # heap-only update, which touches none of the table's indexes.
        migrations.RunSQL(
            "ALTER TABLE ledger_currentchoices SET (fillfactor = 85)",
            "ALTER TABLE ledger_currentchoices RESET (fillfactor)",
        ),
        migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop),
    ]
