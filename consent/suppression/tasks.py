from celery import shared_task

from consent.suppression.import_run import suppression_import_run


# A list of millions of lines takes minutes; the default time limits are for small tasks.
@shared_task(acks_late=True, soft_time_limit=4 * 3600, time_limit=4 * 3600 + 300)
def import_suppressions_task(import_id: int) -> None:
    suppression_import_run(import_id=import_id)
