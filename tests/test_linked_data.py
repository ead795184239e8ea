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
TRIPLE_FORMATS = {"turtle": "turtle", "ntriples": "nt", "xml": "xml", "json-ld": "json-ld"}
QUAD_FORMATS = {"nquads": "nquads", "trig": "trig"}


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


def test_json_ld_has_our_context_and_each_subject_once(exported, notes_build):
    import json

    document = json.loads(exported["json-ld"])
    context = document["@context"]
    assert context["skos"] == "http://www.w3.org/2004/02/skos/core#"
    assert context["kg"] == "https://kg.example/vocab#"
    ids = [node["@id"] for node in document["@graph"]]
    assert len(ids) == len(set(ids))  # merged: not one object per note graph
    pod = next(node for node in document["@graph"]
               if node["@id"] == str(concept_uri(BASE_URI, "pod")))
    assert pod["@type"] == "skos:Concept"
    plain = Graph()  # a reader that knows nothing of our named graphs gets every triple
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        plain.parse(data=exported["json-ld"], format="json-ld")
    assert len(plain) == len(union_graph(notes_build[1].dataset))


@pytest.mark.parametrize("alias, name", [("ttl", "turtle"), ("nt", "ntriples"),
                                         ("jsonld", "json-ld"), ("rdf", "xml"),
                                         ("nq", "nquads"), ("TTL", "turtle")])
def test_format_aliases(client, exported, alias, name):
    response = client.get("/api/export", query_string={"format": alias})
    assert response.status_code == 200
    assert response.data == exported[name]


def test_an_export_is_written_once_per_build_and_served_as_a_file(client, notes_build):
    first = client.get("/api/export", query_string={"format": "trig"})
    assert first.status_code == 200
    assert int(first.headers["Content-Length"]) == len(first.data)
    tag = first.headers["ETag"]
    written = notes_build[1].build / "exports" / "graph.trig"
    assert written.read_bytes() == first.data
    stamp = written.stat().st_mtime_ns
    again = client.get("/api/export", query_string={"format": "trig"})
    assert again.headers["ETag"] == tag and again.data == first.data
    assert written.stat().st_mtime_ns == stamp  # served, not written again
    cached = client.get("/api/export", query_string={"format": "trig"},
                        headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.data == b""


# -- RDF data quality ---------------------------------------------------------------------
def _select(client, query: str) -> list[dict[str, dict]]:
    response = client.get("/sparql", query_string={
        "query": "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n" + query})
    assert response.status_code == 200, response.data[:300]
    return response.get_json(force=True)["results"]["bindings"]


def test_skos_related_is_written_both_ways(client):
    assert _select(client, "SELECT (COUNT(*) AS ?n) { ?a skos:related ?b }")[0]["n"][
        "value"] != "0"
    one_way = _select(client, "SELECT ?a ?b { ?a skos:related ?b "
                              "FILTER NOT EXISTS { ?b skos:related ?a } } LIMIT 5")
    assert one_way == []


def test_korean_labels_carry_a_language_tag(client):
    labels = _select(client, "SELECT ?c ?l { ?c skos:altLabel|skos:prefLabel|skos:definition ?l "
                             'FILTER(REGEX(STR(?l), "[가-힣]")) }')
    assert labels, "the notes have Korean labels"
    assert {row["l"].get("xml:lang") for row in labels} == {"ko"}
    assert any(row for row in _select(client, 'SELECT ?l { ?c skos:altLabel ?l '
                                              'FILTER(LANG(?l) = "ko") } LIMIT 1'))


# -- concept URIs and the address kg serves at --------------------------------------------
def test_base_uri_warning():
    from kg.cli import base_uri_warning, serving_base_uri

    served = serving_base_uri("127.0.0.1", 8123)
    assert served == "http://127.0.0.1:8123/"
    assert serving_base_uri("0.0.0.0", 80) == "http://127.0.0.1:80/"
    warning = base_uri_warning("http://127.0.0.1:8000/", served)
    assert "will not dereference" in warning and "KG_BASE_URI=http://127.0.0.1:8123/" in warning
    assert base_uri_warning(served, served) is None
    assert base_uri_warning("https://kg.example.org/", served) is None  # behind a proxy


def test_kg_serve_warns_when_the_uris_point_at_another_port(notes_build):
    from .conftest import free_port, start_server, stop_server, wait_healthy

    port = free_port()
    process = start_server(notes_build[1].root, port)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process=process)
        log = process.log.read_text()
    finally:
        stop_server(process)
    assert f"start with {BASE_URI}" in log and f"http://127.0.0.1:{port}/" in log


def test_a_store_kg_serve_builds_has_uris_of_the_address_it_serves(tmp_path, monkeypatch):
    import json
    import urllib.request

    from .conftest import free_port, start_server, stop_server, wait_healthy

    monkeypatch.delenv("KG_BASE_URI", raising=False)
    port = free_port()
    # only the default store (.kg in the working folder) is built by kg serve
    process = start_server(None, port, cwd=tmp_path, KG_STORE="")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, timeout=120, process=process)
        with urllib.request.urlopen(f"{url}/api/concepts/pod") as response:
            uri = json.loads(response.read())["uri"]
        assert uri == f"{url}/concept/pod"
        request = urllib.request.Request(uri, headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(request) as response:  # it dereferences
            assert response.status == 200 and b"skos:Concept" in response.read()
        log = process.log.read_text()
    finally:
        stop_server(process)
    assert "WARNING" not in log


def test_an_export_that_cannot_be_written_is_a_503_without_paths(notes_build, tmp_path):
    import shutil

    from kg.store import Store

    from .conftest import make_client

    root = tmp_path / "store"
    shutil.copytree(notes_build[1].root, root, symlinks=True)
    store = Store.open(root)
    shutil.rmtree(store.build / "exports", ignore_errors=True)  # none written yet
    (store.build / "graph.nq").write_text("<broken")
    response = make_client(store).get("/api/export", query_string={"format": "ntriples"})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "export_failed" and str(tmp_path) not in error["message"]


def _read_only_build(notes_build, tmp_path):  # noqa: ANN001, ANN202
    """A copy of the build where ``exports`` cannot be a folder (root may write even to a
    read-only folder, so the test blocks the name instead)."""
    import shutil

    build = tmp_path / "build"
    shutil.copytree(notes_build[1].build, build, ignore=shutil.ignore_patterns("exports"))
    (build / "exports").write_text("not a folder")
    return build


@pytest.mark.parametrize("planted_by", ["anyone (mode 777)", "another user"])
def test_exports_of_a_read_only_build_never_use_a_folder_someone_else_prepared(
        notes_build, tmp_path, monkeypatch, planted_by):
    import hashlib
    import os
    import tempfile

    from graph.exports import export_file

    if planted_by == "another user" and os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    build = _read_only_build(notes_build, tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    digest = hashlib.sha1(str(build.resolve()).encode()).hexdigest()[:16]
    planted = tmp_path / "tmp" / f"kg-exports-{os.geteuid()}" / f"{build.name}-{digest}"
    planted.mkdir(parents=True)
    (planted / "graph.nt").write_text('<urn:x> <urn:y> "planted" .\n')
    planted.parent.chmod(0o700)  # only the build's own folder is open
    if planted_by == "another user":
        for folder in (planted.parent, planted):
            folder.chmod(0o700)
            os.chown(folder, 65534, 65534)
    else:
        planted.chmod(0o777)

    path = export_file(build, "ntriples")

    assert planted not in path.parents
    assert b"planted" not in path.read_bytes() and path.stat().st_size > 0
    assert path.parent.stat().st_mode & 0o077 == 0 and path.parent.stat().st_uid == os.geteuid()


def test_exports_of_a_read_only_build_are_shared_through_a_private_folder(
        notes_build, tmp_path, monkeypatch):
    import os
    import tempfile

    from graph.exports import export_file

    build = _read_only_build(notes_build, tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))

    path = export_file(build, "ntriples")

    assert path.parent.parent == tmp_path / "tmp" / f"kg-exports-{os.geteuid()}"
    for folder in (path.parent, path.parent.parent):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert export_file(build, "ntriples") == path  # the next worker finds it


@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "xml"), (None, "turtle"),
])
def test_our_vocabulary_is_served_as_rdf(client, accept, fmt):
    """Every kg: term a graph uses is described (a label and a comment) at /vocab."""
    from rdflib import OWL, RDFS

    from graph.vocab import KG, KG_NS

    headers = {"Accept": accept} if accept else {}
    response = client.get("/vocab", headers=headers)
    assert response.status_code == 200 and response.headers["Vary"] == "Accept"
    got = parse(response.data, fmt)
    assert (None, RDF.type, OWL.Ontology) in got
    for term in (KG.confidence, KG.explicit, KG.linksTo, KG.evidenceText, URIRef(KG_NS + "manages")):
        assert (term, RDFS.label, None) in got, term
        assert (term, RDFS.comment, None) in got, term
    refused = client.get("/vocab", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.get_json()["error"]["code"] == "not_acceptable"
