"""The REST API through Flask's test client: shapes, bounds and errors."""

from __future__ import annotations

import pytest


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type.startswith("application/json")
    return response.get_json()


def test_health(client):
    body = get(client, "/healthz")
    assert body["status"] == "ok" and body["counts"]["concepts"] > 50


def test_search_shape_and_highlights(client):
    body = get(client, "/api/search?q=replicaset&limit=5")
    assert body["query"] == "replicaset" and body["total"] >= 1
    first = body["results"][0]
    assert set(first) >= {"kind", "id", "title", "snippet", "score", "url", "source", "concepts"}
    assert "<mark>" in first["snippet"]
    assert first["url"].startswith("/notes/")
    assert len(body["results"]) <= 5


def test_search_filters_by_kind_and_pages(client):
    concepts = get(client, "/api/search?q=pod&kind=concept")
    assert concepts["results"] and {r["kind"] for r in concepts["results"]} == {"concept"}
    page1 = get(client, "/api/search?q=pod&limit=2")
    page2 = get(client, "/api/search?q=pod&limit=2&offset=2")
    assert page1["total"] == page2["total"]
    assert not {r["id"] for r in page1["results"]} & {r["id"] for r in page2["results"]}


def test_docs_url_pattern_builds_result_urls(notes_build):
    from .conftest import make_client

    custom = make_client(notes_build[1], docs_url="https://docs.example.com/{path}#{anchor}")
    body = get(custom, "/api/search?q=daemonset&limit=1")
    assert body["results"][0]["url"].startswith("https://docs.example.com/")


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "*", "pod:", "(((", "😀",
                                   "<script>alert(1)</script>", "a" * 499, "  spaced  "])
def test_no_query_raises(client, query):
    body = get(client, "/api/search?" + _q(query))
    assert "results" in body
    for result in body["results"]:
        assert "<script>" not in result["snippet"]


def _q(text):
    from urllib.parse import urlencode

    return urlencode({"q": text})


@pytest.mark.parametrize("url,code", [
    ("/api/search", "missing_parameter"),
    ("/api/search?q=", "missing_parameter"),
    ("/api/search?q=pod&limit=0", "out_of_range"),
    ("/api/search?q=pod&limit=101", "out_of_range"),
    ("/api/search?q=pod&limit=ten", "invalid_parameter"),
    ("/api/search?q=pod&offset=-1", "out_of_range"),
    ("/api/search?q=pod&kind=page", "invalid_parameter"),
    ("/api/search?q=" + "a" * 501, "parameter_too_long"),
    ("/api/suggest", "missing_parameter"),
    ("/api/suggest?q=po&limit=51", "out_of_range"),
    ("/api/concepts?limit=0", "out_of_range"),
    ("/api/concepts/pod/related?depth=0", "out_of_range"),
    ("/api/concepts/pod/related?depth=4", "out_of_range"),
    ("/api/concepts/pod/related?relation=likes", "invalid_parameter"),
    ("/api/path?from=pod", "missing_parameter"),
    ("/api/path?from=pod&to=node&k=9", "out_of_range"),
    ("/api/export?format=docx", "invalid_parameter"),
])
def test_bad_input_is_a_400_with_the_error_shape(client, url, code):
    body = get(client, url, 400)
    assert body["error"]["code"] == code and body["error"]["message"]


def test_unknown_things_are_404s_with_the_error_shape(client):
    assert get(client, "/api/nothing-here", 404)["error"]["code"] == "not_found"
    body = get(client, "/api/concepts/deploymnt", 404)
    assert body["error"]["code"] == "unknown_concept"
    assert "deployment" in [s["id"] for s in body["error"]["suggestions"]]
    assert "Deployment" in body["error"]["message"]
    assert get(client, "/api/path?from=pod&to=zzzqqq", 404)["error"]["code"] == "unknown_concept"


def test_wrong_method_is_a_405_with_the_error_shape(client):
    response = client.post("/api/search?q=pod")
    assert response.status_code == 405 and response.get_json()["error"]["code"]


def test_suggest_ranks_exact_label_then_alias_then_prefix(client):
    body = get(client, "/api/suggest?q=rep")
    ids = [s["id"] for s in body["suggestions"]]
    assert "replicaset" in ids
    assert get(client, "/api/suggest?q=svc")["suggestions"][0]["id"] == "service"
    assert get(client, "/api/suggest?q=Deployment")["suggestions"][0] == {
        "id": "deployment", "label": "Deployment", "matched": "Deployment"}


def test_concepts_list_is_paged_and_sorted(client):
    body = get(client, "/api/concepts?limit=5&offset=0")
    labels = [c["label"].casefold() for c in body["concepts"]]
    assert body["total"] > 50 and labels == sorted(labels) and len(labels) == 5


@pytest.mark.parametrize("key", ["pod", "Pod", "PODS", "po", "파드"])
def test_a_concept_resolves_by_id_label_alias_or_translation(client, key):
    body = get(client, f"/api/concepts/{key}")
    assert body["id"] == "pod" and body["uri"].endswith("/concept/pod")
    assert set(body) >= {"label", "altLabels", "definition", "broader", "narrower", "related",
                         "sources"}
    assert body["sources"] and body["definition"]["line"] > 0


def test_concept_hierarchy(client):
    service = get(client, "/api/concepts/svc")
    assert service["id"] == "service"
    assert {"clusterip", "nodeport", "loadbalancer", "externalname"} <= {
        n["id"] for n in service["narrower"]}
    assert "service" in {b["id"] for b in get(client, "/api/concepts/clusterip")["broader"]}


def test_related_puts_typed_relations_before_co_mention(client):
    body = get(client, "/api/concepts/replicaset/related?limit=50")
    assert body["concept"] == {"id": "replicaset", "label": "ReplicaSet"}
    related = body["related"]
    kinds = [r["relation"] for r in related]
    assert {"deployment", "pod"} <= {r["id"] for r in related}
    if "related" in kinds:
        first_co = kinds.index("related")
        assert all(kind == "related" for kind in kinds[first_co:])
    for item in related:
        assert item["evidence"] and {"text", "path", "line"} <= set(item["evidence"][0])


def test_related_filters_by_relation_and_goes_deeper(client):
    body = get(client, "/api/concepts/deployment/related?relation=broader")
    assert {r["relation"] for r in body["related"]} == {"broader"}
    shallow = get(client, "/api/concepts/deployment/related?depth=1&limit=200")["related"]
    deep = get(client, "/api/concepts/deployment/related?depth=2&limit=200")["related"]
    assert len(deep) > len(shallow) and max(r["distance"] for r in deep) == 2


def test_path_is_explained_by_evidence(client):
    body = get(client, "/api/path?from=Deployment&to=Pod")
    assert body["found"]
    assert [n["id"] for n in body["nodes"]] == ["deployment", "replicaset", "pod"]
    for edge in body["edges"]:
        assert edge["evidence"] and edge["relation"]
    several = get(client, "/api/path?from=Deployment&to=Node&k=3")
    assert 1 <= len(several["paths"]) <= 3


def test_export_turtle_parses_back(client):
    from rdflib import Graph

    response = client.get("/api/export?format=turtle")
    assert response.status_code == 200 and "turtle" in response.content_type
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert len(graph) > 1000


def test_relations_are_listed(client):
    relations = get(client, "/api/relations")["relations"]
    assert {"broader", "manages", "uses", "related"} <= {r["id"] for r in relations}


# -- the acceptance queries, on the user's seed notes ---------------------------
def test_seed_path_deployment_to_pod(seed_client):
    body = get(seed_client, "/api/path?from=Deployment&to=Pod")
    assert [n["label"] for n in body["nodes"]] == ["Deployment", "ReplicaSet", "Pod"]
    assert all(edge["evidence"][0]["line"] == 76 for edge in body["edges"])


def test_seed_replicaset_related(seed_client):
    ids = {r["id"] for r in get(seed_client, "/api/concepts/replicaset/related")["related"]}
    assert {"deployment", "pod"} <= ids


def test_seed_service_related(seed_client):
    body = get(seed_client, "/api/concepts/Service/related?limit=50")
    ids = {r["id"] for r in body["related"]}
    assert {"coredns", "clusterip", "nodeport", "loadbalancer", "externalname"} <= ids


def test_seed_search_restart_only_on_failure(seed_client):
    first = get(seed_client, "/api/search?q=restart only on failure")["results"][0]
    assert first["kind"] == "section" and first["title"] == "spec.restartPolicy"


def test_seed_svc_resolves_to_service(seed_client):
    assert get(seed_client, "/api/concepts/svc")["id"] == "service"
