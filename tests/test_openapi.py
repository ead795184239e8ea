"""/openapi.json: a valid OpenAPI 3.1 document of every route, and real responses
(errors included) validate against its schemas."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from .conftest import make_client


@pytest.fixture(scope="module")
def doc(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_document_is_valid_openapi_31(doc):
    from openapi_spec_validator import validate

    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_route_is_documented(client, doc):
    app = client.application
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        template = re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((template, method.lower()))
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    missing = routes - documented
    assert not missing, f"undocumented routes: {sorted(missing)}"
    stale = {p for p, _ in documented - routes} - {"/api/concepts/{key}/related"}
    assert not stale, f"documented but not served: {sorted(stale)}"


def validate_response(doc: dict, template: str, response, method: str = "get") -> None:
    operation = doc["paths"][template][method]
    status = str(response.status_code)
    assert status in operation["responses"], (template, status, response.data[:300])
    spec = operation["responses"][status]
    content = spec.get("content") or {}
    if not content:
        return
    assert response.mimetype in content, (template, status, response.mimetype)
    schema = content[response.mimetype]["schema"]
    if response.mimetype.endswith("json"):
        root = {**schema, "components": doc["components"]}
        Draft202012Validator(root).validate(response.get_json(force=True))


CASES = [
    ("/healthz", "/healthz", 200),
    ("/api/search", "/api/search?q=pod&limit=3", 200),
    ("/api/search", "/api/search?q=zzzqqqxxx", 200),
    ("/api/search", "/api/search?q=replcaset", 200),
    ("/api/search", "/api/search", 400),
    ("/api/search", "/api/search?q=pod&limit=0", 400),
    ("/api/suggest", "/api/suggest?q=po", 200),
    ("/api/suggest", "/api/suggest", 400),
    ("/api/concepts", "/api/concepts?limit=5", 200),
    ("/api/concepts", "/api/concepts?limit=x", 400),
    ("/api/concepts/{key}", "/api/concepts/pod", 200),
    ("/api/concepts/{key}", "/api/concepts/service", 200),
    ("/api/concepts/{key}", "/api/concepts/podd", 404),
    ("/api/concepts/{key}/related", "/api/concepts/pod/related?depth=2", 200),
    ("/api/concepts/{key}/related", "/api/concepts/pod/related?depth=9", 400),
    ("/api/concepts/{key}/related", "/api/concepts/nope-nope/related", 404),
    ("/api/path", "/api/path?from=deployment&to=pod&k=2", 200),
    ("/api/path", "/api/path?from=pod", 400),
    ("/api/path", "/api/path?from=pod&to=nope-nope", 404),
    ("/api/graph", "/api/graph", 200),
    ("/api/graph", "/api/graph?focus=pod&depth=2", 200),
    ("/api/graph", "/api/graph?depth=7", 400),
    ("/api/relations", "/api/relations", 200),
    ("/api/export", "/api/export?format=ntriples", 200),
    ("/api/export", "/api/export?format=yaml", 400),
    ("/api/explore/{key}", "/api/explore/pod", 200),
    ("/api/explore/{key}", "/api/explore/nope-nope", 404),
    ("/sparql", "/sparql?query=ASK%20%7B%7D", 200),
    ("/sparql", "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%202", 200),
    ("/sparql", "/sparql?query=SELECT", 400),
    ("/sparql", "/sparql?query=DROP%20ALL", 403),
    ("/sparql", "/sparql?query=ASK%20%7B%7D&format=turtle", 406),
    ("/concept/{concept_id}", "/concept/pod", 200),
    ("/concept/{concept_id}", "/concept/nope-nope", 404),
    ("/openapi.json", "/openapi.json", 200),
    ("/widget.js", "/widget.js", 200),
    ("/demo", "/demo", 200),
    ("/explore", "/explore", 200),
    ("/explore/{key}", "/explore/pod", 200),
    ("/", "/", 302),
]


@pytest.mark.parametrize("template, url, status", CASES)
def test_responses_match_the_document(client, doc, template, url, status):
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    validate_response(doc, template, response)


def test_post_sparql_and_415(client, doc):
    ok = client.post("/sparql", data=b"ASK {}", content_type="application/sparql-query")
    validate_response(doc, "/sparql", ok, "post")
    bad = client.post("/sparql", data=b"{}", content_type="application/json")
    assert bad.status_code == 415
    validate_response(doc, "/sparql", bad, "post")


def test_no_store_is_a_documented_503(tmp_path, doc):
    from api.app import create_app

    client = create_app({"store": str(tmp_path / "none"), "TESTING": True}).test_client()
    response = client.get("/api/concepts")
    assert response.status_code == 503
    validate_response(doc, "/api/concepts", response)


def test_a_note_page(client, doc, notes_build):
    path = next(iter(notes_build[1].manifest["notes"]))
    response = client.get(f"/notes/{path}")
    assert response.status_code == 200
    validate_response(doc, "/notes/{path}", response)


def test_schema_rejects_a_wrong_body(doc):
    root = {**doc["paths"]["/api/concepts"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"], "components": doc["components"]}
    assert list(Draft202012Validator(root).iter_errors({"total": "x"}))


def test_make_client_is_usable(notes_build):
    assert make_client(notes_build[1]).get("/openapi.json").status_code == 200
