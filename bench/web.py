"""The single check over HTTP: gunicorn (2 sync workers) on 127.0.0.1, load from wrk.

The same server also answers `/bench/pk/` (one primary-key SELECT), whose throughput is
the ceiling the check is compared with."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from bench.check import CHANNEL, PURPOSE
from bench.data import email

HOST = "127.0.0.1"
WORKERS = 2
CONNECTIONS = 16
THREADS = 2
WARMUP_SECONDS = 3
START_TIMEOUT = 60
CHECK_PATH = "/api/v1/consents/check/"
CEILING_PATH = "/bench/pk/"

_LUA = """
-- POST one identifier per request, a different bench subject each time.
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(7919 * (tid + 1))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Api-Key %(key)s"
function request()
  local n = math.random(0, %(last)d)
  local body = '{"purpose": "%(purpose)s", "channel": "%(channel)s", "identifiers": ["bench' .. n .. '@example.com"]}'
  return wrk.format(nil, nil, nil, body)
end
"""


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int
    socket_errors: str
    timeouts: int


@dataclass
class HttpResult:
    check: WrkResult | None
    ceiling: WrkResult | None
    skipped: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.check or not self.ceiling or not self.ceiling.requests_per_second:
            return None
        return self.check.requests_per_second / self.ceiling.requests_per_second


def wrk_path() -> str | None:
    return shutil.which("wrk") or ("/usr/bin/wrk" if os.path.exists("/usr/bin/wrk") else None)


def run(*, subjects: int, duration: int) -> HttpResult:
    wrk = wrk_path()
    if wrk is None:
        return HttpResult(None, None, skipped="wrk is not installed: apt-get install wrk")
    key = _api_key()
    port = _free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        log_path = Path(tmp) / "gunicorn.log"
        script = Path(tmp) / "check.lua"
        script.write_text(
            _LUA % {"key": key, "last": subjects - 1, "purpose": PURPOSE, "channel": CHANNEL}, encoding="utf-8"
        )
        with log_path.open("wb") as log:
            server = _gunicorn(port, log)
            try:
                _wait_ready(server, base + CEILING_PATH, log_path)
                problem = _check_endpoint_works(base + CHECK_PATH, key, subjects)
                _wrk(wrk, base + CEILING_PATH, WARMUP_SECONDS, None)
                ceiling = _wrk(wrk, base + CEILING_PATH, duration, None)
                if problem:
                    return HttpResult(None, ceiling, skipped=problem)
                _wrk(wrk, base + CHECK_PATH, WARMUP_SECONDS, script)
                check = _wrk(wrk, base + CHECK_PATH, duration, script)
                return HttpResult(check, ceiling)
            finally:
                _stop(server)
                said = log_path.read_text(encoding="utf-8", errors="replace")
                if "Traceback" in said or "ERROR" in said:
                    print(
                        "gunicorn said (last lines):\n  " + "\n  ".join(said.strip().splitlines()[-20:]),
                        file=sys.stderr,
                    )


def _api_key() -> str:
    from consent.accounts.models import ApiKey
    from consent.accounts.services import api_key_create

    ApiKey.objects.filter(name="bench").delete()  # one key per run, not one more per run
    _api_key_row, key = api_key_create(name="bench", scopes=["consent:read"])
    return key


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _gunicorn(port: int, log) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": HOST,
            "IDENTITY_HASH_KEY": settings.IDENTITY_HASH_KEY,  # the key the bench data was made with
            "EMAIL_URL": "consolemail://",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "config.wsgi:application",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        "--chdir",
        str(settings.BASE_DIR),
    ]
    # Its own process group, so stopping it reaches the workers too.
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(server: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"gunicorn did not answer {url} within {START_TIMEOUT} s")


def _check_endpoint_works(url: str, key: str, subjects: int) -> str:
    """'' if one check answers 200 with one result, else why the check cannot be measured."""
    body = json.dumps({"purpose": PURPOSE, "channel": CHANNEL, "identifiers": [email(subjects // 2)]}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Api-Key {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return f"POST {CHECK_PATH} answered 404: the endpoint is not routed yet"
        return f"POST {CHECK_PATH} answered {exc.code}: {exc.read()[:300]!r}"
    except (urllib.error.URLError, ValueError) as exc:
        return f"POST {CHECK_PATH} failed: {exc}"
    if len(answer.get("results", [])) != 1:
        return f"POST {CHECK_PATH} answered without one result: {str(answer)[:300]}"
    return ""


def _wrk(wrk: str, url: str, duration: int, script: Path | None) -> WrkResult:
    command = [wrk, "--latency", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "5s"]
    if script:
        command += ["-s", str(script)]
    completed = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    return parse_wrk(completed.stdout)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    if not (rate and p50 and p99 and total):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:\s+(.+)$", output, re.MULTILINE)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", output)
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        p50_ms=_ms(*p50.groups()),
        p99_ms=_ms(*p99.groups()),
        requests=int(total.group(1)),
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=errors.group(1).strip() if errors else "",
        timeouts=int(timeouts.group(1)) if timeouts else 0,
    )


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait(timeout=5)
