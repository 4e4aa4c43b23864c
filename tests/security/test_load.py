"""50 concurrent writers against the development server and against gunicorn: no server
error, and the database never sees more connections than the pool allows."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from consent.accounts.services import api_key_create

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
# Fifty writers at once is the hardening issue's load. Each sends a few requests, not ten:
# the pool's bound and the absence of a server error show in the first round of fifty
# concurrent requests, and three rounds keep the writers overlapping while connections are
# returned and reused.
WRITERS, REQUESTS_EACH = 50, 3
POOL_MAX_SIZE = 4
SERVER_APPLICATION_NAME = "consent-load-test-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    params = connection.settings_dict
    host = quote(params["HOST"], safe="") if params["HOST"] else ""
    return f"postgres://{params['USER']}@{host}:{params['PORT'] or 5432}/{params['NAME']}"


def _server_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="true",
        DATABASE_URL=_database_url(),
        DATABASE_POOL_MAX_SIZE=str(POOL_MAX_SIZE),
        DJANGO_LOG_LEVEL="ERROR",
        PGAPPNAME=SERVER_APPLICATION_NAME,  # libpq names the server's connections, and only them
    )
    return env


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310 - local server
            return
        except OSError:  # refused, reset or timed out (URLError is an OSError): not up yet
            time.sleep(0.2)
    raise AssertionError("the server did not start")


class ConnectionSampler(threading.Thread):
    """The most connections the test database had open at once, from another connection."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.stopped = threading.Event()
        self.params = connection.get_connection_params()

    def run(self) -> None:
        params = {k: v for k, v in self.params.items() if k not in ("cursor_factory", "context", "prepare_threshold")}
        with psycopg.connect(**params, autocommit=True) as conn:
            while not self.stopped.is_set():
                count = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                    [SERVER_APPLICATION_NAME],
                ).fetchone()[0]
                self.peak = max(self.peak, count)
                time.sleep(0.02)


def _writers(port: int, key: str) -> dict[int, int]:
    def write(writer: int) -> list[int]:
        statuses = []
        for n in range(REQUESTS_EACH):
            request = urllib.request.Request(  # noqa: S310 - local server
                f"http://127.0.0.1:{port}/api/v1/consents/",
                data=(
                    f'{{"subject": {{"email": "writer{writer}@example.com"}}, "purpose": "marketing_own",'
                    f' "channel": "email", "decision": "{"granted" if n % 2 else "withdrawn"}"}}'
                ).encode(),
                headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        return statuses

    counts: dict[int, int] = {}
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for statuses in pool.map(write, range(WRITERS)):
            for status in statuses:
                counts[status] = counts.get(status, 0) + 1
    return counts


def _run_against(command: list[str], port: int, *, connection_bound: int) -> None:
    _key, secret = api_key_create(name="load", scopes=["consent:write"])
    process = subprocess.Popen(command, cwd=ROOT, env=_server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(port, process)
        sampler = ConnectionSampler()
        sampler.start()
        counts = _writers(port, secret)
        sampler.stopped.set()
        sampler.join()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert counts == {201: WRITERS * REQUESTS_EACH}, counts
    assert 0 < sampler.peak <= connection_bound, sampler.peak


def test_fifty_writers_against_the_development_server():
    port = _free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    _run_against(command, port, connection_bound=POOL_MAX_SIZE)


def test_fifty_writers_against_gunicorn():
    port = _free_port()
    workers = 2
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", "8", "--log-level", "error",
    ]  # fmt: skip
    _run_against(command, port, connection_bound=workers * POOL_MAX_SIZE)
