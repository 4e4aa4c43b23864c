from config.celery import app


def test_every_periodic_task_names_a_task_the_workers_know():
    app.loader.import_default_modules()  # what a worker does on start: every app's tasks module
    schedule = app.conf.beat_schedule
    assert schedule["send-due-emails"]["schedule"] == 60.0  # the outbox's sweep, every minute (issue 9)
    registered = app.tasks.keys()
    for name, entry in schedule.items():
        assert entry["task"] in registered, name
    # One schedule (CELERY_BEAT_SCHEDULE): config/celery.py once replaced it and dropped this.
    assert schedule["take-ledger-checkpoint"]["task"] == "consent.ledger.tasks.take_ledger_checkpoint_task"
    assert schedule["refresh-dashboard-figures"]["schedule"] == 300.0
