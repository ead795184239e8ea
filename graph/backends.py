"""Where the RDF dataset lives, and how SPARQL queries are answered from it.

Two graph stores, chosen by configuration (``KG_GRAPH_URL``):

* **embedded** (the default): the build folder holds the dataset as ``graph.nq``.
  SPARQL is answered by pyoxigraph from an in-memory copy of that file, in a child
  process (:class:`EmbeddedEngine`) so that a runaway query can be stopped: Oxigraph's
  evaluator cannot be interrupted from Python, so the process is killed at the deadline
  and started again for the next query (it reloads ``graph.nq``). The worker has
  no network (a seccomp filter refuses IP sockets: no ``SERVICE`` can leave it) and a
  memory cap (``RLIMIT_AS``: the loaded graph plus ``KG_SPARQL_MAX_MEMORY`` MB).
* **external**: a SPARQL 1.1 endpoint (e.g. ``oxigraph serve``). Ingest replaces each
  note's named graph there (``DROP SILENT GRAPH`` + ``INSERT DATA``, several graphs per
  update request; one HTTP client, :func:`endpoint_request`), drops graphs of notes that
  are gone, then reads the dataset back to build the ConceptGraph, so the API answers
  from exactly what the endpoint holds. Queries are proxied (:class:`RemoteEngine`)
  with the dataset set to our graphs; nothing the store answers in an error (body,
  address, socket error) is passed on.

Both engines return the same thing: one answer rendered by :func:`render` from
pyoxigraph terms, with the same formats, row cap and errors, so a client cannot tell
which store it talks to. The default graph of a query without ``FROM`` is the union of
all named graphs (each note's graph and the scheme graph).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pyoxigraph as ox

from .formats import RDF_FORMATS, RESULTS_FORMATS
from .query_check import QueryError, QueryInfo, check_query, normalize

if TYPE_CHECKING:
    from rdflib.term import IdentifiedNode

EMBEDDED = "embedded"
EXTERNAL = "sparql"
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "kg": "https://kg.example/vocab#",
}


@dataclass
class Answer:
    body: bytes
    mimetype: str
    truncated: bool = False
    rows: int = 0


# --------------------------------------------------------------------------- rendering


def solutions_from_rows(variables: list[str], rows: list[list[Any]]) -> ox.QuerySolutions:
    """The first rows of a SELECT answer as a pyoxigraph results object again, so that its
    serialisers write the answer cut at the row cap: a ``QuerySolutions`` cannot be built
    from Python, so the rows go through TSV, whose terms are pyoxigraph's own ``str()``
    (N-Triples syntax, lossless; an empty cell is an unbound variable)."""
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
    text = "\n".join(lines) + "\n"
    parsed = ox.parse_query_results(text.encode("utf-8"), ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)  # a header of variables: solutions
    return parsed


def _tsv_term(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Triple):  # a triple term: its str() lacks the brackets
        return (
            f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} "
            f"{_tsv_term(term.object)} )>>"
        )
    return str(term)


def render_triples(triples: Iterable[Any], fmt: str) -> bytes:
    """CONSTRUCT/DESCRIBE triples in the RDF format named ``fmt`` (pyoxigraph writes it)."""
    return ox.serialize(list(triples), format=RDF_FORMATS[fmt].oxigraph, prefixes=PREFIXES) or b""


def _take(items: Iterable[Any], limit: int) -> tuple[list[Any], bool]:
    taken: list[Any] = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


def render(result: Any, formats: dict[str, str | None], max_rows: int) -> Answer:
    """One evaluated (or parsed) pyoxigraph result → the answer, capped at ``max_rows``
    solutions or triples, written by pyoxigraph's serialisers. ``formats`` names the
    format per kind of answer (``results`` for SELECT/ASK, a name of
    :data:`graph.formats.RESULTS_FORMATS`; ``graph`` for CONSTRUCT/DESCRIBE, a name of
    :data:`graph.formats.RDF_FORMATS`), so the query form is read from the engine's own
    parse, not guessed beforehand; a kind without a format (None) raises QueryError
    ``not_acceptable`` naming the kind."""
    kind = "results" if isinstance(result, (ox.QueryBoolean, ox.QuerySolutions)) else "graph"
    fmt = formats.get(kind)
    if fmt is None:
        raise QueryError("not_acceptable", kind)
    if kind == "graph":
        triples, truncated = _take(result, max_rows)
        return Answer(
            render_triples(triples, fmt), RDF_FORMATS[fmt].media_type, truncated, len(triples)
        )
    spec = RESULTS_FORMATS[fmt]
    if isinstance(result, ox.QueryBoolean):
        return Answer(_written(result.serialize(format=spec.oxigraph)), spec.media_type, rows=1)
    variables = [v.value for v in result.variables]
    rows, truncated = _take(([s[v] for v in range(len(variables))] for s in result), max_rows)
    body = solutions_from_rows(variables, rows).serialize(format=spec.oxigraph)
    return Answer(_written(body), spec.media_type, truncated, len(rows))


def _written(body: bytes | None) -> bytes:
    """pyoxigraph's ``serialize`` returns the bytes when given no file to write to."""
    assert body is not None
    return body


# --------------------------------------------------------------------------- the embedded engine


def evaluate(store: ox.Store, request: dict[str, Any]) -> Answer:
    """Run one query on a pyoxigraph store (in the worker process).

    Every failure of the engine becomes a QueryError (an unknown function raises
    RuntimeError, an exhausted memory cap MemoryError): the worker must outlive a bad
    query, since starting another one reloads the whole graph."""
    kwargs: dict[str, Any] = {}
    if request.get("default_graphs") or request.get("named_graphs"):
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.get("default_graphs", [])]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.get("named_graphs", [])]
    # else: the store's default graph, which the worker filled with the union of all
    # named graphs as a set (Oxigraph's use_default_graph_as_union repeats a triple
    # once per graph holding it, and our notes all declare the concepts they mention).
    if request.get("base_iri"):
        kwargs["base_iri"] = request["base_iri"]
    text = normalize(request["query"])
    check_query(text)  # here, under the query's deadline: parsing can take seconds
    try:
        result = store.query(text, **kwargs)
        return render(result, request["formats"], int(request["max_rows"]))
    except SyntaxError as exc:
        raise QueryError("syntax", str(exc)) from None
    except MemoryError:
        raise QueryError("memory", "out of memory") from None
    except PermissionError:  # the sandbox refused a socket: SERVICE, whatever its spelling
        raise QueryError("service", "federated queries (SERVICE) are not allowed") from None
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise QueryError("error", str(exc)) from None


UNION_INTO_DEFAULT = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"

# seccomp: refuse socket(AF_INET|AF_INET6, ...) with EACCES, allow every other call.
_AUDIT_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # (arch, __NR_socket)


def deny_network() -> bool:
    """Make this process unable to open an IP socket, for good (seccomp filter; children
    inherit it and it cannot be removed). The query engine then cannot reach any host,
    whatever a query says (``SERVICE``): federation is impossible in the engine itself,
    not only refused by the endpoint's check. False where seccomp is not available."""
    import ctypes
    import errno
    import platform
    import socket
    import struct

    arch = _AUDIT_ARCH.get(platform.machine())
    if arch is None or not sys.platform.startswith("linux"):
        return False
    audit_arch, nr_socket = arch
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, refuse = 0x7FFF0000, 0x00050000 | errno.EACCES  # SECCOMP_RET_ALLOW, _ERRNO

    def op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    program = b"".join(
        [
            op(ld, 4),  # seccomp_data.arch
            op(jeq, audit_arch, 1, 0),
            op(ret, refuse),  # another ABI (e.g. x32): refuse everything
            op(ld, 0),  # seccomp_data.nr
            op(jeq, nr_socket, 0, 3),
            op(ld, 16),  # seccomp_data.args[0]: the domain
            op(jeq, socket.AF_INET, 2, 0),
            op(jeq, socket.AF_INET6, 1, 0),
            op(ret, allow),
            op(ret, refuse),
        ]
    )

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program)
    fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0) == 0


def cap_memory(extra_mb: int) -> int | None:
    """Limit this process's address space to what it uses now plus ``extra_mb`` MB
    (RLIMIT_AS), so one query cannot take the machine's memory: past the cap an
    allocation fails and the query is answered 503. Returns the cap in bytes."""
    import resource

    if extra_mb <= 0:
        return None
    try:
        status = Path("/proc/self/status").read_text()
        used = next(
            int(line.split()[1]) * 1024
            for line in status.splitlines()
            if line.startswith("VmSize:")
        )
    except (OSError, StopIteration, ValueError):
        return None
    cap = used + extra_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    return cap


def worker_main(path: str, max_memory_mb: int = 0) -> int:
    """``python -m graph.backends worker FILE [MAX_MEMORY_MB]``: answer queries on stdin,
    one JSON line each, with no network access and at most MAX_MEMORY_MB of memory on
    top of the loaded graph.

    Reply: a JSON header line (``ok``, ``mimetype``, ``truncated``, ``rows``, ``length``
    or ``kind``/``message``) followed by ``length`` bytes of body.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sandboxed = deny_network()
    store = ox.Store()
    if path != "-":  # "-": no data, a worker that only checks queries
        store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
        store.update(UNION_INTO_DEFAULT)
    cap = cap_memory(max_memory_mb)
    out = sys.stdout.buffer
    out.write(
        json.dumps({"ready": True, "sandboxed": sandboxed, "memory_cap": cap}).encode() + b"\n"
    )
    out.flush()
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        request = json.loads(line)
        head: dict[str, Any]  # the answer's first line
        try:
            if request.get("check_only"):
                info = check_query(normalize(request["query"]))
                head, body = (
                    {"ok": True, "parsed": info.parsed, "has_dataset": info.has_dataset},
                    b"",
                )
                head["length"] = 0
                out.write(json.dumps(head).encode() + b"\n")
                out.flush()
                continue
            answer = evaluate(store, request)
        except QueryError as exc:
            head = {"ok": False, "kind": exc.kind, "message": exc.message}
            body = b""
        else:
            head = {
                "ok": True,
                "mimetype": answer.mimetype,
                "truncated": answer.truncated,
                "rows": answer.rows,
            }
            body = answer.body
        head["length"] = len(body)
        out.write(json.dumps(head).encode() + b"\n" + body)
        out.flush()
    return 0


_LIVE_WORKERS: set[subprocess.Popen] = set()


@atexit.register
def _kill_workers() -> None:
    for process in list(_LIVE_WORKERS):
        _kill(process)


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass
    for stream in (process.stdin, process.stdout):
        try:
            if stream:
                stream.close()
        except OSError:
            pass
    _LIVE_WORKERS.discard(process)


def timeout_message(timeout: float) -> str:
    return (
        f"the query ran longer than {timeout:g} s and was stopped; narrow its patterns "
        "or add a LIMIT (the server's limit is set by KG_SPARQL_TIMEOUT)"
    )


def memory_message(max_memory_mb: int) -> str:
    return (
        f"the query needed more than {max_memory_mb} MB of working memory and was "
        "stopped; narrow its patterns or add a LIMIT (the server's limit is set by "
        "KG_SPARQL_MAX_MEMORY)"
    )


class EmbeddedEngine:
    """Queries on a build's ``graph.nq`` through one worker process, one query at a time.

    The worker is started on first use and killed when a query passes its deadline; the
    next query starts a fresh one. With ``path`` ``-`` the worker holds no data and is
    only asked to :meth:`check` queries (for :class:`RemoteEngine`).
    """

    def __init__(self, path: Path, timeout: float, max_rows: int, max_memory_mb: int = 0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_memory_mb = max_memory_mb
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None
        self.sandboxed: bool | None = None  # the worker could not open IP sockets

    def _start(self) -> subprocess.Popen:
        if str(self.path) != "-" and not self.path.exists():
            raise QueryError("unavailable", "the build's graph file is missing")
        started = time.monotonic()
        command = [
            sys.executable,
            "-m",
            "graph.backends",
            "worker",
            str(self.path),
            str(self.max_memory_mb),
        ]
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(
            os.environ,
            RUST_BACKTRACE="0",
            PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p),
        )
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
            cwd=root,
        )
        _LIVE_WORKERS.add(process)
        try:
            head, _ = self._read_reply(process, started + max(30.0, self.timeout))
        except QueryError:
            _kill(process)
            raise QueryError("unavailable", "the SPARQL worker did not start") from None
        if not head.get("ready"):
            _kill(process)
            raise QueryError("unavailable", "the SPARQL worker did not start")
        self.load_seconds = time.monotonic() - started
        self.sandboxed = bool(head.get("sandboxed"))
        return process

    @staticmethod
    def _read_reply(process: subprocess.Popen, deadline: float) -> tuple[dict, bytes]:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        buffer = b""
        head: dict | None = None
        need = -1
        while True:
            if head is None and b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                head = json.loads(line)
                need = int(head.get("length", 0))
            if head is not None and len(buffer) >= need:
                return head, buffer[:need]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryError("timeout", "deadline passed")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise QueryError("unavailable", "the SPARQL worker exited")
            buffer += chunk

    @property
    def pid(self) -> int | None:
        """The worker process's id (None before the first query)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def query(
        self,
        text: str,
        formats: dict[str, str | None],
        *,
        max_rows: int | None = None,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        union: bool = True,
        base_iri: str | None = None,
    ) -> Answer:
        """Check (:func:`graph.query_check.check_query`) and run ``text`` in the worker."""
        head, body = self._exchange(
            {
                "query": text,
                "formats": formats,
                "max_rows": max_rows or self.max_rows,
                "union": union,
                "default_graphs": default_graphs or [],
                "named_graphs": named_graphs or [],
                "base_iri": base_iri,
            },
            timeout or self.timeout,
        )
        return Answer(body, head["mimetype"], bool(head.get("truncated")), int(head["rows"]))

    def check(self, text: str, timeout: float | None = None) -> QueryInfo:
        """Only check ``text`` (in the worker, under the deadline: parsing can be slow)."""
        head, _ = self._exchange({"query": text, "check_only": True}, timeout or self.timeout)
        return QueryInfo(parsed=bool(head.get("parsed")), has_dataset=bool(head.get("has_dataset")))

    def _exchange(self, request: dict[str, Any], timeout: float) -> tuple[dict, bytes]:
        """One request to the worker and its reply, within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        if not self._lock.acquire(timeout=timeout):
            raise QueryError("timeout", f"the server was busy with other queries for {timeout:g} s")
        try:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
                deadline = time.monotonic() + timeout
            process = self._process
            try:
                assert process.stdin is not None
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
                head, body = self._read_reply(process, deadline)
            except (QueryError, OSError, ValueError) as exc:
                _kill(process)
                self._process = None
                if isinstance(exc, QueryError) and exc.kind == "timeout":
                    raise QueryError("timeout", timeout_message(timeout)) from None
                if process.returncode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
                    # Rust aborts when an allocation fails under RLIMIT_AS.
                    raise QueryError("memory", memory_message(self.max_memory_mb)) from None
                raise QueryError("unavailable", "the SPARQL worker failed; try again") from None
        finally:
            self._lock.release()
        if not head.get("ok"):
            if head.get("kind") == "memory":
                raise QueryError("memory", memory_message(self.max_memory_mb))
            raise QueryError(head.get("kind", "error"), head.get("message", "query failed"))
        return head, body

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                _kill(self._process)
                self._process = None


# --------------------------------------------------------------------------- the external store


def endpoint_urls(url: str) -> tuple[str, str]:
    """(query URL, update URL) of an endpoint. ``http://host:7878`` (Oxigraph server) →
    ``/query`` and ``/update``; a URL ending in ``/query`` or ``/sparql`` keeps it for
    queries and uses ``…/update`` for updates; anything else is used for both."""
    url = url.rstrip("/")
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"KG_GRAPH_URL must be an http(s) URL, not {url!r}")
    if parsed.path in ("", "/"):
        return url + "/query", url + "/update"
    for suffix in ("/query", "/sparql"):
        if url.endswith(suffix):
            return url, url[: -len(suffix)] + "/update"
    return url, url


def union_graph_uri(base_uri: str) -> str:
    """The graph an external store keeps the union of our graphs in."""
    return f"{base_uri}union"


def endpoint_request(
    url: str, body: bytes, content_type: str, accept: str, timeout: float | None
) -> Any:
    """One POST to the endpoint (a query or an update), as an open response: the one
    HTTP client the external store is spoken to with (urllib: a timeout per request,
    errors raised, the body readable under a deadline, which a proxied query needs).
    Not rdflib's ``SPARQLUpdateStore``: rdflib 7.6's connector passes no timeout to its
    requests and returns a query's HTTP error as a tuple instead of raising it."""
    request = urllib.request.Request(
        url, data=body, headers={"Accept": accept, "Content-Type": content_type}
    )
    return urllib.request.urlopen(request, timeout=timeout)


class SparqlBackend:
    """A SPARQL 1.1 endpoint holding the dataset: one named graph per note + the scheme."""

    kind = EXTERNAL

    def __init__(self, url: str, timeout: float = 60.0, batch_chars: int = 1_000_000) -> None:
        self.url = url
        self.query_url, self.update_url = endpoint_urls(url)
        self.timeout = timeout
        self.batch_chars = batch_chars

    # -- writing
    def graph_names(self, base_uri: str) -> set[str]:
        """Named graphs on the endpoint that are ours (their IRI starts with ``base_uri``),
        not counting the union graph."""
        text = (
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {json.dumps(base_uri)})) }}"
        )
        union = union_graph_uri(base_uri)
        return {row[0].value for row in self._select(text)} - {union}

    def write(self, ds: Any, base_uri: str, build: Path | None = None) -> dict[str, Any]:
        """Replace every named graph of ``ds`` on the endpoint and drop our graphs that
        ``ds`` no longer has. Returns the manifest's ``graph_store`` record.

        Each graph is ``DROP SILENT GRAPH`` + ``INSERT DATA`` of its triples as rdflib
        writes them in N-Triples (a subset of SPARQL's triple syntax), several graphs
        per update request."""
        from rdflib import Graph

        wanted: list[str] = []
        batch: list[str] = []
        size = 0
        for graph in ds.graphs():
            if not isinstance(graph, Graph) or len(graph) == 0:
                continue
            name = str(graph.identifier)
            if not name.startswith(("http://", "https://", "urn:")):
                continue  # the default graph: we never write triples there
            wanted.append(name)
            triples = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
            op = f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{triples}}} }}"
            batch.append(op)
            size += len(op)
            if size >= self.batch_chars:
                self._update(batch)
                batch, size = [], 0
        if batch:
            self._update(batch)
        stale = sorted(self.graph_names(base_uri) - set(wanted))
        for start in range(0, len(stale), 200):
            self._update([f"DROP SILENT GRAPH <{g}>" for g in stale[start : start + 200]])
        # The default graph that queries see: the union of our graphs as a set, kept as a
        # graph of its own (a list of default-graph-uri would repeat shared triples).
        union = union_graph_uri(base_uri)
        values = " ".join(f"<{g}>" for g in wanted)
        self._update(
            [
                f"DROP SILENT GRAPH <{union}>",
                f"INSERT {{ GRAPH <{union}> {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }} "
                "GRAPH ?g { ?s ?p ?o } }",
            ]
        )
        return {"kind": EXTERNAL, "url": self.url, "graphs": sorted(wanted), "union": union}

    def _update(self, operations: list[str]) -> None:
        # No deadline: an update may take the store minutes (the union graph of a big
        # corpus), and ingest waits for it as long as it works.
        try:
            with endpoint_request(
                self.update_url,
                " ;\n".join(operations).encode("utf-8"),
                "application/sparql-update; charset=utf-8",
                "*/*",
                None,
            ) as response:
                response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise QueryError(
                "unavailable", f"the graph store at {self.update_url} refused the update: {exc}"
            ) from None

    # -- reading
    def read_dataset(self, base_uri: str) -> Any:
        """Our named graphs read back from the endpoint as an in-memory rdflib Dataset."""
        from .rdf import OxigraphToRdflib, new_dataset

        ds = new_dataset()
        text = (
            "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {json.dumps(base_uri)}) "
            f"&& ?g != <{union_graph_uri(base_uri)}>) }}"
        )
        solutions = self._select(text)
        graphs: dict[str, Any] = {}
        conv = OxigraphToRdflib()
        quads = []
        for s, p, o, g in solutions:
            graph = graphs.get(g.value)
            if graph is None:
                # cast: the converter returns any Node; a graph name is an IRI or a blank node
                graph = graphs[g.value] = ds.graph(cast("IdentifiedNode", conv(g)))
            quads.append((conv(s), conv(p), conv(o), graph))
        ds.store.addN(quads)
        return ds

    def _select(self, text: str) -> Iterator[list[Any]]:
        """The rows of a SELECT, as pyoxigraph terms (its results parser reads them)."""
        try:
            with endpoint_request(
                self.query_url,
                urllib.parse.urlencode({"query": text}).encode(),
                "application/x-www-form-urlencoded",
                "application/sparql-results+json",
                self.timeout,
            ) as response:
                body = response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise QueryError(
                "unavailable", f"the graph store at {self.query_url} did not answer: {exc}"
            ) from None
        results = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        assert isinstance(results, ox.QuerySolutions)  # a SELECT is answered with solutions
        width = len(results.variables)
        for solution in results:
            yield [solution[i] for i in range(width)]


class RemoteEngine:
    """Queries proxied to an external endpoint, answered like :class:`EmbeddedEngine`."""

    ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/plain;q=0.1"

    def __init__(
        self, url: str, graphs: list[str], union: str | None, timeout: float, max_rows: int
    ) -> None:
        self.query_url, _ = endpoint_urls(url)
        self.graphs = list(graphs)
        self.union = union
        self.timeout = timeout
        self.max_rows = max_rows
        self.checker = EmbeddedEngine(Path("-"), timeout, 0)  # checks run out of process

    def query(
        self,
        text: str,
        formats: dict[str, str | None],
        *,
        max_rows: int | None = None,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        union: bool = True,
        base_iri: str | None = None,
    ) -> Answer:
        text = normalize(text)  # the store runs the text checked, nothing else
        info = self.checker.check(text, timeout)
        if base_iri:  # a BASE of the query's own, after this one, still wins
            text = f"BASE <{base_iri}>\n{text}"
        fields: list[tuple[str, str]] = [("query", text)]
        if default_graphs or named_graphs:
            fields += [("default-graph-uri", g) for g in default_graphs or []]
            fields += [("named-graph-uri", g) for g in named_graphs or []]
        elif union and not info.has_dataset:  # the union of our graphs, as embedded
            fields += [("default-graph-uri", self.union or g) for g in self.graphs[:1]]
            fields += [("named-graph-uri", g) for g in self.graphs]
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout
        # What the graph store says is never passed on: its error bodies, addresses and
        # socket errors are its own business (and would turn this endpoint into a probe).
        try:
            with endpoint_request(
                self.query_url,
                urllib.parse.urlencode(fields).encode(),
                "application/x-www-form-urlencoded",
                self.ACCEPT,
                timeout,
            ) as response:
                ctype = response.headers.get_content_type()
                body = _read_until(response, deadline)
        except urllib.error.HTTPError as exc:
            message = exc.read(4000).decode("utf-8", "replace").strip()
            exc.close()
            if exc.code == 400:
                raise QueryError(
                    "syntax", "the graph store refused the query as malformed"
                ) from None
            if exc.code in (503, 504) and "timeout" in message.lower():
                raise QueryError("timeout", timeout_message(timeout)) from None
            raise QueryError("unavailable", f"the graph store answered HTTP {exc.code}") from None
        except TimeoutError:
            raise QueryError("timeout", timeout_message(timeout)) from None
        except (urllib.error.URLError, OSError) as exc:
            if "timed out" in str(exc):
                raise QueryError("timeout", timeout_message(timeout)) from None
            raise QueryError("unavailable", "the graph store is unreachable") from None
        limit = max_rows or self.max_rows
        try:
            if ctype == "application/sparql-results+json":
                result = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
                return render(result, formats, limit)
            triples = (q.triple for q in ox.parse(body, ox.RdfFormat.N_TRIPLES))
            return render(triples, formats, limit)
        except (SyntaxError, ValueError):
            raise QueryError("unavailable", "unreadable answer from the graph store") from None

    def close(self) -> None:
        self.checker.close()


def _read_until(response: Any, deadline: float) -> bytes:
    chunks: list[bytes] = []
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("deadline passed")
        chunk = response.read(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


# --------------------------------------------------------------------------- choosing


@dataclass
class EmbeddedBackend:
    """The default: the dataset is ``graph.nq`` in the build folder, written by
    :func:`graph.rdf.write_corpus_nquads`."""

    kind: str = EMBEDDED

    def record(self) -> dict[str, Any]:
        """What the build's manifest says of where its graph is."""
        return {"kind": EMBEDDED}


def backend_for(graph_url: str | None) -> EmbeddedBackend | SparqlBackend:
    """The graph store configured by ``graph_url`` (KG_GRAPH_URL); empty → embedded."""
    return SparqlBackend(graph_url) if graph_url else EmbeddedBackend()


def store_url(manifest: dict[str, Any]) -> str | None:
    """The endpoint a build lives in (KG_GRAPH_URL wins over the URL ingest recorded,
    so replicas can reach the same store under another name); None when embedded."""
    record = manifest.get("graph_store") or {}
    if record.get("kind") != EXTERNAL:
        return None
    return os.environ.get("KG_GRAPH_URL") or record.get("url")


def load_build_dataset(build: Path, manifest: dict[str, Any]) -> Any:
    """A build's RDF dataset, from its ``graph.nq`` or read back from its endpoint."""
    url = store_url(manifest)
    if url is None:
        from .rdf import load_dataset

        return load_dataset(build / "graph.nq")
    return SparqlBackend(url).read_dataset(manifest.get("base_uri", ""))


def engine_for(
    build: Path, manifest: dict[str, Any], *, timeout: float, max_rows: int, max_memory_mb: int = 0
) -> EmbeddedEngine | RemoteEngine:
    url = store_url(manifest)
    if url is None:
        return EmbeddedEngine(build / "graph.nq", timeout, max_rows, max_memory_mb)
    record = manifest.get("graph_store") or {}
    return RemoteEngine(url, record.get("graphs") or [], record.get("union"), timeout, max_rows)


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "worker":
        sys.exit(worker_main(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 0))
    print("usage: python -m graph.backends worker GRAPH.nq [MAX_MEMORY_MB]", file=sys.stderr)
    sys.exit(2)
