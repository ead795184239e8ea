"""/sparql: SPARQL 1.1 Protocol, formats, read-only, limits; SPARQLWrapper as a real client."""

from __future__ import annotations

import csv
import gc
import io
import json
import time
import warnings

import pyoxigraph
import pytest
from rdflib import Graph, URIRef
from rdflib.query import Result

from graph.query_check import QueryError, check_query, normalize

from .conftest import BASE_URI, make_client

SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
CONCEPTS = SKOS + ("SELECT ?c ?label WHERE { ?c a skos:Concept ; skos:prefLabel ?label "
                   'FILTER(LANG(?label) = "en") } ORDER BY ?c')
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def all_concepts(client) -> dict[str, str]:
    body = client.get("/api/concepts", query_string={"limit": 1000}).get_json()
    assert body["total"] <= 1000
    return {c["id"]: c["label"] for c in body["concepts"]}


def bindings(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.data
    return [{k: v["value"] for k, v in row.items()}
            for row in response.get_json(force=True)["results"]["bindings"]]


def test_get_select_matches_the_concepts_api(client):
    rows = bindings(client.get("/sparql", query_string={"query": CONCEPTS}))
    got = {row["c"].removeprefix(f"{BASE_URI}concept/"): row["label"] for row in rows}
    assert got == all_concepts(client)


def test_three_ways_to_send_a_query_agree(client):
    get = client.get("/sparql", query_string={"query": CONCEPTS})
    form = client.post("/sparql", data={"query": CONCEPTS})
    body = client.post("/sparql", data=CONCEPTS.encode(),
                       content_type="application/sparql-query")
    assert get.status_code == form.status_code == body.status_code == 200
    assert get.data == form.data == body.data
    assert get.headers["Content-Type"] == "application/sparql-results+json"
    assert get.headers["Vary"] == "Accept"


def test_default_graph_is_the_union_as_a_set(client):
    # every concept is declared in each note that mentions it: still one row each
    rows = bindings(client.get("/sparql", query_string={"query": CONCEPTS}))
    assert len(rows) == len({row["c"] for row in rows})
    graphs = bindings(client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}))
    assert f"{BASE_URI}scheme" in {row["g"] for row in graphs}
    assert len(graphs) > 2


def test_from_and_protocol_dataset_narrow_the_default_graph(client):
    scheme = f"{BASE_URI}scheme"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    total = int(bindings(client.get("/sparql", query_string={"query": count}))[0]["n"])
    with_from = count.replace("WHERE", f"FROM <{scheme}> WHERE")
    only = int(bindings(client.get("/sparql", query_string={"query": with_from}))[0]["n"])
    protocol = int(bindings(client.get("/sparql", query_string={
        "query": count, "default-graph-uri": scheme}))[0]["n"])
    assert 0 < only == protocol < total


@pytest.mark.parametrize("accept, ctype", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_formats_parse_to_the_same_rows(client, accept, ctype):
    response = client.get("/sparql", query_string={"query": CONCEPTS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == ctype
    fmt = {"application/sparql-results+xml": "xml", "text/csv": "csv",
           "text/tab-separated-values": "tsv"}.get(ctype, "json")
    result = Result.parse(io.BytesIO(response.data), format=fmt)
    got = {(str(row[0]), str(row[1])) for row in result}
    want = {(row["c"], row["label"]) for row in bindings(
        client.get("/sparql", query_string={"query": CONCEPTS}))}
    assert got == want


def test_csv_quotes_commas_and_quotes(client):
    query = 'SELECT ?x WHERE { BIND("a, \\"b\\"\\nc" AS ?x) }'
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert rows == [["x"], ['a, "b"\nc']]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_triple_terms_and_awkward_literals_answer_in_every_results_format(client, fmt):
    query = ('SELECT ?t ?x ?none WHERE { BIND(TRIPLE(<urn:a>, <urn:b>, "c\\td"@en) AS ?t) '
             'BIND("tab\\t \\"q\\" \\\\ x"^^<urn:type> AS ?x) }')
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200
    if fmt == "csv":  # CSV keeps the lexical forms only (a triple term as its three)
        rows = list(csv.reader(io.StringIO(response.data.decode())))
        assert rows == [["t", "x", "none"], ['urn:a urn:b c\td', 'tab\t "q" \\ x', ""]]
        return
    back = pyoxigraph.parse_query_results(response.data, getattr(
        pyoxigraph.QueryResultsFormat, fmt.upper()))
    (row,) = list(back)
    assert row["t"] == pyoxigraph.Triple(pyoxigraph.NamedNode("urn:a"), pyoxigraph.NamedNode(
        "urn:b"), pyoxigraph.Literal("c\td", language="en"))
    assert row["x"] == pyoxigraph.Literal('tab\t "q" \\ x',
                                          datatype=pyoxigraph.NamedNode("urn:type"))
    assert row["none"] is None


def test_ask(client):
    for accept, true in [("application/sparql-results+json", b'"boolean":true'),
                         ("application/sparql-results+xml", b"<boolean>true</boolean>")]:
        response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                              headers={"Accept": accept})
        assert response.status_code == 200 and true in response.data
    no = client.get("/sparql", query_string={"query": "ASK { <urn:x> <urn:y> <urn:z> }"})
    assert no.get_json(force=True)["boolean"] is False


@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "xml"), ("*/*", "turtle"),
])
def test_construct_formats_parse_to_isomorphic_graphs(client, accept, fmt):
    query = SKOS + "CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c skos:prefLabel ?l }"
    graphs = []
    for header in (accept, "application/n-triples"):
        response = client.get("/sparql", query_string={"query": query},
                              headers={"Accept": header})
        assert response.status_code == 200
        graph = Graph()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(data=response.data, format=fmt if header == accept else "nt")
        graphs.append(graph)
    assert len(graphs[0]) > 50
    assert graphs[0].isomorphic(graphs[1])


def test_describe(client):
    response = client.get("/sparql", query_string={
        "query": f"DESCRIBE <{BASE_URI}concept/pod>"}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and b"Pod" in response.data


def test_format_parameter_overrides_accept(client):
    response = client.get("/sparql", query_string={"query": CONCEPTS, "format": "csv"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.mimetype == "text/csv"


@pytest.mark.parametrize("query, accept", [
    (CONCEPTS, "text/turtle"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "text/csv"),
    (CONCEPTS, "image/png"),
])
def test_nothing_acceptable_is_406(client, query, accept):
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.get_json()["error"]["code"] == "not_acceptable"


@pytest.mark.parametrize("kwargs", [
    {"query_string": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"query_string": {"query": "PREFIX x: <urn:x#> # comment\n DELETE WHERE { ?s ?p ?o }"}},
    {"query_string": {"query": "DROP ALL"}},
    {"query_string": {"query": "LOAD <http://example.org/x.ttl>"}},
    {"query_string": {"query": "CLEAR DEFAULT"}},
    {"query_string": {"query": "CREATE GRAPH <urn:g>"}},
    {"query_string": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"method": "POST", "data": {"update": "DROP ALL"}},
    {"method": "POST", "data": b"DROP ALL", "content_type": "application/sparql-update"},
])
def test_updates_are_refused(client, kwargs):
    method = kwargs.pop("method", "GET")
    response = client.open("/sparql", method=method, **kwargs)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "read_only"
    ask = client.get("/sparql", query_string={"query": "ASK { <urn:a> <urn:b> <urn:c> }"})
    assert ask.get_json(force=True)["boolean"] is False


def test_update_words_inside_strings_and_iris_are_not_updates(client):
    query = ('SELECT ?x WHERE { BIND("DROP ALL; INSERT DATA {}" AS ?x) '
             "FILTER(?x != <urn:delete>) } # DELETE")
    assert bindings(client.get("/sparql", query_string={"query": query})) == [
        {"x": "DROP ALL; INSERT DATA {}"}]


def test_service_is_refused(client):
    response = client.get("/sparql", query_string={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "service_not_allowed"


@pytest.mark.parametrize("kwargs, code", [
    ({"query_string": {"query": "SELECT ?x WHERE { ?x ?y }"}}, "malformed_query"),
    ({"query_string": {"query": "SELEKT * WHERE { ?s ?p ?o }"}}, "malformed_query"),
    ({"query_string": {"query": "  "}}, "missing_parameter"),
    ({"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, "invalid_parameter"),
    ({"query_string": {"query": "ASK {}", "default-graph-uri": "not an iri"}},
     "invalid_parameter"),
    ({"query_string": {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "format": "yaml"}},
     "not_acceptable"),
])
def test_bad_requests(client, kwargs, code):
    response = client.get("/sparql", **kwargs)
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"] == code


def test_syntax_error_carries_the_parser_message(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert response.status_code == 400
    assert "error at 1:" in response.get_json()["error"]["message"]


def test_other_content_type_is_415(client):
    response = client.post("/sparql", data=b"{}", content_type="application/json")
    assert response.status_code == 415


def test_row_cap_truncates_and_says_so(notes_build):
    client = make_client(notes_build[1], sparql_max_rows=7)
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(bindings(response)) == 7
    assert response.headers["X-KG-Truncated"] == "true"
    assert response.headers["X-SPARQL-MaxRows"] == "7"
    small = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert len(bindings(small)) == 3 and "X-KG-Truncated" not in small.headers
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                       headers={"Accept": "application/n-triples"})
    assert len(graph.data.strip().splitlines()) == 7


def test_runaway_query_is_stopped_and_the_next_one_answers(notes_build):
    client = make_client(notes_build[1], sparql_timeout=1.0)
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": RUNAWAY})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "query_timeout" and "1 s" in error["message"]
    assert elapsed < 5
    after = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert after.status_code == 200


def test_check_query_reads_a_real_parse():
    assert check_query("PREFIX a: <urn:a#> SELECT * FROM <urn:g> {}").has_dataset
    assert not check_query("SELECT ?service WHERE { ?s <urn:SERVICE> ?service }").has_dataset
    assert check_query('SELECT * { ?s ?p "x"@add }').parsed
    assert normalize("SELECT * {} # a\r\nb\rc") == "SELECT * {} # a\nb\nc"
    with pytest.raises(QueryError) as update:
        check_query("INSERT DATA {}")
    assert update.value.kind == "read_only"
    with pytest.raises(QueryError) as service:
        check_query(normalize("SELECT * { #\rSERVICE <urn:x> { ?s ?p ?o } }"))
    assert service.value.kind == "service"


def test_a_slow_to_parse_query_is_stopped_by_the_deadline_not_a_server_thread(notes_build):
    """rdflib's parser takes seconds on a long expression: it runs in the query worker."""
    client = make_client(notes_build[1], sparql_timeout=0.5)
    query = ("SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(f"?o = {i}" for i in range(3000))
             + ") }")
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "query_timeout"


def test_a_query_then_an_update_is_malformed_and_nothing_runs(client):
    response = client.get("/sparql", query_string={
        "query": "SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert response.status_code == 400
    ask = client.get("/sparql", query_string={"query": "ASK { <urn:a> <urn:b> <urn:c> }"})
    assert ask.get_json(force=True)["boolean"] is False


def test_latency(client):
    query = SKOS + f"SELECT ?l WHERE {{ <{BASE_URI}concept/pod> skos:prefLabel ?l }}"
    client.get("/sparql", query_string={"query": query})
    started = time.perf_counter()
    for _ in range(50):
        assert client.get("/sparql", query_string={"query": query}).status_code == 200
    per_query = (time.perf_counter() - started) / 50
    assert per_query < 0.05, f"{per_query * 1000:.1f} ms per query"


# -- SPARQLWrapper against the real server ------------------------------------------------
@pytest.fixture(scope="module")
def wrapper(live_server):
    sparqlwrapper = pytest.importorskip("SPARQLWrapper")
    return lambda: sparqlwrapper.SPARQLWrapper(f"{live_server}/sparql")


def test_sparqlwrapper_select_matches_the_concepts_api(wrapper, client):
    from SPARQLWrapper import JSON

    endpoint = wrapper()
    endpoint.setQuery(CONCEPTS)
    endpoint.setReturnFormat(JSON)
    rows = endpoint.query().convert()["results"]["bindings"]
    got = {r["c"]["value"].removeprefix(f"{BASE_URI}concept/"): r["label"]["value"]
           for r in rows}
    assert got == all_concepts(client)


def test_sparqlwrapper_post_and_construct(wrapper):
    from SPARQLWrapper import POST, TURTLE

    endpoint = wrapper()
    endpoint.setMethod(POST)
    endpoint.setQuery(SKOS + "CONSTRUCT WHERE { ?c skos:prefLabel ?l }")
    endpoint.setReturnFormat(TURTLE)
    graph = Graph().parse(data=endpoint.query().convert(), format="turtle")
    assert len(graph) > 50


# SPARQLWrapper leaves the socket of an HTTP error response to the garbage collector
QUIET_SOCKETS = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning",
                                           "ignore::ResourceWarning")


@QUIET_SOCKETS
def test_sparqlwrapper_update_is_refused(wrapper):
    from SPARQLWrapper import POST
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    endpoint = wrapper()
    endpoint.setMethod(POST)
    endpoint.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises((SPARQLWrapperException, OSError)) as info:
        endpoint.query()
    assert "403" in str(info.value) or "read-only" in str(info.value)
    del info
    gc.collect()  # the leaked socket is reported here, where it is ignored


@QUIET_SOCKETS
def test_sparqlwrapper_runaway_query_is_stopped(wrapper):
    from SPARQLWrapper import JSON
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

    endpoint = wrapper()
    endpoint.setQuery(RUNAWAY)
    endpoint.setReturnFormat(JSON)
    started = time.monotonic()
    with pytest.raises((EndPointInternalError, SPARQLWrapperException, OSError)) as info:
        endpoint.query()
    assert time.monotonic() - started < 15
    text = str(info.value)
    assert "503" in text or "query_timeout" in text or "longer than" in text, text
    again = wrapper()
    again.setQuery("ASK { ?s ?p ?o }")
    again.setReturnFormat(JSON)
    assert again.query().convert()["boolean"] is True
    del info
    gc.collect()


def test_results_json_is_valid_json_with_non_ascii(client):
    query = SKOS + 'SELECT ?l WHERE { ?c skos:prefLabel ?l FILTER(LANG(?l) = "ko") } LIMIT 5'
    response = client.get("/sparql", query_string={"query": query})
    body = json.loads(response.data)
    assert body["results"]["bindings"]


# -- conformance: what other people's clients and the W3C tests expect ----------------------
def test_an_unknown_function_is_a_400_and_the_worker_lives_on(client, notes_build):
    from api.sparql import engine

    client.get("/sparql", query_string={"query": "ASK {}"})
    before = engine(notes_build[1], client.application.extensions["kg"]["settings"]).pid
    response = client.get("/sparql", query_string={
        "query": "SELECT (<http://example/f>(1) AS ?x) {}"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "query_failed"
    assert "http://example/f" in response.get_json()["error"]["message"]
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    assert engine(notes_build[1], client.application.extensions["kg"]["settings"]).pid == before


def test_relative_iris_resolve_against_the_concept_base(client):
    rows = bindings(client.get("/sparql", query_string={
        "query": SKOS + 'SELECT ?l WHERE { <concept/pod> skos:prefLabel ?l '
                        'FILTER(LANG(?l) = "en") }'}))
    assert rows == [{"l": "Pod"}]
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                       headers={"Accept": "application/n-triples"})
    assert graph.status_code == 200
    assert graph.data.decode().startswith(f"<{BASE_URI}s> <{BASE_URI}p> ")


def test_a_language_tag_named_like_an_update_is_a_query(client):
    response = client.get("/sparql", query_string={"query": 'SELECT ("x"@add AS ?x) {}'})
    assert bindings(response) == [{"x": "x"}]


@pytest.mark.parametrize("fmt, ctype, rdflib_format", [
    ("xml", "application/rdf+xml", "xml"),
    ("rdf", "application/rdf+xml", "xml"),
    ("n3", "text/turtle", "turtle"),
    ("turtle", "text/turtle", "turtle"),
    ("ttl", "text/turtle", "turtle"),
    ("json", "application/ld+json", "json-ld"),
    ("json-ld", "application/ld+json", "json-ld"),
    ("nt", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_format_names_mean_the_graph_format_for_construct(client, fmt, ctype, rdflib_format):
    """SPARQLWrapper sends ``format=xml`` (or n3, json) whatever the query form."""
    for method in ("get", "post"):
        send = client.get if method == "get" else client.post
        kwargs = ({"query_string": {"query": "CONSTRUCT WHERE { ?s a ?t } LIMIT 5",
                                    "format": fmt}} if method == "get" else
                  {"data": {"query": "CONSTRUCT WHERE { ?s a ?t } LIMIT 5", "format": fmt}})
        response = send("/sparql", **kwargs)
        assert response.status_code == 200, response.data[:200]
        assert response.mimetype == ctype
        with warnings.catch_warnings():  # rdflib's JSON-LD parser uses ConjunctiveGraph
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            assert len(Graph().parse(data=response.data, format=rdflib_format)) == 5


def test_format_xml_still_means_results_xml_for_select(client):
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 1",
                                                   "format": "xml"})
    assert response.mimetype == "application/sparql-results+xml"


def test_sparqlwrapper_defaults_work_for_construct_and_describe(wrapper):
    for query in ("CONSTRUCT WHERE { ?s a ?t } LIMIT 5",
                  f"DESCRIBE <{BASE_URI}concept/pod>"):
        endpoint = wrapper()
        endpoint.setQuery(query)
        with warnings.catch_warnings():  # SPARQLWrapper reads it into a ConjunctiveGraph
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            graph = endpoint.query().convert()  # RDF/XML by default, read by rdflib
        assert len(graph) >= 5


SD = "http://www.w3.org/ns/sparql-service-description#"


def test_get_without_a_query_is_the_service_description(client):
    response = client.get("/sparql")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    service = graph.value(predicate=URIRef(SD + "endpoint"), object=URIRef(
        "http://localhost/sparql"))
    assert service is not None
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in graph
    assert (service, URIRef(SD + "feature"), URIRef(SD + "UnionDefaultGraph")) in graph
    as_xml = client.get("/sparql", headers={"Accept": "application/rdf+xml"})
    assert len(Graph().parse(data=as_xml.data, format="xml")) == len(graph)


def test_head_answers_like_get(client):
    described = client.head("/sparql")
    assert described.status_code == 200 and described.mimetype == "text/turtle"
    asked = client.head("/sparql", query_string={"query": "ASK {}"})
    assert asked.status_code == 200
    assert asked.mimetype == "application/sparql-results+json" and asked.data == b""


@pytest.mark.parametrize("path, headers, status", [
    ("/sparql?query=ASK%20%7B%7D", {"Accept": "image/png"}, 406),
    ("/concept/no-such-concept-here", {"Accept": "text/turtle"}, 404),
    ("/concept/pod", {"Accept": "image/png"}, 406),
])
def test_errors_that_depend_on_accept_say_so(client, path, headers, status):
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert "Accept" in response.headers.get("Vary", "")


def test_the_timeout_message_says_how_to_change_it(notes_build):
    client = make_client(notes_build[1], sparql_timeout=0.5)
    response = client.get("/sparql", query_string={"query": RUNAWAY})
    assert response.status_code == 503
    assert "KG_SPARQL_TIMEOUT" in response.get_json()["error"]["message"]
