"""The cookie banner's public endpoints over HTTP, beside the one-SELECT ceiling.

The same server and load generator as the single check (bench/web.py: gunicorn with 2 sync
workers, wrk at 16 connections), measured in the same run: the ceiling `/bench/pk/`, then
GET config (Swedish; it reads no table), GET choices for a returning visitor (a signed
cookie, one query) and POST choices for a first-time visitor (a new anonymous subject and
three ledger events with their evidence), all with an allowed Origin and the rate limit
lifted so the limiter's cache round trip is counted but never refuses."""

import json
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench import web

CONFIG_PATH = "/api/v1/banner/config/?language=sv"
CHOICES_PATH = "/api/v1/banner/choices/"
# The reads are judged like the single check: against the server's one-SELECT ceiling.
GOAL_READ_RATIO = 0.8

_GET_LUA = """
wrk.method = "GET"
wrk.headers["Origin"] = "%(origin)s"
wrk.headers["Accept-Language"] = "sv"
%(cookie)s
"""

_POST_LUA = """
-- A first-time visitor each request (no cookie), each with its own mix of choices.
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(104729 * (tid + 1))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "%(origin)s"
local function yes() return math.random(0, 1) == 1 and "true" or "false" end
function request()
  local body = '{"choices": {"analytics": ' .. yes() .. ', "personalisation": ' .. yes() ..
    ', "advertising": ' .. yes() .. '}, "language": "sv"}'
  return wrk.format(nil, nil, nil, body)
end
"""


@dataclass
class BannerResult:
    ceiling: web.WrkResult | None = None
    measured: dict = field(default_factory=dict)  # label -> WrkResult
    skipped: str = ""


def _returning_visitor_cookie() -> str:
    from consent.banner.services import banner_choices_record
    from consent.banner.visitor import COOKIE_NAME, visitor_cookie_value
    from consent.ledger.chain import Evidence

    subject, _events = banner_choices_record(
        subject=None,
        choices={"analytics": True, "personalisation": False, "advertising": False},
        gpc=False,
        source="api",
        evidence=Evidence(),
    )
    return f"{COOKIE_NAME}={visitor_cookie_value(subject.pk)}"


def _works(url: str, origin: str, *, post: bool = False) -> str:
    body = json.dumps({"choices": {"analytics": True}}).encode() if post else None
    request = urllib.request.Request(
        url,
        data=body,
        method="POST" if post else "GET",
        headers={"Origin": origin, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            json.loads(response.read())
    except (urllib.error.URLError, ValueError) as exc:
        return f"{'POST' if post else 'GET'} {url} failed: {exc}"
    return ""


def run(*, duration: int) -> BannerResult:
    wrk = web.wrk_path()
    if wrk is None:
        return BannerResult(skipped="wrk is not installed: apt-get install wrk")
    cookie = _returning_visitor_cookie()
    port = web._free_port()
    base = f"http://{web.HOST}:{port}"
    saved_rate = os.environ.get("CONSENT_BANNER_RATE")
    os.environ["CONSENT_BANNER_RATE"] = "100000000/m"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-banner-") as tmp:
            scripts = {
                "config": (CONFIG_PATH, _GET_LUA % {"origin": base, "cookie": ""}),
                "choices, returning visitor": (
                    CHOICES_PATH,
                    _GET_LUA % {"origin": base, "cookie": f'wrk.headers["Cookie"] = "{cookie}"'},
                ),
                "choices recorded, first visit": (CHOICES_PATH, _POST_LUA % {"origin": base}),
            }
            log_path = Path(tmp) / "gunicorn.log"
            with log_path.open("wb") as log:
                server = web._gunicorn(port, log)
                try:
                    web._wait_ready(server, base + web.CEILING_PATH, log_path)
                    problem = _works(base + CONFIG_PATH, base) or _works(base + CHOICES_PATH, base, post=True)
                    web._wrk(wrk, base + web.CEILING_PATH, web.WARMUP_SECONDS, None)
                    result = BannerResult(ceiling=web._wrk(wrk, base + web.CEILING_PATH, duration, None))
                    if problem:
                        result.skipped = problem
                        return result
                    for label, (path, lua) in scripts.items():
                        script = Path(tmp) / f"{len(result.measured)}.lua"
                        script.write_text(lua, encoding="utf-8")
                        web._wrk(wrk, base + path, web.WARMUP_SECONDS, script)
                        result.measured[label] = web._wrk(wrk, base + path, duration, script)
                    return result
                finally:
                    web._stop(server)
    finally:
        if saved_rate is None:
            os.environ.pop("CONSENT_BANNER_RATE", None)
        else:
            os.environ["CONSENT_BANNER_RATE"] = saved_rate


def figures(result: BannerResult) -> list:
    from bench.report import Figure, verdict

    if result.skipped and not result.measured:
        return [Figure("Cookie banner over HTTP", "-", verdict=f"skipped: {result.skipped}")]
    ceiling = result.ceiling.requests_per_second if result.ceiling else 0.0
    lines = []
    for label, measured in result.measured.items():
        ratio = measured.requests_per_second / ceiling if ceiling else None
        clean = not measured.bad_responses and not measured.timeouts
        reads = not label.startswith("choices recorded")
        lines.append(
            Figure(
                f"Banner {label}: throughput",
                f"{measured.requests_per_second:,.0f} req/s",
                f"{ceiling:,.0f} req/s" if ceiling else "-",
                f"{ratio:.2f}x" if ratio is not None else "-",
                f">= {GOAL_READ_RATIO}x" if reads else "",
                (verdict(clean and ratio >= GOAL_READ_RATIO) if ratio is not None else "-") if reads else "",
                note=f"p50 {measured.p50_ms:.1f} ms, p99 {measured.p99_ms:.1f} ms"
                + (f", {measured.bad_responses:,} non-2xx" if measured.bad_responses else ""),
            )
        )
    return lines
