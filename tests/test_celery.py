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
