"""Concept URIs dereference: ``GET /concept/<id>``; our vocabulary is ``GET /vocab``.

A concept's IRI is ``{base}concept/{id}``; when ``base`` is this server, fetching it
answers with its description, negotiated by ``Accept`` (``Vary: Accept``):

* ``text/turtle`` (the default for ``*/*`` or no Accept), ``application/ld+json``,
  ``application/n-triples`` (or ``application/rdf+xml``): every triple that has the concept
  as subject, from every graph (its type, labels, definition, scheme, relations and
  where it is defined or mentioned). ``?format=turtle|json-ld|ntriples|xml`` (or
  ``rdfxml``) overrides.
* ``text/html``: ``303 See Other`` to ``/explore/<id>``, the page for people.

An unknown id is a 404 JSON error (with suggestions when a label is close).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, redirect, request
from werkzeug.wrappers import Response as BaseResponse  # what redirect() returns

from graph.formats import RDF_FORMATS
from graph.rdf import concept_uri, serialize
from graph.vocab import vocabulary_graph
from service.errors import NotFound

from .context import get_settings, get_store
from .errors import NotAcceptable
from .sparql import GRAPH_FORMATS, negotiate, run

blueprint = Blueprint("linked_data", __name__)


def describe_query(uri: str) -> str:
    """All triples with ``uri`` as subject (``uri`` is escaped by :func:`concept_uri`)."""
    return f"CONSTRUCT {{ <{uri}> ?p ?o }} WHERE {{ <{uri}> ?p ?o }}"


@blueprint.after_request
def _vary(response: Response) -> Response:
    """Every answer here, the 404 and 406 included, depends on ``Accept``."""
    response.vary.add("Accept")
    return response


def _wants_html() -> bool:
    """True when the client prefers HTML to every RDF format (a browser); ties go to RDF."""
    if request.args.get("format") or not request.headers.get("Accept", "").strip():
        return False
    rdf_types = [m for name in GRAPH_FORMATS for m in RDF_FORMATS[name].media_types]
    best = request.accept_mimetypes.best_match([*rdf_types, "text/html", "application/xhtml+xml"])
    return best in ("text/html", "application/xhtml+xml")


@blueprint.get("/concept/<path:concept_id>")
def concept(concept_id: str) -> BaseResponse:
    store = get_store()
    if concept_id not in store.graph:
        hints = store.graph.did_you_mean(concept_id)
        hint = f"; did you mean {', '.join(h['label'] for h in hints)}?" if hints else ""
        raise NotFound(
            f"no concept with id {concept_id[:80]!r}{hint}",
            code="unknown_concept",
            suggestions=hints,
        )
    if _wants_html():
        response = redirect(f"/explore/{quote(concept_id, safe='')}", code=303)
        response.headers["Vary"] = "Accept"
        return response
    try:
        fmt = negotiate("graph")
    except NotAcceptable:
        raise NotAcceptable(
            "a concept is described as text/turtle, application/ld+json, "
            "application/n-triples or application/rdf+xml, or shown as "
            "text/html"
        ) from None
    base = store.manifest.get("base_uri") or store.graph.base_uri
    uri = concept_uri(base, concept_id)
    answer = run(store, get_settings(), describe_query(str(uri)), {"results": None, "graph": fmt})
    charset = "" if fmt == "json-ld" else "; charset=utf-8"
    response = Response(answer.body, content_type=answer.mimetype + charset)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = (
        f'</explore/{quote(concept_id, safe="")}>; rel="alternate"; type="text/html"'
    )
    return response


@blueprint.get("/vocab")
def vocabulary() -> Response:
    """Our own terms (``kg:`` relations and provenance) described as RDF, labels and
    comments, negotiated by ``Accept`` as a concept is."""
    try:
        fmt = negotiate("graph")
    except NotAcceptable:
        raise NotAcceptable(
            "the vocabulary is described as text/turtle, application/ld+json, "
            "application/n-triples or application/rdf+xml"
        ) from None
    body, mimetype = serialize(vocabulary_graph(), fmt)
    charset = "" if fmt == "json-ld" else "; charset=utf-8"
    response = Response(body, content_type=mimetype + charset)
    response.headers["Vary"] = "Accept"
    return response
