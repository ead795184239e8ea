"""CORS on the API (api/cors.py): which origins may read /api/* from a browser."""

from __future__ import annotations

import pytest

from api.cors import parse_origins
from tests.conftest import make_client

DOCS = "https://docs.example"
WIKI = "http://wiki.example:8080"
OTHER = "https://evil.example"
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                "Access-Control-Allow-Headers", "Access-Control-Max-Age",
                "Access-Control-Allow-Credentials")


def preflight(client, path: str = "/api/search", origin: str = DOCS):
    return client.options(path, headers={"Origin": origin,
                                         "Access-Control-Request-Method": "GET",
                                         "Access-Control-Request-Headers": "content-type"})


def no_cors_headers(response) -> bool:
    return not any(name in response.headers for name in CORS_HEADERS)


@pytest.fixture(scope="module")
def listed(notes_build):
    return make_client(notes_build[1], cors_origins=f"{DOCS}, {WIKI}/")


@pytest.fixture(scope="module")
def anyone(notes_build):
    return make_client(notes_build[1], cors_origins="*")


@pytest.fixture(scope="module")
def nobody(notes_build):
    return make_client(notes_build[1], cors_origins="")


def test_parse_origins():
    assert parse_origins("") == frozenset()
    assert parse_origins(" , ") == frozenset()
    assert parse_origins("https://A.example/, http://b.example:81") == {
        "https://a.example", "http://b.example:81"}
    assert parse_origins(["*"]) == {"*"}


def test_allowed_origin_is_echoed_with_vary(listed):
    response = listed.get("/api/search?q=pod", headers={"Origin": DOCS})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == DOCS
    assert "Origin" in response.vary
    assert "Access-Control-Allow-Credentials" not in response.headers
    second = listed.get("/healthz", headers={"Origin": WIKI})
    assert second.headers["Access-Control-Allow-Origin"] == WIKI


def test_origin_match_ignores_case_and_trailing_slash(listed):
    response = listed.get("/api/relations", headers={"Origin": "https://DOCS.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://DOCS.example"


def test_disallowed_origin_gets_no_cors_headers(listed):
    response = listed.get("/api/search?q=pod", headers={"Origin": OTHER})
    assert response.status_code == 200  # the answer itself; the browser withholds it
    assert no_cors_headers(response)
    assert "Origin" in response.vary  # so caches keep allowed and refused answers apart
    # A different port or scheme is a different origin.
    for origin in ("https://docs.example:8443", "http://docs.example", "null"):
        assert no_cors_headers(listed.get("/api/search?q=pod", headers={"Origin": origin}))


def test_preflight_from_allowed_origin(listed):
    response = preflight(listed)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == DOCS
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "OPTIONS" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.vary


def test_preflight_from_disallowed_origin(listed):
    response = preflight(listed, origin=OTHER)
    assert response.status_code != 204
    assert no_cors_headers(response)


def test_preflight_headers_only_on_preflight(listed):
    response = listed.get("/api/search?q=pod", headers={"Origin": DOCS})
    assert "Access-Control-Max-Age" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_error_answers_carry_cors_headers(listed):
    """A page must be able to read the JSON error (e.g. to show the message)."""
    response = listed.get("/api/search", headers={"Origin": DOCS})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"]
    assert response.headers["Access-Control-Allow-Origin"] == DOCS
    missing = listed.get("/api/no-such-thing", headers={"Origin": DOCS})
    assert missing.status_code == 404
    assert missing.headers["Access-Control-Allow-Origin"] == DOCS


def test_star_allows_any_origin(anyone):
    response = anyone.get("/api/search?q=pod", headers={"Origin": OTHER})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    answer = preflight(anyone, origin="http://localhost:3000")
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Max-Age"]


def test_none_by_default(nobody, client):
    for each in (nobody, client):
        response = each.get("/api/search?q=pod", headers={"Origin": DOCS})
        assert response.status_code == 200
        assert no_cors_headers(response)
        assert "Origin" not in response.vary
        assert no_cors_headers(preflight(each))
        assert preflight(each).status_code != 204


def test_html_pages_are_not_cors_enabled(anyone):
    response = anyone.get("/demo", headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_widget_script_is_public_whatever_the_setting(nobody, listed):
    for each in (nobody, listed):
        response = each.get("/widget.js", headers={"Origin": OTHER})
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
