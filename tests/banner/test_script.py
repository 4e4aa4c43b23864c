"""The script, its size, where it is served and the GPC statement."""

import gzip

import pytest

pytestmark = pytest.mark.django_db


def test_the_script_and_its_css_are_at_most_15_kb_gzipped(client):
    response = client.get("/consent-banner.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    # The CSS lives inside the script: one request, one figure.
    assert b".cb-btn{" in response.content
    assert len(gzip.compress(response.content, compresslevel=9)) <= 15 * 1024


def test_any_site_may_load_the_script_and_caches_may_keep_it(client):
    response = client.get("/consent-banner.js")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert client.get("/consent-banner.js", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_gpc_statement_is_served(client):
    response = client.get("/.well-known/gpc.json")

    assert response.status_code == 200
    assert response.json() == {"gpc": True, "lastUpdate": "2026-11-23"}


def test_the_portal_includes_the_same_script(client):
    page = client.get("/").content.decode()

    assert '<script src="/consent-banner.js" data-platform="" async></script>' in page
