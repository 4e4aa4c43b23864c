"""A real Celery worker in a subprocess, on the machine's Redis and the test database.

The broker is REDIS_URL's server on the next database number (or TEST_CELERY_BROKER_URL),
and every run uses a queue of its own, so parallel test processes never take each
other's tasks."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.db import connection
from kombu import pools

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def broker_url() -> str:
    explicit = os.environ.get("TEST_CELERY_BROKER_URL")
    if explicit:
        return explicit
    parts = urlsplit(os.environ["REDIS_URL"])
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{database + 1}"))


def database_url() -> str:
    """The test database (pytest-django's, with its xdist suffix) as a DATABASE_URL."""
    params = connection.settings_dict
    user = quote(params["USER"] or "", safe="")
    password = f":{quote(params['PASSWORD'], safe='')}" if params.get("PASSWORD") else ""
    host = quote(params["HOST"] or "", safe="")
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{params['NAME']}"


@contextlib.contextmanager
def publishing_to(url: str, queue: str):
    """Make this process publish tasks to `url`/`queue` instead of running them eagerly."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}

    def reset():
        # The app and kombu cache connection pools and queue declarations: start them afresh.
        pools.reset()
        app._pool = None
        app.__dict__.pop("amqp", None)

    app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)
    reset()
    try:
        yield
    finally:
        reset()
        app.conf.update(saved)


class Worker:
    def __init__(self, *, email_port: int, queue: str, concurrency: int = 2, env: dict | None = None):
        self.queue = queue
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": database_url(),
            "DATABASE_POOL_MAX_SIZE": "2",
            "CELERY_BROKER_URL": broker_url(),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_URL": f"smtp://127.0.0.1:{email_port}",
            **(env or {}),
        }
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--concurrency", str(concurrency), "--hostname", f"{queue}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
            ],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.output():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("The Celery worker did not start:\n" + self.output()[-3000:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def unique_queue() -> str:
    return f"outbox-test-{uuid.uuid4().hex[:12]}"
