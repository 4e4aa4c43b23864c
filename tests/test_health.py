import pytest

pytestmark = pytest.mark.django_db


def test_healthy_without_a_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_unreachable_broker_is_named(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from config.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = None
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"] == {"database": "ok", "broker": "unreachable"}


@pytest.mark.redis
def test_reports_both_when_the_broker_is_up(client, settings):
    import os

    from config.celery import app

    settings.REDIS_URL = os.environ["REDIS_URL"]
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = None
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}


def test_unreachable_redis_is_named(client, settings):
    settings.CELERY_BROKER_URL = ""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]


def test_unreachable_database_gives_503(client, monkeypatch, settings):
    from config import views

    settings.REDIS_URL = ""
    monkeypatch.setattr(views, "_database_reachable", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
