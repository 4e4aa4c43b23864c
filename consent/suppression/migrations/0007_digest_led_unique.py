"""One digest-led unique B-tree instead of a scope-led one plus a hash index on the digest:
an import's sorted digests fill it in order, and a lookup by digest reads the scope from it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("suppression", "0006_entry_created_index"),
    ]

    operations = [
        # The new constraint first: the entries are never without one.
        migrations.AddConstraint(
            model_name="suppressionentry",
            constraint=models.UniqueConstraint(
                fields=("identifier_digest", "purpose", "channel"),
                name="suppression_suppressionentry_digest_scope_unique",
                nulls_distinct=False,
            ),
        ),
        migrations.RemoveConstraint(
            model_name="suppressionentry",
            name="suppression_suppressionentry_scope_unique",
        ),
        migrations.RemoveIndex(
            model_name="suppressionentry",
            name="suppression_entry_digest_hash",
        ),
    ]
