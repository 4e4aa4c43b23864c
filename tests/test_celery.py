from config.celery import app


def test_celery_is_configured_for_safe_delivery(settings):
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit > conf.task_soft_time_limit > 0


def test_tasks_run_eagerly_without_a_broker(settings):
    assert settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER
    if not settings.CELERY_BROKER_URL:
        assert app.conf.task_always_eager is True


def test_the_outbox_schedules_live_in_code():
    schedule = app.conf.beat_schedule
    assert schedule["send-due-emails"]["task"] == "consent.notifications.tasks.send_due_emails_task"
    assert schedule["send-due-emails"]["schedule"] == 60.0
    assert schedule["redact-old-emails"]["task"] == "consent.notifications.tasks.redact_old_emails_task"
    registered = app.tasks.keys()
    for entry in schedule.values():
        assert entry["task"] in registered
