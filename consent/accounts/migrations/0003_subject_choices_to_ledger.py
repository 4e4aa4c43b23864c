from django.db import migrations


class Migration(migrations.Migration):
    """The copy of a person's current choices moved to the ledger's own table
    (ledger.CurrentChoices, filled from ConsentState by the ledger's migration 0006)."""

    dependencies = [
        ("accounts", "0002_subject_consent_choices"),
        # The ledger's migration 0004 wrote the column this one drops: it must have run.
        ("ledger", "0004_subject_consent_choices"),
    ]

    operations = [
        migrations.RemoveField(model_name="subject", name="consent_choices"),
        migrations.RunSQL(
            "ALTER TABLE accounts_subject RESET (fillfactor)",
            "ALTER TABLE accounts_subject SET (fillfactor = 85)",
        ),
    ]
