"""POST /api/review: off without KG_REVIEW_TOKEN, bearer-token checked, bad bodies
refused with what is wrong and nothing written, a decision appended and the store
re-built; two decisions sent at once by two processes both land."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from api.app import create_app
from ingest.review import REVIEW_FILE, parse_review
from kg.settings import load_settings
from kg.store import Store, current_build

from .conftest import running_server
from .test_incremental import fixture_notes

TOKEN = "correct horse battery staple"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def built(tmp_path):
    from kg.cli import run_ingest

    notes = fixture_notes(tmp_path)
    store = tmp_path / "store"
    run_ingest([notes], store, load_settings())
    (notes / REVIEW_FILE).write_text("# decisions, by hand\n- confirm: Commit uses Tree\n")
    run_ingest([notes], store, load_settings())
    return notes, store


def client_for(store, token=""):
    app = create_app({"store": str(store), "review_token": token, "TESTING": True})
    return app.test_client()


def edge_labels(store):
    graph = Store.open(store).graph
    return {
        (graph.label_in(e.source, "en"), e.relation, graph.label_in(e.target, "en"))
        for e in graph.edges()
    }


def test_without_a_token_configured_the_endpoint_refuses_and_says_so(built):
    notes, store = built
    client = client_for(store)
    assert client.get("/api/review").get_json()["enabled"] is False
    response = client.post("/api/review", json={"action": "reject", "source": "HEAD",
                                                "type": "uses", "target": "Branch"}, headers=AUTH)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "review_disabled"


@pytest.mark.parametrize(("headers", "status", "code"), [
    ({}, 401, "unauthorized"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "unauthorized"),
    ({"Authorization": "Bearer wrong"}, 403, "bad_token"),
    ({"Authorization": f"Bearer {TOKEN}x"}, 403, "bad_token"),
])
def test_a_missing_or_wrong_bearer_token_is_refused(built, headers, status, code):
    notes, store = built
    before = (notes / REVIEW_FILE).read_text()
    response = client_for(store, TOKEN).post("/api/review", headers=headers, json={
        "action": "reject", "source": "HEAD", "type": "uses", "target": "Branch"})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert (notes / REVIEW_FILE).read_text() == before


@pytest.mark.parametrize(("body", "says"), [
    ("not json", "must be a JSON object"),
    ([1, 2], "must be a JSON object"),
    ({"action": "dismiss"}, "'action' must be one of"),
    ({"action": "reject", "source": "HEAD", "type": "uses"}, "'target' must be a concept label"),
    ({"action": "reject", "source": "Nope", "type": "uses", "target": "Branch"},
     "no concept 'Nope'"),
    ({"action": "reject", "source": "HEAD", "type": "manages", "target": "Branch"},
     "the graph has no relation HEAD manages Branch"),
    ({"action": "retype", "source": "HEAD", "type": "uses", "target": "Branch", "to": "eats"},
     "'eats' is not a relation type"),
    ({"action": "not-a-concept", "concept": 3}, "'concept' must be a string"),
    ({"action": "not-a-concept", "concept": "HEAD", "colour": "red"}, "unknown field 'colour'"),
])
def test_a_bad_body_is_a_400_that_says_what_is_wrong_and_writes_nothing(built, body, says):
    notes, store = built
    before = (notes / REVIEW_FILE).read_text()
    build = current_build(store)
    client = client_for(store, TOKEN)
    if isinstance(body, str):
        response = client.post("/api/review", data=body, headers={**AUTH,
                               "Content-Type": "application/json"})
    else:
        response = client.post("/api/review", json=body, headers=AUTH)
    assert response.status_code == 400
    assert says in response.get_json()["error"]["message"]
    assert (notes / REVIEW_FILE).read_text() == before
    assert current_build(store) == build


def test_a_decision_is_appended_and_the_store_rebuilt(built):
    notes, store = built
    assert ("HEAD", "uses", "Branch") in edge_labels(store)
    client = client_for(store, TOKEN)
    assert client.get("/api/review").get_json()["enabled"] is True
    response = client.post("/api/review", headers=AUTH, json={
        "action": "reject", "source": "head", "type": "uses", "target": "Branch"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["written"] == '- {reject: "HEAD uses Branch"}'
    assert body["build"] == current_build(store).name
    assert (notes / REVIEW_FILE).read_text() == (
        "# decisions, by hand\n- confirm: Commit uses Tree\n- {reject: \"HEAD uses Branch\"}\n")
    assert ("HEAD", "uses", "Branch") not in edge_labels(store)
    response = client.post("/api/review", headers=AUTH, json={"action": "not-a-concept",
                                                              "concept": "core.autocrlf"})
    assert response.status_code == 200
    assert Store.open(store).graph.resolve("core.autocrlf") is None


POSTER = textwrap.dedent("""
    import json, sys, urllib.error, urllib.request
    url, token, body = sys.argv[1], sys.argv[2], sys.argv[3]
    request = urllib.request.Request(url + "/api/review", data=body.encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            print(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        sys.exit(f"{error.code} {error.read().decode()}")
""")


def test_two_processes_posting_at_once_both_land(built):
    notes, store = built
    bodies = [{"action": "reject", "source": "HEAD", "type": "uses", "target": "Branch"},
              {"action": "not-a-concept", "concept": "core.autocrlf"}]
    with running_server(store, KG_REVIEW_TOKEN=TOKEN, KG_WORKERS="2") as url:
        posters = [subprocess.Popen([sys.executable, "-c", POSTER, url, TOKEN, json.dumps(b)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for b in bodies]
        outputs = [p.communicate(timeout=180) for p in posters]
    assert all(p.returncode == 0 for p in posters), outputs
    builds = {json.loads(out.split(" ", 1)[1])["build"] for out, _ in outputs}
    assert len(builds) == 2  # one build per decision, each after its own write
    text = (notes / REVIEW_FILE).read_text()
    decisions = parse_review(text, "r").decisions
    assert sorted(d.action for d in decisions) == ["confirm", "not-a-concept", "reject"]
    assert text.startswith("# decisions, by hand\n- confirm: Commit uses Tree\n")
    assert ("HEAD", "uses", "Branch") not in edge_labels(store)
    assert Store.open(store).graph.resolve("core.autocrlf") is None


def test_a_broken_review_file_on_disk_is_a_409_and_stays_as_it_was(built):
    notes, store = built
    broken = "- reject: [unclosed\n"
    (notes / REVIEW_FILE).write_text(broken)
    response = client_for(store, TOKEN).post("/api/review", headers=AUTH, json={
        "action": "reject", "source": "HEAD", "type": "uses", "target": "Branch"})
    assert response.status_code == 409
    assert "kg-review.yaml:2: not valid YAML" in response.get_json()["error"]["message"]
    assert (notes / REVIEW_FILE).read_text() == broken
