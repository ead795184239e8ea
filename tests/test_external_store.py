"""The graph in an external SPARQL endpoint (Oxigraph server started by .ci/services.sh):
ingest writes each note's named graph there, the API answers from it, and every answer
equals the embedded store's."""

from __future__ import annotations

import os
import time

import pytest

from graph.backends import SparqlBackend, union_graph_uri
from graph.rdf import note_uri
from ingest.pipeline import ingest_paths
from kg.store import Store, build_store

from .conftest import BASE_URI, make_client

SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


@pytest.fixture(scope="module")
def graph_url() -> str:
    url = os.environ.get("KG_TEST_GRAPH_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("KG_TEST_GRAPH_URL is unset: .ci/run must source .ci/services.sh")
        pytest.skip("KG_TEST_GRAPH_URL is unset (source .ci/services.sh to start Oxigraph)")
    return url


@pytest.fixture(scope="module")
def external(graph_url, notes_corpus, tmp_path_factory) -> Store:
    root = tmp_path_factory.mktemp("external-store")
    build_store(root, notes_corpus, base_uri=BASE_URI, graph_url=graph_url)
    return Store.open(root)


@pytest.fixture(scope="module")
def clients(external, notes_build):
    return make_client(external), make_client(notes_build[1])


def test_the_build_lives_in_the_endpoint(external, graph_url):
    record = external.manifest["graph_store"]
    assert record["kind"] == "sparql" and record["url"] == graph_url
    assert not (external.build / "graph.nq").exists()
    names = SparqlBackend(graph_url).graph_names(BASE_URI)
    assert set(record["graphs"]) <= names
    assert f"{BASE_URI}scheme" in names


def test_concept_graph_equals_the_embedded_one(external, notes_build):
    assert external.graph == notes_build[1].graph


@pytest.mark.parametrize("path, params", [
    ("/api/concepts", {"limit": 1000}),
    ("/api/concepts/pod/related", {"depth": 2}),
    ("/api/concepts/service/related", {}),
    ("/api/path", {"from": "deployment", "to": "pod", "k": 3}),
    ("/api/concepts/pod", {}),
    ("/api/relations", {}),
])
def test_api_answers_equal(clients, path, params):
    ext, emb = clients
    a, b = ext.get(path, query_string=params), emb.get(path, query_string=params)
    assert a.status_code == b.status_code == 200
    assert a.get_json() == b.get_json()


@pytest.mark.parametrize("query, accept", [
    (SKOS + "SELECT ?c ?l WHERE { ?c a skos:Concept ; skos:prefLabel ?l } ORDER BY ?c ?l",
     "application/sparql-results+json"),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "text/csv"),
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
     "text/tab-separated-values"),
    ("ASK { ?s ?p ?o }", "application/sparql-results+xml"),
])
def test_sparql_answers_equal(clients, query, accept):
    ext, emb = clients
    a = ext.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    b = emb.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert a.status_code == b.status_code == 200
    assert a.data == b.data


def test_construct_and_concept_uri_equal(clients):
    ext, emb = clients
    for path in ("/concept/pod", "/concept/service"):
        a = ext.get(path, headers={"Accept": "application/n-triples"})
        b = emb.get(path, headers={"Accept": "application/n-triples"})
        assert a.status_code == b.status_code == 200
        assert sorted(a.data.splitlines()) == sorted(b.data.splitlines())


def test_errors_equal(clients):
    ext, emb = clients
    for query in ("SELECT ?x WHERE { ?x ?y }", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"):
        a = ext.get("/sparql", query_string={"query": query})
        b = emb.get("/sparql", query_string={"query": query})
        assert a.status_code == b.status_code and a.status_code in (400, 403)
        assert a.get_json()["error"]["code"] == b.get_json()["error"]["code"]


def test_export_reads_the_endpoint(external, notes_build):
    assert set(external.dataset.quads()) == set(notes_build[1].dataset.quads())


def test_reingest_replaces_exactly_the_note_graphs(graph_url, vocabulary, tmp_path):
    """A second corpus under another base: its own graphs only; dropping a note drops its
    graph; the first corpus's graphs are untouched."""
    base = "http://kg.test/reingest/"
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Pod\n\nA Pod is the smallest deployable unit.\n")
    (notes / "b.md").write_text("# Service\n\nA Service exposes Pods.\n")
    backend = SparqlBackend(graph_url)
    before_other = backend.graph_names(BASE_URI)
    build_store(tmp_path / "s", ingest_paths([notes], vocabulary, workers=1), base_uri=base,
                graph_url=graph_url)
    names = backend.graph_names(base)
    assert {str(note_uri(base, "a.md")), str(note_uri(base, "b.md"))} <= names
    (notes / "b.md").unlink()
    time.sleep(1.1)  # build folders are named by the second (kg.store): two in one collide
    build_store(tmp_path / "s", ingest_paths([notes], vocabulary, workers=1), base_uri=base,
                graph_url=graph_url)
    names = backend.graph_names(base)
    assert str(note_uri(base, "a.md")) in names and str(note_uri(base, "b.md")) not in names
    assert union_graph_uri(base) not in names
    assert backend.graph_names(BASE_URI) == before_other
    store = Store.open(tmp_path / "s")
    assert "service" not in store.graph or all(
        path == "a.md" for path in store.manifest["notes"])


def test_bad_endpoint_is_a_clear_error(tmp_path, notes_corpus):
    from graph.backends import QueryError
    from .conftest import free_port

    with pytest.raises(QueryError, match="refused|unreachable|Connection"):
        build_store(tmp_path / "s", notes_corpus, base_uri=BASE_URI,
                    graph_url=f"http://127.0.0.1:{free_port()}")
    assert Store.__name__  # the store folder got no current build
    assert not (tmp_path / "s" / "current").exists()
