"""GET /api/graph: a bounded subgraph to draw, around a focus or of the best-connected
concepts; every bad parameter is a 400 naming it, an unknown focus a 404 with hints."""

from __future__ import annotations

import pytest


def graph(client, **params):
    response = client.get("/api/graph", query_string=params)
    return response.status_code, response.get_json()


def assert_shape(body):
    assert set(body) >= {"nodes", "edges"}
    ids = {n["id"] for n in body["nodes"]}
    assert len(ids) == len(body["nodes"]), "a node appears twice"
    for node in body["nodes"]:
        assert set(node) == {"id", "label", "kind", "degree"}
        assert isinstance(node["degree"], int) and node["degree"] >= 0
        assert node["kind"] in ("focus", "concept")
    for edge in body["edges"]:
        assert set(edge) == {"source", "target", "relation", "weight", "confidence"}
        assert 0 <= edge["confidence"] <= 1
        assert edge["source"] in ids and edge["target"] in ids
        assert isinstance(edge["weight"], (int, float)) and edge["weight"] > 0


def test_focus_neighbourhood_shape(client):
    status, body = graph(client, focus="deployment")
    assert status == 200
    assert_shape(body)
    assert body["focus"] == "deployment"
    focus = [n for n in body["nodes"] if n["kind"] == "focus"]
    assert [n["id"] for n in focus] == ["deployment"]
    assert body["nodes"][0]["id"] == "deployment"
    ids = {n["id"] for n in body["nodes"]}
    assert {"replicaset", "pod"} <= ids
    # depth 1: every other node touches the focus
    touching = {e["source"] for e in body["edges"] if e["target"] == "deployment"} | \
               {e["target"] for e in body["edges"] if e["source"] == "deployment"}
    assert ids - {"deployment"} <= touching


@pytest.mark.parametrize("key", ["Deployment", "deploy", "DEPLOYMENTS"])
def test_focus_resolves_labels_and_aliases(client, key):
    status, body = graph(client, focus=key)
    assert status == 200
    assert body["focus"] == "deployment"


def test_depth_two_reaches_further_and_is_bounded(client):
    _, one = graph(client, focus="deployment", depth=1, limit=200)
    _, two = graph(client, focus="deployment", depth=2, limit=200)
    assert len(two["nodes"]) > len(one["nodes"])
    assert {n["id"] for n in one["nodes"]} <= {n["id"] for n in two["nodes"]}
    status, small = graph(client, focus="deployment", depth=2, limit=7)
    assert status == 200 and len(small["nodes"]) == 7
    assert_shape(small)


def test_relation_filter(client):
    status, body = graph(client, focus="deployment", relation="manages,broader")
    assert status == 200
    assert body["edges"]
    assert {e["relation"] for e in body["edges"]} <= {"manages", "broader"}
    _, typed = graph(client, focus="deployment")
    assert "related" not in {e["relation"] for e in typed["edges"]}  # never shown as typed
    _, everything = graph(client, focus="deployment", coMention="true")
    assert "related" in {e["relation"] for e in everything["edges"]}


def test_min_weight_filters_edges(client):
    _, everything = graph(client, focus="pod", limit=200, coMention="true")
    weights = sorted({e["weight"] for e in everything["edges"]})
    cut = weights[len(weights) // 2]
    status, heavy = graph(client, focus="pod", limit=200, minWeight=cut, coMention="true")
    assert status == 200
    assert heavy["edges"] and all(e["weight"] >= cut for e in heavy["edges"])
    assert len(heavy["edges"]) < len(everything["edges"])
    _, none = graph(client, focus="pod", minWeight=10_000)
    assert [n["id"] for n in none["nodes"]] == ["pod"] and none["edges"] == []


def test_without_focus_most_connected_bounded(client):
    status, body = graph(client)
    assert status == 200
    assert_shape(body)
    assert body["focus"] is None
    assert 0 < len(body["nodes"]) <= 50
    degrees = [n["degree"] for n in body["nodes"]]
    assert degrees == sorted(degrees, reverse=True)
    assert body["nodes"][0]["id"] == "pod"
    assert all(n["kind"] == "concept" for n in body["nodes"])
    _, five = graph(client, limit=5)
    assert [n["id"] for n in five["nodes"]] == [n["id"] for n in body["nodes"][:5]]
    _, most = graph(client, limit=200)
    assert len(most["nodes"]) <= 200


@pytest.mark.parametrize("params, name", [
    ({"focus": "pod", "depth": 0}, "depth"),
    ({"focus": "pod", "depth": 4}, "depth"),
    ({"focus": "pod", "depth": "two"}, "depth"),
    ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"),
    ({"limit": "-1"}, "limit"),
    ({"minWeight": "-1"}, "minWeight"),
    ({"minWeight": "nan"}, "minWeight"),
    ({"minWeight": "heavy"}, "minWeight"),
    ({"relation": "manages,likes"}, "relation"),
    ({"focus": "x" * 501}, "focus"),
])
def test_bad_parameters_are_400(client, params, name):
    status, body = graph(client, **params)
    assert status == 400
    assert set(body) == {"error"}
    assert body["error"]["code"] in ("invalid_parameter", "out_of_range", "parameter_too_long")
    assert name in body["error"]["message"]


def test_limits_accepted_at_the_bounds(client):
    assert graph(client, focus="pod", depth=3, limit=1)[0] == 200
    status, body = graph(client, focus="pod", depth=3, limit=200)
    assert status == 200 and len(body["nodes"]) <= 200


def test_unknown_focus_is_404_with_suggestions(client):
    status, body = graph(client, focus="Deploymnet")
    assert status == 404
    assert body["error"]["code"] == "unknown_concept"
    assert "deployment" in [s["id"] for s in body["error"]["suggestions"]]
    status, body = graph(client, focus="zzzzqqq")
    assert status == 404 and body["error"]["suggestions"] == []


def test_blank_focus_means_no_focus(client):
    status, body = graph(client, focus="  ")
    assert status == 200 and body["focus"] is None


def test_path_and_relations_fit_the_page(client):
    """The page's path finder and legend read these two endpoints."""
    response = client.get("/api/path", query_string={"from": "Deployment", "to": "Node", "k": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert body["found"] and 1 <= len(body["paths"]) <= 3
    for path in body["paths"]:
        assert path["nodes"][0]["id"] == "deployment" and path["nodes"][-1]["id"] == "node"
        for edge in path["edges"]:
            assert {"source", "target", "relation", "from", "to", "evidence"} <= set(edge)
    types = client.get("/api/relations").get_json()["relations"]
    assert {"id", "label", "description"} <= set(types[0])
    assert "related" in [t["id"] for t in types]


def test_explore_data_groups_relations_with_evidence(client):
    response = client.get("/api/explore/Deployment")
    assert response.status_code == 200
    body = response.get_json()
    assert body["concept"]["id"] == "deployment"
    groups = {(g["relation"], g["direction"]): g for g in body["groups"]}
    assert ("broader", "out") in groups
    typed = [i for g in body["groups"] if g["relation"] != "related" for i in g["items"]]
    assert typed and all(i["evidence"] for i in typed)
    for item in typed:
        for ev in item["evidence"]:
            assert ev["text"] and ev["path"] and ev["line"] > 0
    assert client.get("/api/explore/nope-nothing").status_code == 404


def test_every_relation_says_how_far_it_is_believed(client):
    related = client.get("/api/concepts/deployment/related?limit=50").get_json()["related"]
    assert related and all(0 < r["confidence"] <= 1 for r in related)
    typed = [r for r in related if r["relation"] != "related"]
    mentions = [r for r in related if r["relation"] == "related"]
    # co-mentions come last, after every typed relation, whatever their weight
    assert typed and related[: len(typed)] == typed
    assert not client.get("/api/concepts/deployment/related?coMention=false&limit=50"
                          ).get_json()["related"][len(typed):]
    assert mentions or len(related) == len(typed)
    path = client.get("/api/path?from=Deployment&to=Pod").get_json()
    assert all("confidence" in e and e["coMention"] is False for e in path["edges"])


def test_min_confidence_hides_what_is_less_believed(client):
    _, everything = graph(client, focus="pod", limit=200, minConfidence=0)
    beliefs = sorted(e["confidence"] for e in everything["edges"])
    cut = beliefs[len(beliefs) // 2]
    _, confident = graph(client, focus="pod", limit=200, minConfidence=cut)
    assert confident["edges"] and all(e["confidence"] >= cut for e in confident["edges"])
    assert len(confident["edges"]) < len(everything["edges"])


@pytest.mark.parametrize("query", ["minConfidence=2", "minConfidence=high", "coMention=maybe"])
def test_bad_confidence_parameters_are_400(client, query):
    response = client.get(f"/api/graph?focus=pod&{query}")
    assert response.status_code == 400
    assert set(response.get_json()["error"]) >= {"code", "message"}
