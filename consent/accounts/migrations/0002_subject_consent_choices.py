import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="subject",
            name="consent_choices",
            field=models.JSONField(db_default={}, default=dict, editable=False, verbose_name="current choices"),
        ),
        migrations.AddIndex(
            model_name="subject",
            index=django.contrib.postgres.indexes.HashIndex(fields=["email_digest"], name="accounts_subject_digest_hash"),
        ),
        # Every consent event rewrites its subject's row; room on the page keeps that a
        # heap-only update, which touches none of the table's indexes.
        migrations.RunSQL(
            "ALTER TABLE accounts_subject SET (fillfactor = 85)",
            "ALTER TABLE accounts_subject RESET (fillfactor)",
        ),
    ]
