"""``GET|POST /sparql``: a read-only SPARQL 1.1 Protocol endpoint over the current build.

* ``GET ?query=``, ``POST`` form-encoded ``query=``, ``POST`` with an
  ``application/sparql-query`` body; ``default-graph-uri`` / ``named-graph-uri`` may
  set the dataset. Without them (and without ``FROM`` in the query) the default graph
  is the **union of all named graphs** (one per note, plus the scheme graph). Relative
  IRIs resolve against the build's base URI. ``GET``/``HEAD`` without a query answer
  the endpoint's SPARQL 1.1 Service Description.
* SELECT/ASK answer as SPARQL results JSON (default), XML, CSV or TSV; CONSTRUCT/DESCRIBE
  as Turtle (default), JSON-LD, N-Triples or RDF/XML; chosen by ``Accept`` or a
  ``format=``/``output=`` parameter whose names mean a format per kind of answer
  (``xml`` is results XML for SELECT and RDF/XML for CONSTRUCT, as clients send it). The
  engine's own parse says which kind a query is. Nothing acceptable → 406. Every answer
  here, errors included, carries ``Vary: Accept``.
* Read-only: an ``update=`` parameter, an ``application/sparql-update`` body or an update
  in ``query`` → 403 ``read_only``. ``SERVICE`` → 403 ``service_not_allowed``, decided
  from a real parse (:mod:`graph.query_check`, run in the query worker under the
  deadline); the embedded engine cannot open a socket anyway
  (:func:`graph.backends.deny_network`).
* Limits: ``KG_SPARQL_TIMEOUT`` seconds → 503 ``query_timeout``; ``KG_SPARQL_MAX_MEMORY``
  MB → 503 ``query_memory``; at most ``KG_SPARQL_MAX_ROWS`` solutions/triples, a cut
  answer carrying ``X-KG-Truncated: true`` (the cap is always in ``X-SPARQL-MaxRows``);
  ``KG_SPARQL_CONCURRENCY`` queries per process, more → 503 ``sparql_busy`` with
  ``Retry-After``.
* Syntax errors → 400 ``malformed_query`` with the parser's message.

Evaluation is in :mod:`graph.backends` (pyoxigraph in a killable, network-less worker
process, or the external endpoint when the build lives in one).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pyoxigraph
from flask import Blueprint, Response, current_app, request

from graph import backends
from graph.backends import QueryError
from graph.formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format, results_format
from service.errors import BadRequest

from .context import EXTENSION, get_settings, get_store
from .errors import Forbidden, NotAcceptable, ServiceUnavailable, UnsupportedMediaType

blueprint = Blueprint("sparql", __name__)

MAX_QUERY_CHARS = 100_000
# The formats each kind of answer is offered in, the default first (names of
# graph.formats.RESULTS_FORMATS and RDF_FORMATS). A format= name means a format per kind:
# SPARQLWrapper sends format=xml (or n3, json …) whatever the query form.
RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "json-ld", "ntriples", "xml")
_TABLES: dict[str, Any] = {"results": RESULTS_FORMATS, "graph": RDF_FORMATS}
_LOOKUP = {"results": results_format, "graph": rdf_format}


# --------------------------------------------------------------------------- reading the query

SERVICE_REFUSED = (
    "SERVICE (federated queries) is not allowed here: this endpoint never contacts another server"
)
UPDATE_REFUSED = (
    "this endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, "
    "DROP, CREATE…) are refused"
)


def read_query() -> tuple[str | None, list[str], list[str]]:
    """(query, default-graph-uri list, named-graph-uri list) from a Protocol request;
    the query is None for a GET or HEAD without one (the service description)."""
    if "update" in request.args or "update" in (request.form if request.method == "POST" else {}):
        raise Forbidden("this endpoint is read-only: SPARQL updates are refused", code="read_only")
    args = request.args
    if request.method in ("GET", "HEAD"):
        values = args.getlist("query")
        source = args
        if not values:
            return None, [], []
    else:
        ctype = request.mimetype
        if ctype == "application/sparql-update":
            raise Forbidden(
                "this endpoint is read-only: SPARQL updates are refused", code="read_only"
            )
        if ctype == "application/sparql-query":
            if "query" in args:
                raise BadRequest(
                    "send the query either in the body or as 'query', not both",
                    code="invalid_parameter",
                )
            try:
                values = [request.get_data(cache=False).decode("utf-8")]
            except UnicodeDecodeError:
                raise BadRequest("the query is not UTF-8", code="invalid_parameter") from None
            source = args
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values = request.form.getlist("query") + args.getlist("query")
            source = request.form
        else:
            raise UnsupportedMediaType(
                f"POST the query as application/sparql-query or form-encoded 'query', "
                f"not {ctype or 'no content type'}"
            )
    if len(values) > 1:
        raise BadRequest("give exactly one 'query'", code="invalid_parameter")
    if not values or not values[0].strip():
        raise BadRequest(
            "'query' is required (a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE)",
            code="missing_parameter",
        )
    text = values[0]
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"the query is too long: {len(text)} characters (at most {MAX_QUERY_CHARS})",
            code="parameter_too_long",
        )
    default_graphs = source.getlist("default-graph-uri") + (
        args.getlist("default-graph-uri") if source is not args else []
    )
    named_graphs = source.getlist("named-graph-uri") + (
        args.getlist("named-graph-uri") if source is not args else []
    )
    for iri in default_graphs + named_graphs:
        if not re.fullmatch(r"[^<>\"{}|^`\\\x00-\x20]+", iri) or not _valid_iri(iri):
            raise BadRequest(f"not an IRI: {iri[:80]!r}", code="invalid_parameter")
    return text, default_graphs, named_graphs


def _valid_iri(iri: str) -> bool:
    """An absolute IRI (RFC 3987) as the query engine reads it: one it would refuse
    must be a 400 here, not a failed query worker (503)."""
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        return False
    return True


def negotiate(kind: str) -> str:
    """The format to answer a ``kind`` of answer (``results`` or ``graph``) with:
    ``format=`` (or ``output=``) if given, as a name, an alias or a media type; else the
    best ``Accept`` match among the formats offered for the kind (the default first, so
    ``*/*`` or no Accept gets it); 406 if none."""
    kinds = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
    table = _TABLES[kind]
    asked = request.values.get("format") or request.values.get("output")
    if asked:
        spec = _LOOKUP[kind](asked)
        if spec is None:
            media = asked.split(";")[0].strip().lower()
            spec = next((table[k] for k in kinds if media in table[k].media_types), None)
        if spec is not None and spec.name in kinds:
            return spec.name
        raise NotAcceptable(
            f"format {asked[:40]!r} cannot carry this answer; it comes in {', '.join(kinds)}"
        )
    accept = request.accept_mimetypes
    if not accept or not request.headers.get("Accept", "").strip():
        return kinds[0]
    offers = [media for name in kinds for media in table[name].media_types]
    best = accept.best_match(offers)
    if best is None:
        raise NotAcceptable(
            f"none of the accepted media types ({request.headers.get('Accept', '')[:200]}) "
            f"can carry this answer; offered: "
            f"{', '.join(table[k].media_type for k in kinds)}"
        )
    return next(name for name in kinds if best in table[name].media_types)


def negotiate_both() -> tuple[dict[str, str | None], dict[str, NotAcceptable]]:
    """The format for each kind of answer (the query's form is known once the engine has
    parsed it), and the 406 to give for a kind nothing acceptable can carry."""
    formats: dict[str, str | None] = {}
    refusals: dict[str, NotAcceptable] = {}
    for kind in ("results", "graph"):
        try:
            formats[kind] = negotiate(kind)
        except NotAcceptable as exc:
            formats[kind] = None
            refusals[kind] = exc
    return formats, refusals


# --------------------------------------------------------------------------- engines per build

_engines: dict[tuple[str, str | None, int], Any] = {}
_engines_lock = threading.Lock()
KEEP_ENGINES = 2


def engine(store: Any, settings: dict[str, Any]) -> Any:
    """The query engine of this store's build (one per build per process; older ones
    are closed when a newer build takes over)."""
    key = (
        str(store.build),
        backends.store_url(store.manifest),
        int(settings["sparql_max_memory"]),
    )  # fixed when its worker starts
    with _engines_lock:
        found = _engines.get(key)
        if found is None:
            found = _engines[key] = backends.engine_for(
                Path(store.build),
                store.manifest,
                timeout=float(settings["sparql_timeout"]),
                max_rows=int(settings["sparql_max_rows"]),
                max_memory_mb=int(settings["sparql_max_memory"]),
            )
            while len(_engines) > KEEP_ENGINES:
                oldest = next(iter(_engines))
                _engines.pop(oldest).close()
        return found


def base_iri(store: Any) -> str:
    """The base relative IRIs in queries resolve against: the build's concept base, so
    ``<concept/pod>`` names our Pod."""
    return store.manifest.get("base_uri") or store.graph.base_uri


def run(
    store: Any,
    settings: dict[str, Any],
    text: str,
    formats: dict[str, str | None],
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    union: bool = True,
    refusals: dict[str, NotAcceptable] | None = None,
) -> backends.Answer:
    """Evaluate ``text`` with the answer in ``formats`` (one per kind of answer, None for
    a kind not asked for, with ``refusals`` saying why a kind has none); QueryError
    becomes the API error for it."""
    try:
        return engine(store, settings).query(
            text,
            formats,
            timeout=float(settings["sparql_timeout"]),
            max_rows=int(settings["sparql_max_rows"]),
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            union=union,
            base_iri=base_iri(store),
        )
    except QueryError as exc:
        if exc.kind == "syntax":
            raise BadRequest(f"malformed query: {exc.message}", code="malformed_query") from None
        if exc.kind == "timeout":
            raise ServiceUnavailable(exc.message, code="query_timeout") from None
        if exc.kind == "memory":
            raise ServiceUnavailable(exc.message, code="query_memory") from None
        if exc.kind == "service":
            raise Forbidden(SERVICE_REFUSED, code="service_not_allowed") from None
        if exc.kind == "read_only":
            raise Forbidden(UPDATE_REFUSED, code="read_only") from None
        if exc.kind == "not_acceptable":
            refusal = (refusals or {}).get(exc.message)
            if refusal is not None:
                raise refusal from None
            raise NotAcceptable(
                f"this query's answer does not come in "
                f"{formats.get('graph') or formats.get('results')}"
            ) from None
        if exc.kind == "unavailable":
            raise ServiceUnavailable(exc.message, code="graph_store_unavailable") from None
        raise BadRequest(f"the query failed: {exc.message}", code="query_failed") from None


def _slots() -> threading.BoundedSemaphore:
    """This process's admissions to /sparql (``KG_SPARQL_CONCURRENCY``), kept on the app."""
    state = current_app.extensions[EXTENSION]
    with _engines_lock:
        slots = state.get("sparql_slots")
        if slots is None:
            slots = state["sparql_slots"] = threading.BoundedSemaphore(
                max(1, int(get_settings()["sparql_concurrency"]))
            )
        return slots


@blueprint.after_request
def _vary(response: Response) -> Response:
    """Every answer here, errors included, depends on ``Accept``."""
    response.vary.add("Accept")
    return response


@blueprint.route("/sparql", methods=["GET", "HEAD", "POST"])
def sparql() -> Response:
    text, default_graphs, named_graphs = read_query()
    if text is None:
        return service_description()
    formats, refusals = negotiate_both()
    settings = get_settings()
    slots = _slots()
    if not slots.acquire(blocking=False):
        raise ServiceUnavailable(
            f"the server is answering as many SPARQL queries as it takes at once "
            f"({settings['sparql_concurrency']} per process, KG_SPARQL_CONCURRENCY); "
            f"try again shortly",
            code="sparql_busy",
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    try:
        answer = run(
            get_store(),
            settings,
            text,
            formats,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            refusals=refusals,
        )
    finally:
        slots.release()
    response = Response(answer.body, content_type=_content_type(answer.mimetype))
    response.headers["X-SPARQL-MaxRows"] = str(settings["sparql_max_rows"])
    if answer.truncated:
        response.headers["X-KG-Truncated"] = "true"
    return response


RETRY_AFTER = 1  # seconds: most queries end well within one


def _content_type(mimetype: str) -> str:
    binary = mimetype in ("application/sparql-results+json", "application/ld+json")
    return mimetype if binary else f"{mimetype}; charset=utf-8"


# --------------------------------------------------------------------------- service description

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
SD_RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "JSON-LD",
    "N-Triples",
    "RDF_XML",
)


def service_description() -> Response:
    """``GET /sparql`` without a query: a SPARQL 1.1 Service Description of this endpoint
    (its languages, formats, the union default graph), in a negotiated RDF format."""
    fmt = negotiate("graph")
    service, dataset, graph = (
        pyoxigraph.BlankNode("service"),
        pyoxigraph.BlankNode("dataset"),
        pyoxigraph.BlankNode("default"),
    )
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(name: str) -> pyoxigraph.NamedNode:
        return pyoxigraph.NamedNode(SD + name)

    triples: list[
        tuple[
            pyoxigraph.BlankNode, pyoxigraph.NamedNode, pyoxigraph.NamedNode | pyoxigraph.BlankNode
        ]
    ] = [
        (service, rdf_type, sd("Service")),
        (service, sd("endpoint"), pyoxigraph.NamedNode(request.base_url)),
        (service, sd("supportedLanguage"), sd("SPARQL11Query")),
        (service, sd("feature"), sd("UnionDefaultGraph")),
        (
            service,
            sd("defaultEntailmentRegime"),
            pyoxigraph.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        *(
            (service, sd("resultFormat"), pyoxigraph.NamedNode(FORMATS_NS + name))
            for name in SD_RESULT_FORMATS
        ),
        (service, sd("defaultDataset"), dataset),
        (dataset, rdf_type, sd("Dataset")),
        (dataset, sd("defaultGraph"), graph),
        (graph, rdf_type, sd("Graph")),
    ]
    body = backends.render_triples([pyoxigraph.Triple(*t) for t in triples], fmt)
    return Response(body, content_type=_content_type(RDF_FORMATS[fmt].media_type))
