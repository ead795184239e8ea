"""/sparql as an attacker sees it: no federation (SERVICE) however it is spelled, in the
endpoint's check and in the engine itself, no upstream text in errors, memory and body
limits, and a bounded number of queries at once."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.backends import EmbeddedEngine, QueryError, RemoteEngine

from .conftest import make_client, running_server
from .test_external_store import external, graph_url  # noqa: F401 - fixtures

RESULTS = {"results": "json", "graph": "turtle"}


class Canary:
    """A loopback HTTP server that must never be called: it records every request and
    answers like a SPARQL endpoint holding a secret (so a leak would show in results)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                canary.hits.append(f"{self.command} {self.path}")
                body = json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": [
                    {"s": {"type": "literal", "value": "CANARY-SECRET"}}]}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.close()


# Ways to write SERVICE (and to hide it from a naive reader). {url} is the canary,
# {port} its port.
SERVICE_TRICKS = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ #x\rSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?a ?b ?c #x\rSERVICE <{url}> {{ ?s ?p ?o }}\n }}",
    "SELECT * WHERE {{ #x\r\nSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p '''x\r''' . #\rSERVICE <{url}> {{ ?s ?p ?o }}\n}}",
    "SELECT * WHERE {{ ?s ?p \"#\" . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <\\u0068ttp://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \u017fERVICE <{url}> {{ ?s ?p ?o }} }}",  # long s: not a keyword
    "SELECT * WHERE {{\tSERVICE\f<{url}>{{?s ?p ?o}} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX c: <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE c:x {{ ?s ?p ?o }} }}",
    "BASE <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE <x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://localhost:{port}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://[::ffff:127.0.0.1]:{port}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://2130706433:{port}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} # \u2028 \u0085",
    "SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o }} VALUES ?x {{ 1 }} #\rSERVICE",
]


def _send(client, query: str, how: str):
    if how == "get":
        return client.get("/sparql", query_string={"query": query})
    if how == "form":
        return client.post("/sparql", data={"query": query})
    return client.post("/sparql", data=query.encode(), content_type="application/sparql-query")


def _assert_refused(response) -> None:
    """Refused as federation (403) or as malformed (400): never answered."""
    assert response.status_code in (400, 403), response.data[:300]
    error = response.get_json()["error"]
    assert error["code"] in ("service_not_allowed", "malformed_query"), error
    assert b"CANARY" not in response.data


@pytest.mark.parametrize("how", ["get", "form", "body"])
@pytest.mark.parametrize("trick", SERVICE_TRICKS)
def test_service_is_refused_however_written(client, canary, trick, how):
    query = trick.format(url=canary.url, port=canary.port)
    _assert_refused(_send(client, query, how))
    assert canary.hits == []


_SEPARATORS = [" ", "\t", "\n", "\r", "\r\n", "\f", "#x\r", "#x\n", "# \u2028\r",
               "#\u0085\r", "\u00a0"]


def _spell(word: str, data) -> str:
    """``word`` in a random case, some letters as \\u escapes."""
    from hypothesis import strategies as st

    out = []
    for letter in word:
        letter = letter.upper() if data.draw(st.booleans()) else letter.lower()
        out.append(f"\\u{ord(letter):04X}" if data.draw(st.integers(0, 5)) == 0 else letter)
    return "".join(out)


def test_service_fuzzed(client, canary):
    """Random separators, comments, cases and escapes around SERVICE: never answered,
    and the canary never called."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.data())
    def attack(data):
        sep = [data.draw(st.sampled_from(_SEPARATORS)) for _ in range(4)]
        keyword = _spell("service", data)
        silent = f"{_spell('silent', data)}{sep[3]}" if data.draw(st.booleans()) else ""
        form = data.draw(st.sampled_from(["SELECT *", "ASK", "CONSTRUCT { ?s ?p ?o }"]))
        query = (f"{form} WHERE {{{sep[0]}{keyword}{sep[1]}{silent}<{canary.url}>{sep[2]}"
                 "{ ?s ?p ?o } }")
        response = _send(client, query, data.draw(st.sampled_from(["get", "form", "body"])))
        assert response.status_code != 200, query
        assert b"CANARY" not in response.data
        assert canary.hits == [], query

    attack()


@pytest.mark.parametrize("kwargs", [
    {"query": "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}"},
    {"query": "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
    {"query": "SELECT * WHERE {{ ?s ?p ?o }}", "default-graph-uri": "{url}"},
    {"query": "SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "named-graph-uri": "{url}"},
    {"query": "DESCRIBE <{url}>"},
])
def test_dataset_iris_are_names_never_fetched(client, canary, kwargs):
    params = {k: v.format(url=canary.url) for k, v in kwargs.items()}
    response = client.get("/sparql", query_string=params)
    assert response.status_code == 200
    assert b"CANARY" not in response.data and canary.hits == []


def test_the_refusal_says_why(client, canary):
    response = client.get("/sparql", query_string={
        "query": f"SELECT * WHERE {{ #x\rSERVICE <{canary.url}> {{ ?s ?p ?o }} }}"})
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "service_not_allowed"
    assert "never contacts another server" in error["message"]


SANDBOXED_SERVICE = """
import sys, pyoxigraph
from graph.backends import deny_network
assert deny_network()
store = pyoxigraph.Store()
silent = list(store.query("SELECT * WHERE { SERVICE SILENT <%(url)s> { ?s ?p ?o } }"))
print("silent", len(silent), [str(s["s"]) for s in silent if s["s"] is not None])
try:
    list(store.query("SELECT * WHERE { SERVICE <%(url)s> { ?s ?p ?o } }"))
except PermissionError as exc:
    print("refused", exc)
"""


def test_the_query_worker_itself_cannot_reach_the_network(notes_build, canary):
    """Under the worker's seccomp filter, pyoxigraph's SERVICE fails and SERVICE SILENT
    answers nothing, with no check of ours in front: the canary hears nothing."""
    import subprocess
    import sys

    from kg.settings import REPO_ROOT

    done = subprocess.run([sys.executable, "-c", SANDBOXED_SERVICE % {"url": canary.url}],
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused" in done.stdout and "CANARY" not in done.stdout
    assert canary.hits == []
    engine = EmbeddedEngine(Path(notes_build[1].build) / "graph.nq", 10.0, 100)
    try:
        with pytest.raises(QueryError) as failed:
            engine.query(f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}", RESULTS)
        assert failed.value.kind == "service"
        assert engine.sandboxed is True  # the worker answering /sparql runs under it
        still = engine.query("ASK { ?s ?p ?o }", RESULTS)  # and it answers on
        assert json.loads(still.body)["boolean"] is True
    finally:
        engine.close()
    assert canary.hits == []


@pytest.mark.parametrize("trick", SERVICE_TRICKS[:9])
def test_an_external_store_is_never_asked_to_federate(external, canary, trick):  # noqa: F811
    client = make_client(external)
    _assert_refused(_send(client, trick.format(url=canary.url, port=canary.port), "get"))
    assert canary.hits == []


class Upstream:
    """A fake graph store answering every query with ``status`` and a secret body."""

    def __init__(self, status: int) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = b"UPSTREAM-SECRET at 10.0.0.7: timeout? no"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("status", [400, 403, 500, 502, 503])
def test_upstream_bodies_never_reach_an_error(status):
    upstream = Upstream(status)
    try:
        engine = RemoteEngine(upstream.url, ["urn:g"], None, 5.0, 10)
        with pytest.raises(QueryError) as failed:
            engine.query("ASK { ?s ?p ?o }", RESULTS)
    finally:
        upstream.close()
    assert "SECRET" not in failed.value.message and "10.0.0.7" not in failed.value.message


def test_closed_and_open_ports_fail_alike():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/query"
    with pytest.raises(QueryError) as failed:
        RemoteEngine(closed, ["urn:g"], None, 5.0, 10).query("ASK {}", RESULTS)
    assert failed.value.message == "the graph store is unreachable"


# -- memory -------------------------------------------------------------------------------
MEMORY_BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"


def test_a_query_that_blows_memory_is_stopped_with_503_and_the_server_goes_on(notes_build):
    client = make_client(notes_build[1], sparql_max_memory=64, sparql_timeout=30.0)
    response = client.get("/sparql", query_string={"query": MEMORY_BOMB})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "query_memory"
    assert "64 MB" in error["message"] and "KG_SPARQL_MAX_MEMORY" in error["message"]
    after = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert after.status_code == 200 and after.get_json()["boolean"] is True


# -- request bodies -----------------------------------------------------------------------
def test_a_body_over_the_limit_is_413_json(client):
    response = client.post("/sparql", data=b"#" * (1024 * 1024 + 1),
                           content_type="application/sparql-query")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_too_large"


def test_a_huge_declared_body_is_refused_before_it_is_read(live_server):
    """1 GB announced, 10 bytes sent: the answer comes at once, without waiting for the
    rest (before the limit, the server sat reading until the client gave up)."""
    host, port = live_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/sparql-query\r\n"
                     b"Content-Length: 1073741824\r\n\r\nASK {} ###")
        started = time.monotonic()
        head = conn.recv(4096)
    assert time.monotonic() - started < 5
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    assert b'"request_too_large"' in head or b"application/json" in head


# -- concurrency --------------------------------------------------------------------------
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_slow_queries_leave_the_server_free_for_other_endpoints(notes_build):
    """kg serve with one worker process: while slow SPARQL queries run, /healthz still
    answers, and SPARQL beyond KG_SPARQL_CONCURRENCY is told to come back (503 +
    Retry-After) at once instead of holding a thread."""
    import concurrent.futures
    import urllib.error
    import urllib.request

    def fetch(url: str) -> tuple[int, dict, float]:
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                response.read()
                return response.status, dict(response.headers), time.monotonic()
        except urllib.error.HTTPError as exc:
            exc.read()
            return exc.code, dict(exc.headers), time.monotonic()

    from urllib.parse import quote

    with running_server(notes_build[1].root, KG_WORKERS="1", KG_SPARQL_TIMEOUT="4",
                        KG_SPARQL_CONCURRENCY="1") as url:
        fetch(f"{url}/sparql?query={quote('ASK {}')}")  # the query worker is started
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            slow = [pool.submit(fetch, f"{url}/sparql?query={quote(SLOW)}") for _ in range(4)]
            time.sleep(0.5)
            health = pool.submit(fetch, f"{url}/healthz").result()
            answers = [future.result() for future in slow]
    assert health[0] == 200
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [503, 503, 503, 503]
    busy = [headers for status, headers, _ in answers if headers.get("Retry-After")]
    assert len(busy) == 3  # the fourth ran until KG_SPARQL_TIMEOUT stopped it
    ran_until = max(done for _, _, done in answers)
    assert health[2] < ran_until  # /healthz answered while the slow query still ran


def test_a_long_korean_search_gets_json_not_an_html_414(live_server):
    """500 Hangul characters (the KG_MAX_QUERY_CHARS default) are 4.5 KB once
    percent-encoded: more than gunicorn's default request line."""
    import urllib.error
    import urllib.request
    from urllib.parse import quote

    for length, status in ((500, 200), (501, 400)):
        url = f"{live_server}/api/search?q={quote('파드' * (length // 2) + '스' * (length % 2))}"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                got, ctype, body = response.status, response.headers["Content-Type"], \
                    response.read()
        except urllib.error.HTTPError as exc:
            got, ctype, body = exc.code, exc.headers["Content-Type"], exc.read()
        assert got == status and ctype.startswith("application/json"), (got, body[:200])
        json.loads(body)
