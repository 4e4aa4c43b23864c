"""Back-office figures: each admin list, the subject page and the dashboard on the bench
database, timed through Django's test client as a signed-in superuser (median of N GETs
after one warm-up), beside a ceiling measured in the same run: a bare
`SELECT * FROM <table> ORDER BY id DESC LIMIT 100` on the page's main table. The goal is
absolute: every page under 500 ms.

The superuser's session carries a second factor set in the session directly (as the
tests' `staff_login` does): the bench measures the pages, not the sign-in."""

import statistics
import time

from bench.report import Figure, verdict

GOAL_MS = 500.0
RUNS = 5


def _client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user_model = get_user_model()
    user = user_model.objects.filter(email="bench-admin@example.com").first()
    if user is None:
        user = user_model.objects.create_superuser("bench-admin@example.com", None)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _median_ms(call, runs: int = RUNS) -> float:
    call()  # warm-up: caches, the first plan
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _ceiling_ms(table: str) -> float:
    from django.db import connection

    def select():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1 DESC LIMIT 100")  # noqa: S608 - our table names; 1: the key
            cursor.fetchall()

    return _median_ms(select)


def _busiest_subject() -> tuple[str, int]:
    """A subject with the most events among the first thousand: the page's worst case."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT subject_id, count(*) FROM ledger_consentevent"
            " WHERE subject_id IN (SELECT id FROM accounts_subject ORDER BY id LIMIT 1000)"
            " GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
        subject_id, events = cursor.fetchone()
    return str(subject_id), events


def run(*, suppression_entries: int) -> list[Figure]:
    from django.conf import settings
    from django.test import override_settings

    # Production settings name static files by a manifest that `collectstatic` writes; the
    # bench does not collect them, and a page's static URLs are not what is measured.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        return _run(suppression_entries=suppression_entries)


def _dashboard_refresh_figures() -> list[Figure]:
    """The beat's work behind the dashboard, timed once each: the first run (or `manage.py
    dashboard_refresh --all`) counting every week, the recount of the last two weeks every
    few minutes, and the nightly recount of the suppression chart. No goal: it runs on a worker."""
    from consent.backoffice.models import DashboardFigure
    from consent.backoffice.services import dashboard_figures_refresh

    runs = [
        ("every week (first run, --all)", {"weeks": None}),
        ("last two weeks (every 5 minutes)", {}),
        ("suppression, every week (nightly)", {"weeks": None, "charts": [DashboardFigure.Chart.SUPPRESSION_ADDED]}),
    ]
    figures = []
    for label, kwargs in runs:
        started = time.perf_counter()
        written = dashboard_figures_refresh(**kwargs)
        figures.append(
            Figure(
                f"Dashboard figures: {label}",
                f"{time.perf_counter() - started:,.1f} s",
                note=f"{written:,} figures written",
            )
        )
    return figures


def _run(*, suppression_entries: int) -> list[Figure]:
    from bench import suppression

    suppression.ensure_entries(suppression_entries)
    refresh_figures = _dashboard_refresh_figures()
    client = _client()
    story_subject, story_events = _busiest_subject()
    pages = [
        ("Subjects", "/admin/accounts/subject/", "accounts_subject"),
        ("Subjects: search by email", "/admin/accounts/subject/?q=bench42%40example.com", "accounts_subject"),
        ("Subjects: search by name", "/admin/accounts/subject/?q=alex+m", "accounts_user"),
        ("Users", "/admin/accounts/user/", "accounts_user"),
        ("Consent events", "/admin/ledger/consentevent/", "ledger_consentevent"),
        ("Consent events: filtered", "/admin/ledger/consentevent/?decision__exact=withdrawn", "ledger_consentevent"),
        ("Suppression entries", "/admin/suppression/suppressionentry/", "suppression_suppressionentry"),
        ("Suppression imports", "/admin/suppression/suppressionimport/", "suppression_suppressionimport"),
        ("Outbox", "/admin/notifications/outboundemail/", "notifications_outboundemail"),
        ("Requests queue", "/admin/requests_app/subjectrequest/", "requests_app_subjectrequest"),
        ("Representative offices", "/admin/requests_app/representativeoffice/", "requests_app_representativeoffice"),
        ("Third parties", "/admin/requests_app/thirdparty/", "requests_app_thirdparty"),
        ("Disclosures", "/admin/requests_app/disclosure/", "requests_app_disclosure"),
        ("Erasure records", "/admin/requests_app/erasurerecord/", "requests_app_erasurerecord"),
        ("Purposes", "/admin/ledger/purpose/", "ledger_purpose"),
        ("Ledger checkpoints", "/admin/ledger/ledgercheckpoint/", "ledger_ledgercheckpoint"),
        ("Evidence erasures", "/admin/ledger/evidenceerasure/", "ledger_evidenceerasure"),
        ("Policy documents", "/admin/policies/policydocument/", "policies_policydocument"),
        ("Policy versions", "/admin/policies/policyversion/", "policies_policyversion"),
        ("Policy notice runs", "/admin/notices/noticerun/", "notices_noticerun"),
        ("API keys", "/admin/accounts/apikey/", "accounts_apikey"),
        (
            "Compromised-password reports",
            "/admin/accounts/passwordcompromisereport/",
            "accounts_passwordcompromisereport",
        ),
        ("Sign-in lockouts", "/admin/axes/accessattempt/", "axes_accessattempt"),
        ("Access log", "/admin/accounts/dataaccess/", "accounts_dataaccess"),
        ("Profile changes", "/admin/accounts/profilechange/", "accounts_profilechange"),
        (
            f"Subject page ({story_events} events)",
            f"/admin/accounts/subject/{story_subject}/story/",
            "ledger_consentevent",
        ),
        ("Dashboard", "/admin/dashboard/", "ledger_consentevent"),
    ]
    figures = refresh_figures
    for label, url, table in pages:

        def get(url=url):
            response = client.get(url, secure=True)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")

        page_ms = _median_ms(get)
        ceiling_ms = _ceiling_ms(table)
        figures.append(
            Figure(
                f"Admin: {label}",
                f"{page_ms:,.0f} ms",
                f"{ceiling_ms:,.1f} ms",
                f"{page_ms / ceiling_ms:,.0f}x" if ceiling_ms else "-",
                f"< {GOAL_MS:,.0f} ms",
                verdict(page_ms < GOAL_MS),
                note=f"median of {RUNS} GETs of {url}; ceiling: 100 newest rows of {table}",
            )
        )
    return figures
