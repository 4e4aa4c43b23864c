"""Room on every page of the two state tables, so that an event's upserts are HOT updates: the
new row version stays on its page and no index entry is written (without the room, each
upsert moved its row to another page and wrote an entry into every index of the table).

ALTER TABLE only sets the target for pages written from now on; `VACUUM FULL` of both tables
(a maintenance window; see docs/operations.md) gives the pages already there their room."""

from django.db import migrations

# Percent of each page filled by INSERTs. The rows are small (a state ~100 bytes, a person's
# choices a few hundred), so a fifth of a page holds several versions until pruning frees it.
STATE_FILLFACTOR = 80
TABLES = ("ledger_consentstate", "ledger_currentchoices")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0014_partial_policy_version_index"),
    ]

    operations = [
        migrations.RunSQL(
            [f"ALTER TABLE {table} SET (fillfactor = {STATE_FILLFACTOR})" for table in TABLES],
            [f"ALTER TABLE {table} RESET (fillfactor)" for table in TABLES],
        ),
    ]
