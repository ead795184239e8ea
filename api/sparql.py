"""``GET|POST /sparql``: a read-only SPARQL 1.1 Protocol endpoint over the current build.

* ``GET ?query=``, ``POST`` form-encoded ``query=``, ``POST`` with an
  ``application/sparql-query`` body; ``default-graph-uri`` / ``named-graph-uri`` may
  set the dataset. Without them (and without ``FROM`` in the query) the default graph
  is the **union of all named graphs** (one per note, plus the scheme graph).
* SELECT/ASK answer as SPARQL results JSON (default), XML, CSV or TSV; CONSTRUCT/DESCRIBE
  as Turtle (default), JSON-LD, N-Triples or RDF/XML; chosen by ``Accept`` (or a
  ``format=`` parameter: json, xml, csv, tsv, turtle, json-ld, ntriples, rdfxml). Nothing
  acceptable → 406.
* Read-only: an ``update=`` parameter, an ``application/sparql-update`` body or an update
  operation in ``query`` → 403 ``read_only``. ``SERVICE`` (which would make the server
  fetch URLs) → 403 ``service_not_allowed``.
* Protection: a query running longer than ``KG_SPARQL_TIMEOUT`` seconds is stopped → 503
  ``query_timeout``; at most ``KG_SPARQL_MAX_ROWS`` solutions/triples are returned, and a
  cut answer carries ``X-KG-Truncated: true`` (the cap is always in ``X-SPARQL-MaxRows``).
* Syntax errors → 400 ``malformed_query`` with the parser's message.

Evaluation is in :mod:`graph.backends` (pyoxigraph in a killable worker process, or the
external endpoint when the build lives in one).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from flask import Blueprint, Response, request

from graph import backends
from graph.backends import QueryError

from .errors import ApiError, BadRequest

blueprint = Blueprint("sparql", __name__)

MAX_QUERY_CHARS = 100_000
RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "json-ld", "ntriples", "rdfxml")
# Media types a client may ask for, per format (the first is the one we answer with).
MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "json": ("application/sparql-results+json", "application/json"),
    "xml": ("application/sparql-results+xml", "application/xml", "text/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
    "turtle": ("text/turtle", "application/x-turtle"),
    "json-ld": ("application/ld+json",),
    "ntriples": ("application/n-triples", "text/plain"),
    "rdfxml": ("application/rdf+xml",),
}
FORMAT_ALIASES = {"nt": "ntriples", "n-triples": "ntriples", "jsonld": "json-ld",
                  "ttl": "turtle", "rdf": "rdfxml", "rdf+xml": "rdfxml"}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                   "WITH", "USING"}
QUERY_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotAcceptable(ApiError):
    status = 406
    code = "not_acceptable"


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"


class QueryTimeout(ApiError):
    status = 503
    code = "query_timeout"


class Unavailable(ApiError):
    status = 503
    code = "graph_store_unavailable"


# --------------------------------------------------------------------------- reading the query

_TOKENS = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                   |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$][\w\u00b7-\U000effff]+)
      | (?P<name>[A-Za-z_\u00c0-\U000effff][\w\-.\u00b7-\U000effff]*(?::[\w\-.%:\u00b7-\U000effff]*)?
                 |:[\w\-.%:\u00b7-\U000effff]*)
      | (?P<other>\S)""",
    re.X | re.S,
)


@dataclass(frozen=True)
class QueryInfo:
    form: str | None  # select, ask, graph, update or None (unknown: the parser will say)
    keywords: frozenset[str]

    @property
    def has_dataset(self) -> bool:
        return "FROM" in self.keywords

    @property
    def is_update(self) -> bool:
        return self.form == "update" or bool(self.keywords & UPDATE_KEYWORDS)

    @property
    def uses_service(self) -> bool:
        return "SERVICE" in self.keywords


def inspect_query(text: str) -> QueryInfo:
    """The bare keywords of a query (not inside strings, IRIs, comments, prefixed names
    or variables) and its form, read without a full parse."""
    keywords: list[str] = []
    for match in _TOKENS.finditer(text):
        word = match.group("name")
        if word and ":" not in word:
            keywords.append(word.upper())
    form = None
    for word in keywords:
        if word in QUERY_FORMS:
            form = QUERY_FORMS[word]
            break
        if word in UPDATE_KEYWORDS:
            form = "update"
            break
        if word not in ("BASE", "PREFIX"):
            break
    return QueryInfo(form, frozenset(keywords))


def read_query() -> tuple[str, list[str], list[str]]:
    """(query, default-graph-uri list, named-graph-uri list) from a Protocol request."""
    if "update" in request.args or "update" in (request.form if request.method == "POST"
                                                  else {}):
        raise Forbidden("this endpoint is read-only: SPARQL updates are refused",
                        code="read_only")
    args = request.args
    if request.method == "GET":
        values = args.getlist("query")
        source = args
    else:
        ctype = request.mimetype
        if ctype == "application/sparql-update":
            raise Forbidden("this endpoint is read-only: SPARQL updates are refused",
                            code="read_only")
        if ctype == "application/sparql-query":
            if "query" in args:
                raise BadRequest("send the query either in the body or as 'query', not both",
                                 code="invalid_parameter")
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
                f"not {ctype or 'no content type'}")
    if len(values) > 1:
        raise BadRequest("give exactly one 'query'", code="invalid_parameter")
    if not values or not values[0].strip():
        raise BadRequest("'query' is required (a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE)",
                         code="missing_parameter")
    text = values[0]
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"the query is too long: {len(text)} characters (at most "
                         f"{MAX_QUERY_CHARS})", code="parameter_too_long")
    default_graphs = source.getlist("default-graph-uri") + (
        args.getlist("default-graph-uri") if source is not args else [])
    named_graphs = source.getlist("named-graph-uri") + (
        args.getlist("named-graph-uri") if source is not args else [])
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


def negotiate(kinds: tuple[str, ...], default: str) -> str:
    """The format to answer with: ``format=`` if given, else the best ``Accept`` match
    among ``kinds`` (the default first, so ``*/*`` or no Accept gets it); 406 if none."""
    asked = request.args.get("format") or request.args.get("output")
    if asked:
        name = FORMAT_ALIASES.get(asked.lower(), asked.lower())
        if name in kinds:
            return name
        raise NotAcceptable(f"format {asked[:40]!r} cannot carry this answer; it comes in "
                            f"{', '.join(kinds)}")
    accept = request.accept_mimetypes
    if not accept or not request.headers.get("Accept", "").strip():
        return default
    ordered = [default] + [k for k in kinds if k != default]
    offers = [media for name in ordered for media in MEDIA_TYPES[name]]
    best = accept.best_match(offers)
    if best is None:
        raise NotAcceptable(
            f"none of the accepted media types ({request.headers.get('Accept', '')[:200]}) "
            f"can carry this answer; offered: {', '.join(MEDIA_TYPES[k][0] for k in kinds)}")
    return next(name for name in ordered if best in MEDIA_TYPES[name])


# --------------------------------------------------------------------------- engines per build

_engines: dict[tuple[str, str | None], Any] = {}
_engines_lock = threading.Lock()
KEEP_ENGINES = 2


def engine(store: Any, settings: dict[str, Any]) -> Any:
    """The query engine of this store's build (one per build per process; older ones
    are closed when a newer build takes over)."""
    key = (str(store.build), backends.store_url(store.manifest))
    with _engines_lock:
        found = _engines.get(key)
        if found is None:
            found = _engines[key] = backends.engine_for(
                Path(store.build), store.manifest, timeout=float(settings["sparql_timeout"]),
                max_rows=int(settings["sparql_max_rows"]))
            while len(_engines) > KEEP_ENGINES:
                oldest = next(iter(_engines))
                _engines.pop(oldest).close()
        return found


def run(store: Any, settings: dict[str, Any], text: str, fmt: str, *,
        default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
        union: bool = True) -> backends.Answer:
    """Evaluate ``text``; QueryError becomes the API error for it."""
    try:
        return engine(store, settings).query(text, fmt,
                                             timeout=float(settings["sparql_timeout"]),
                                             max_rows=int(settings["sparql_max_rows"]),
                                             default_graphs=default_graphs,
                                             named_graphs=named_graphs, union=union)
    except QueryError as exc:
        if exc.kind == "syntax":
            raise BadRequest(f"malformed query: {exc.message}", code="malformed_query") \
                from None
        if exc.kind == "timeout":
            raise QueryTimeout(exc.message) from None
        if exc.kind == "not_acceptable":
            raise NotAcceptable(exc.message) from None
        if exc.kind == "unavailable":
            raise Unavailable(exc.message) from None
        raise BadRequest(f"the query failed: {exc.message}", code="query_failed") from None


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    from .app import get_settings, get_store

    text, default_graphs, named_graphs = read_query()
    info = inspect_query(text)
    if info.is_update:
        raise Forbidden("this endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, "
                        "CLEAR, DROP, CREATE…) are refused", code="read_only")
    if info.uses_service:
        raise Forbidden("SERVICE (federated queries) is not allowed here",
                        code="service_not_allowed")
    if info.form in ("select", "ask"):
        fmt = negotiate(RESULT_FORMATS, "json")
    elif info.form == "graph":
        fmt = negotiate(GRAPH_FORMATS, "turtle")
    else:
        fmt = "json"  # not a query form we recognise: the parser will explain
    settings = get_settings()
    answer = run(get_store(), settings, text, fmt, default_graphs=default_graphs,
                 named_graphs=named_graphs, union=not info.has_dataset)
    response = Response(answer.body, content_type=_content_type(answer.mimetype))
    response.headers["Vary"] = "Accept"
    response.headers["X-SPARQL-MaxRows"] = str(settings["sparql_max_rows"])
    if answer.truncated:
        response.headers["X-KG-Truncated"] = "true"
    return response


def _content_type(mimetype: str) -> str:
    binary = mimetype in ("application/sparql-results+json", "application/ld+json")
    return mimetype if binary else f"{mimetype}; charset=utf-8"
