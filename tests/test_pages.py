"""The browsing pages over our notes: /search (results, facets, paging), /concepts (A–Z
with filters), /notes/ (HTML for browsers, JSON for API clients) and HTML 404 pages."""

from __future__ import annotations

import re

import pytest

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_search_page_lists_concepts_then_sections_with_facets(client):
    response = client.get("/search", query_string={"q": "deploymnet"}, headers=HTML)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    concepts = html.index('class="concept-hits"')
    assert 'href="/explore/deployment"' in html[concepts:concepts + 2000]
    assert html.index('class="hits"') > concepts
    assert re.search(r'<aside class="facets"', html)


def test_search_page_pages_and_refines(client):
    first = client.get("/search", query_string={"q": "pod"}).get_data(as_text=True)
    total = int(re.search(r"(\d+) sections? and concepts?", first).group(1))
    assert total > 10 and 'rel="next"' in first
    second = client.get("/search", query_string={"q": "pod", "page": 2}).get_data(as_text=True)
    assert '<ol class="hits" start="11">' in second
    only = client.get("/search", query_string={"q": "pod", "kind": "concept"})
    assert only.status_code == 200
    assert '<span class="kind">section</span>' not in only.get_data(as_text=True)


@pytest.mark.parametrize("query", [{"q": "pod", "page": "0"}, {"q": "pod", "kind": "nope"}])
def test_search_page_bad_parameters_are_400_pages(client, query):
    response = client.get("/search", query_string=query)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert 'role="alert"' in response.get_data(as_text=True)


def test_empty_search_page_shows_the_box(client):
    response = client.get("/search")
    assert response.status_code == 200
    assert 'id="search-input"' in response.get_data(as_text=True)


def test_concepts_index_lists_every_concept_and_filters(client, notes_build):
    _corpus, store = notes_build
    total, _ = store.graph.concepts(0)
    html = client.get("/concepts").get_data(as_text=True)
    listed = re.findall(r'<li><a href="/explore/([^"]+)">', html)
    assert len(listed) == min(total, 200)
    filtered = client.get("/concepts", query_string={"relation": "manages"}).get_data(as_text=True)
    assert 0 < len(re.findall(r'<li><a href="/explore/', filtered)) < len(listed)
    by_letter = client.get("/concepts", query_string={"letter": "d"}).get_data(as_text=True)
    labels = re.findall(r'<li><a href="/explore/[^"]+">([^<]+)</a>', by_letter)
    assert labels and all(label.upper().startswith("D") for label in labels)
    assert client.get("/concepts", query_string={"relation": "nope"}).status_code == 400


def test_notes_list_is_html_for_browsers_and_json_for_clients(client, notes_build):
    _corpus, store = notes_build
    notes = store.manifest["notes"]
    page = client.get("/notes/", headers=HTML)
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert len(re.findall(r'<li><a href="/notes/', html)) == len(notes)
    assert "<details class=\"folder\"" in html
    as_json = client.get("/notes/", headers={"Accept": "application/json"}).get_json()
    assert as_json["total"] == len(notes)
    assert {n["path"] for n in as_json["notes"]} == set(notes)


def test_unknown_html_paths_get_a_page_with_a_search_box(client):
    page = client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert 'role="search"' in page.get_data(as_text=True)
    assert page.headers["Content-Security-Policy"]
    api = client.get("/api/no/such", headers=HTML)
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    plain = client.get("/no/such/page")
    assert plain.status_code == 404 and plain.get_json()["error"]["code"] == "not_found"


def test_every_page_has_the_one_search_box(client):
    for url in ("/explore", "/explore/pod", "/concepts", "/search?q=pod",
                "/notes/", "/notes/workloads/controllers.md"):
        html = client.get(url, headers=HTML).get_data(as_text=True)
        assert html.count('id="search-input"') == 1, url
        assert 'src="/static/js/site.js"' in html, url


@pytest.mark.parametrize("typo,label", [("deploymnet", "Deployment"), ("replicaest", "ReplicaSet")])
def test_suggest_forgives_typos(client, typo, label):
    found = client.get("/api/suggest", query_string={"q": typo}).get_json()["suggestions"]
    assert found and found[0]["label"] == label


def test_graph_fanout_reaches_a_second_hop_around_a_hub(client):
    query = {"focus": "pod", "depth": 2, "limit": 4}
    plain = client.get("/api/graph", query_string=query).get_json()
    fanned = client.get("/api/graph", query_string={**query, "fanout": 2}).get_json()
    first_hop = {n["id"] for n in plain["nodes"]}
    # a plain limit is all used by Pod's own neighbours; fanout adds theirs
    assert len(first_hop) == 4
    assert first_hop < {n["id"] for n in fanned["nodes"]}
    assert len(fanned["nodes"]) <= 1 + 4 + 4 * 2  # the focus, its 4, and 2 of each
