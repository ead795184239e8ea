"""Concept URIs dereference (/concept/<id>) and /api/export round-trips in every format."""

from __future__ import annotations

import warnings

import pytest
from rdflib import RDF, SKOS, Dataset, Graph, Literal, URIRef


def isomorphic(a: Graph, b: Graph) -> bool:
    """Our graphs have no blank nodes, so isomorphism is set equality (and much faster)."""
    return set(a) == set(b)

from graph.rdf import concept_uri, union_graph

from .conftest import BASE_URI

POD = concept_uri(BASE_URI, "pod")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def parse(data: bytes, fmt: str) -> Graph:
    graph = Dataset() if fmt in ("nquads", "trig") else Graph()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        graph.parse(data=data, format=fmt)
    return graph


def expected(store, uri: URIRef) -> Graph:
    graph = Graph()
    for s, p, o in union_graph(store.dataset).triples((uri, None, None)):
        graph.add((s, p, o))
    return graph


@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("*/*", "turtle"), (None, "turtle"),
])
def test_concept_description_in_each_format(client, notes_build, accept, fmt):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/concept/pod", headers=headers)
    assert response.status_code == 200
    assert response.headers["Vary"] == "Accept"
    got = parse(response.data, fmt)
    assert isomorphic(got, expected(notes_build[1], POD))
    assert (POD, RDF.type, SKOS.Concept) in got
    assert (POD, SKOS.prefLabel, Literal("Pod", lang="en")) in got
    assert (POD, SKOS.inScheme, URIRef(f"{BASE_URI}scheme")) in got


def test_labels_from_every_note_graph(client, notes_build):
    store = notes_build[1]
    graphs = {str(g.identifier) for g in store.dataset.graphs() if (POD, RDF.type, SKOS.Concept) in g}
    assert len(graphs) > 1  # pod is declared in several notes: one description
    got = parse(client.get("/concept/pod", headers={"Accept": "application/n-triples"}).data, "nt")
    labels = set(got.objects(POD, SKOS.prefLabel))
    for name in graphs:
        assert set(store.dataset.graph(URIRef(name)).objects(POD, SKOS.prefLabel)) <= labels


def test_browsers_are_sent_to_the_explorer(client):
    response = client.get("/concept/pod", headers={"Accept": BROWSER})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/explore/pod")
    assert response.headers["Vary"] == "Accept"


def test_format_parameter(client):
    response = client.get("/concept/pod?format=ntriples", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "application/n-triples"


def test_unknown_concept_is_404(client):
    response = client.get("/concept/no-such-concept", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_concept"


def test_not_acceptable(client):
    response = client.get("/concept/pod", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.get_json()["error"]["code"] == "not_acceptable"


def test_every_concept_uri_dereferences(client, notes_build):
    graph = notes_build[1].graph
    total, items = graph.concepts(1000, 0)
    for item in items:
        response = client.get(f"/concept/{item['id']}", headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, item
        got = parse(response.data, "nt")
        assert (concept_uri(BASE_URI, item["id"]), RDF.type, SKOS.Concept) in got


# -- /api/export: every format parses back to the same graph ------------------------------
TRIPLE_FORMATS = {"turtle": "turtle", "ntriples": "nt", "xml": "xml"}
QUAD_FORMATS = {"nquads": "nquads", "trig": "trig", "json-ld": "json-ld"}


@pytest.fixture(scope="module")
def exported(client) -> dict[str, bytes]:
    out = {}
    for name in [*TRIPLE_FORMATS, *QUAD_FORMATS]:
        response = client.get("/api/export", query_string={"format": name})
        assert response.status_code == 200, name
        out[name] = response.data
    return out


@pytest.mark.parametrize("name", list(TRIPLE_FORMATS))
def test_triple_exports_are_the_union_graph(exported, notes_build, name):
    got = parse(exported[name], TRIPLE_FORMATS[name])
    assert isomorphic(got, union_graph(notes_build[1].dataset))


@pytest.mark.parametrize("name", list(QUAD_FORMATS))
def test_quad_exports_keep_the_named_graphs(exported, notes_build, name):
    dataset = Dataset()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        dataset.parse(data=exported[name], format=QUAD_FORMATS[name])
        source = notes_build[1].dataset
        want = {str(g.identifier): g for g in source.graphs() if len(g)}
        got = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    assert set(got) == set(want)
    for name_, graph in want.items():
        assert isomorphic(got[name_], graph), name_
    assert isomorphic(union_graph(dataset), union_graph(source))
