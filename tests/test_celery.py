from config.celery import app


def test_every_periodic_task_names_a_task_the_workers_know():
    schedule = app.conf.beat_schedule
    assert schedule["send-due-emails"]["schedule"] == 60.0  # the outbox's sweep, every minute (issue 9)
    registered = app.tasks.keys()
    for name, entry in schedule.items():
        assert entry["task"] in registered, name
