"""The queue's search by the start of the name a requester gave: lower(requester_name) with
text_pattern_ops, so `LIKE 'eva sv%'` is an index range scan. Built CONCURRENTLY, so a large
queue keeps taking requests while it is built."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("requests_app", "0003_request_letters"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="subjectrequest",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Lower("requester_name"), name="text_pattern_ops"
                ),
                name="requests_app_sr_name_prefix",
            ),
        ),
    ]
