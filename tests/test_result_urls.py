"""Result links from KG_DOCS_URL: encoded, filled once, never a script, and no redirect
built from the Host header."""

from __future__ import annotations

import pytest

from service.answers import result_url


@pytest.mark.parametrize("pattern, path, anchor, want", [
    ("/notes/{path}#{anchor}", "work loads/pod #1.md", "pod-스펙",
     "/notes/work%20loads/pod%20%231.md#pod-스펙"),
    ("/notes/{path}#{anchor}", "a\u3000b\u2028.md", "", "/notes/a%E3%80%80b%E2%80%A8.md#"),
    ("/notes/{path}#{anchor}", "{anchor}.md", "x", "/notes/%7Banchor%7D.md#x"),
    ("https://docs.example.com/{path}?l={line}", "a?b=c&d.md", "",
     "https://docs.example.com/a%3Fb%3Dc%26d.md?l=3"),
    ("{path}", "javascript:alert(1).md", "", "javascript%3Aalert%281%29.md"),
    ("{path}", "//evil.example/x.md", "top", "/notes///evil.example/x.md#top"),
    ("javascript:{path}", "a.md", "top", "/notes/a.md#top"),
    ("data:text/html,{path}", "a.md", "top", "/notes/a.md#top"),
])
def test_result_urls(pattern, path, anchor, want):
    assert result_url(pattern, path, anchor, 3) == want


def test_search_results_carry_encoded_urls(notes_build):
    from .conftest import make_client

    client = make_client(notes_build[1], docs_url="{path}")
    body = client.get("/api/search", query_string={"q": "pod"}).get_json()
    for result in body["results"]:
        assert " " not in result["url"] and ":" not in result["url"]


@pytest.mark.parametrize("path", ["/api//search?q=pod", "/explore//pod", "/notes//x.md"])
def test_a_doubled_slash_is_not_redirected_to_the_host_sent(client, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert "evil.example" not in response.headers.get("Location", "")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
