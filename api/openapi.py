"""``GET /openapi.json``: the OpenAPI 3.1 document of every endpoint, built here in Python.

Schemas are JSON Schema 2020-12 (as OpenAPI 3.1 uses) and state the fields each answer
always has; tests validate real responses, errors included, against them, and check that
every route of the app is documented.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from graph.formats import RDF_FORMATS, RESULTS_FORMATS
from ingest.confidence import DEFAULT_MIN_CONFIDENCE

from .sparql import GRAPH_FORMATS, RESULT_FORMATS

blueprint = Blueprint("openapi", __name__)

REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
CONFIDENCE = {"type": "number", "minimum": 0, "maximum": 1}
NSTR = {"type": ["string", "null"]}
NINT = {"type": ["integer", "null"]}


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


# what an edge the author wrote as a link carries (``ingest/links.py``): never a co-mention
STATED: dict[str, Any] = {
    "explicit": {"type": "boolean", "description": "written by the author as a link"},
    "labels": {**array(STR), "description": "the field names it was written with"},
}

SCHEMAS: dict[str, Any] = {
    "Error": obj(
        {"error": obj({"code": STR, "message": STR}, {"suggestions": array(ref("ConceptRef"))})}
    ),
    "ConceptRef": obj({"id": STR, "label": STR}),
    "Evidence": obj({"text": STR, "path": STR, "line": INT}),
    "Health": obj(
        {
            "status": {"const": "ok"},
            "build": STR,
            "built": NSTR,
            "counts": {"type": "object", "additionalProperties": INT},
        }
    ),
    "SearchResult": obj(
        {
            "kind": {"enum": ["section", "concept"]},
            "id": STR,
            "title": STR,
            "breadcrumb": array(STR),
            "snippet": {"type": "string", "description": "HTML: text escaped, matches in <mark>"},
            "score": NUM,
            "url": NSTR,
            "source": {
                "oneOf": [{"type": "null"}, obj({"path": STR, "line": NINT, "anchor": NSTR})]
            },
            "concepts": array(STR),
        }
    ),
    "SearchResponse": obj(
        {
            "query": STR,
            "total": INT,
            "limit": INT,
            "offset": INT,
            "results": array(ref("SearchResult")),
            "facets": {
                "type": "object",
                "additionalProperties": {"type": "object", "additionalProperties": INT},
            },
        },
        {"didYouMean": STR},
    ),
    "SuggestResponse": obj(
        {"query": STR, "suggestions": array(obj({"id": STR, "label": STR}, {"matched": STR}))}
    ),
    "ConceptList": obj(
        {"total": INT, "limit": INT, "offset": INT, "concepts": array(ref("ConceptRef"))}
    ),
    "Link": obj(
        {"id": STR, "label": STR},
        {"relation": STR, "direction": STR, "weight": NUM, "confidence": CONFIDENCE, **STATED},
    ),
    "Concept": obj(
        {
            "id": STR,
            "uri": {"type": "string", "format": "iri"},
            "label": STR,
            "altLabels": array(STR),
            "translations": {"type": "object", "additionalProperties": STR},
            "definition": {"oneOf": [{"type": "null"}, ref("Evidence")]},
            "broader": array(ref("Link")),
            "narrower": array(ref("Link")),
            "related": array(ref("Link")),
            "sources": array(obj({"path": STR}, {"anchor": NSTR, "line": NINT, "title": NSTR})),
        }
    ),
    "RelatedResponse": obj(
        {
            "concept": ref("ConceptRef"),
            "depth": INT,
            "related": array(
                obj(
                    {
                        "id": STR,
                        "label": STR,
                        "relation": STR,
                        "direction": {"enum": ["out", "in"]},
                        "distance": INT,
                        "score": NUM,
                        "confidence": CONFIDENCE,
                    },
                    {
                        "weight": NUM,
                        "evidenceCount": INT,
                        "evidence": array(ref("Evidence")),
                        **STATED,
                    },
                )
            ),
        }
    ),
    "PathEdge": obj(
        {
            "from": STR,
            "to": STR,
            "relation": STR,
            "direction": {"enum": ["out", "in"]},
            "confidence": CONFIDENCE,
            "coMention": {"type": "boolean"},
        },
        {"source": STR, "target": STR, "weight": NUM, "evidence": array(ref("Evidence")), **STATED},
    ),
    "PathResponse": obj(
        {
            "found": {"type": "boolean"},
            "from": STR,
            "to": STR,
            "nodes": array(ref("ConceptRef")),
            "edges": array(ref("PathEdge")),
            "paths": array(
                obj(
                    {"nodes": array(ref("ConceptRef")), "edges": array(ref("PathEdge"))},
                    {"cost": NUM},
                )
            ),
        }
    ),
    "GraphResponse": obj(
        {
            "focus": NSTR,
            "depth": INT,
            "limit": INT,
            "nodes": array(
                obj(
                    {"id": STR, "label": STR},
                    {"kind": STR, "degree": INT, "labels": {"type": "object"}},
                )
            ),
            "edges": array(
                obj(
                    {"source": STR, "target": STR, "relation": STR, "confidence": CONFIDENCE},
                    {"weight": NUM, **STATED},
                )
            ),
        }
    ),
    "Relations": obj(
        {"relations": array(obj({"id": STR, "label": STR}, {"description": STR, "predicate": STR}))}
    ),
    # The concept page's data, bounded; with part=group or part=sources, one page of one
    # list (total, offset, limit and items or notes).
    "ExploreData": obj(
        {
            "concept": {
                "oneOf": [
                    STR,
                    obj(
                        {"id": STR, "uri": STR, "label": STR},
                        {
                            "altLabels": array(STR),
                            "translations": {"type": "object"},
                            "definition": {"oneOf": [{"type": "null"}, ref("Evidence")]},
                        },
                    ),
                ]
            }
        },
        {
            "groups": array(
                obj(
                    {
                        "relation": STR,
                        "direction": STR,
                        "label": STR,
                        "total": INT,
                        "items": array(ref("ExploreItem")),
                    }
                )
            ),
            "sources": obj({"total": INT, "mentions": INT, "notes": array(ref("SourceNote"))}),
            "relation": STR,
            "direction": STR,
            "total": INT,
            "offset": INT,
            "limit": INT,
            "items": array(ref("ExploreItem")),
            "notes": array(ref("SourceNote")),
        },
    ),
    "ExploreItem": obj(
        {"id": STR, "label": STR},
        {
            "weight": NUM,
            "confidence": NUM,
            "evidenceCount": INT,
            "evidence": array(ref("Evidence")),
        },
    ),
    "SourceNote": obj(
        {
            "path": STR,
            "title": STR,
            "count": INT,
            "sections": array(obj({"anchor": STR, "line": INT, "title": STR})),
        }
    ),
    "Finding": obj(
        {
            "kind": STR,
            "severity": {"enum": ["error", "warning", "info"]},
            "subject": {"type": "string", "description": "the concept's label or the note's path"},
            "path": STR,
            "line": INT,
            "message": STR,
            "hint": STR,
        }
    ),
    "LintResponse": obj(
        {
            "total": INT,
            "offset": INT,
            "limit": NINT,
            "counts": {
                "type": "object",
                "additionalProperties": INT,
                "description": "every finding of the build, per kind",
            },
            "severities": {
                "type": "object",
                "additionalProperties": INT,
                "description": "every finding of the build, per severity",
            },
            "findings": array(ref("Finding")),
        }
    ),
    "ReviewCapability": obj({"enabled": {"type": "boolean"}, "actions": array(STR)}),
    "ReviewDecision": obj(
        {
            "action": {
                "enum": [
                    "confirm",
                    "reject",
                    "retype",
                    "reverse",
                    "not-a-concept",
                    "merge",
                    "relabel",
                    "define",
                ]
            }
        },
        {
            "source": STR,
            "type": STR,
            "target": STR,
            "concept": STR,
            "to": STR,
            "into": STR,
            "text": STR,
            "lang": STR,
            "path": STR,
            "evidence": STR,
        },
    ),
    "ReviewWritten": obj({"written": STR, "file": STR, "build": NSTR, "stale": array(STR)}),
    "SparqlResultsJson": {
        "description": "SPARQL 1.1 Query Results JSON (SELECT: head.vars + results.bindings; "
        "ASK: boolean)",
        "type": "object",
        "required": ["head"],
        "properties": {
            "head": {"type": "object"},
            "results": obj({"bindings": array({"type": "object"})}),
            "boolean": {"type": "boolean"},
        },
    },
}


def error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def json_response(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def param(
    name: str,
    schema: dict[str, Any],
    description: str,
    *,
    where: str = "query",
    required: bool = False,
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


def bounded(default: int, low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "default": default, "minimum": low, "maximum": high}


RELATION = param(
    "relation", STR, "Comma-separated relation ids (see /api/relations) to keep; default all."
)
KEY = param("key", STR, "Concept id, label or alias (any case).", where="path")
BAD = error_response(
    "Bad parameter (code names it: missing_parameter, invalid_parameter, "
    "out_of_range, parameter_too_long …)"
)
UNKNOWN = error_response("Unknown concept (unknown_concept), with close suggestions")
NO_STORE = error_response("No built store yet (no_store)")
HTML = {"description": "HTML page", "content": {"text/html": {"schema": STR}}}
MIN_CONFIDENCE = param(
    "minConfidence",
    {**CONFIDENCE, "default": DEFAULT_MIN_CONFIDENCE},
    "Only typed relations at least this confident.",
)
CO_MENTION = param(
    "coMention",
    {"type": "boolean", "default": False},
    "Also concepts only mentioned together (never typed claims).",
)
NOTES_LIST = {
    "description": "HTML for browsers; {total, notes: [{path, title, url}]} for "
    "Accept: application/json",
    "content": {
        "text/html": {"schema": STR},
        "application/json": {
            "schema": obj(
                {"total": INT, "notes": array(obj({"path": STR, "title": STR, "url": STR}))}
            )
        },
    },
}


def PAGE_404(description: str) -> dict[str, Any]:  # upper case: reads like the constants
    """A page's 404: the HTML page, or the JSON error when the path is no route at all
    (a control character such as a newline in it)."""
    return {
        "description": description + "; JSON when the path cannot name a page",
        "content": {"text/html": {"schema": STR}, "application/json": {"schema": ref("Error")}},
    }


def _op(
    summary: str,
    responses: dict[str, Any],
    params: list[dict[str, Any]] | None = None,
    tag: str = "api",
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {"503": NO_STORE, **responses},
    }
    if params:
        out["parameters"] = params
    out.update(extra)
    return out


JSON_LD = {"type": ["object", "array"], "description": "a JSON-LD document"}


def rdf_content(*media_types: str) -> dict[str, Any]:
    """RDF serialisations: text, except JSON-LD, which is a JSON document."""
    return {m: {"schema": JSON_LD if m == "application/ld+json" else STR} for m in media_types}


def _negotiated_rdf() -> dict[str, Any]:
    """What a negotiated RDF description (a concept URI, /vocab) can be answered as."""
    return rdf_content(*(RDF_FORMATS[name].media_type for name in GRAPH_FORMATS))


def _format_param() -> dict[str, Any]:
    return param("format", {"enum": _names(RDF_FORMATS, *GRAPH_FORMATS)}, "Overrides Accept.")


def _sparql_content() -> dict[str, Any]:
    content: dict[str, Any] = {}
    medias = [RESULTS_FORMATS[name].media_type for name in RESULT_FORMATS]
    for media in medias + [RDF_FORMATS[name].media_type for name in GRAPH_FORMATS]:
        if media == RESULTS_FORMATS["json"].media_type:
            content[media] = {"schema": ref("SparqlResultsJson")}
        elif media == "application/ld+json":
            content[media] = {"schema": JSON_LD}
        else:
            content[media] = {"schema": STR}
    return content


def _names(table: dict[str, Any], *names: str) -> list[str]:
    """Format names and their aliases, each once, for a ``format`` parameter's enum."""
    found = [*names, *(alias for name in names for alias in table[name].aliases)]
    return list(dict.fromkeys(found))


def paths() -> dict[str, Any]:
    """Every path the app serves, by group; each group is one function below."""
    return {
        **_search_paths(),
        **_concept_paths(),
        **_build_paths(),
        **_linked_data_paths(),
        **_page_paths(),
        **_asset_paths(),
    }


def _sparql_params() -> list[dict[str, Any]]:
    """The SPARQL 1.1 Protocol's parameters (a POST takes all but ``query``)."""
    return [
        param(
            "query",
            STR,
            "The SPARQL query (GET; or form-encoded POST). A GET without it "
            "answers the endpoint's SPARQL 1.1 Service Description (RDF).",
        ),
        param(
            "default-graph-uri",
            array(STR),
            "Graphs making up the default graph (SPARQL "
            "Protocol). Without it and without FROM, the default graph is the union of "
            "all named graphs.",
        ),
        param("named-graph-uri", array(STR), "Graphs available to GRAPH."),
        param(
            "format",
            {
                "enum": _names(RESULTS_FORMATS, *RESULT_FORMATS)
                + _names(RDF_FORMATS, *GRAPH_FORMATS)
            },
            "Overrides Accept: json, xml, csv, tsv (SELECT/ASK); turtle, json-ld, "
            "ntriples, xml (CONSTRUCT/DESCRIBE). Names mean a format per kind of "
            "answer, as clients send them: xml is RDF/XML for CONSTRUCT, n3 Turtle, json "
            "JSON-LD.",
        ),
    ]


def _sparql_responses() -> dict[str, Any]:
    """What the SPARQL endpoint answers, by status."""
    return {
        "200": {
            "description": "Results. SELECT/ASK: SPARQL results JSON (default), XML, CSV, "
            "TSV. CONSTRUCT/DESCRIBE: Turtle (default), JSON-LD, "
            "N-Triples, RDF/XML. Chosen by Accept. At most "
            "KG_SPARQL_MAX_ROWS solutions/triples; a cut answer has "
            "X-KG-Truncated: true.",
            "headers": {
                "X-SPARQL-MaxRows": {"schema": INT},
                "X-KG-Truncated": {"schema": {"const": "true"}},
            },
            "content": _sparql_content(),
        },
        "400": error_response(
            "Malformed query (malformed_query, with the parser's message) or bad parameter"
        ),
        "403": error_response("Updates (read_only) and SERVICE (service_not_allowed) are refused"),
        "406": error_response("No acceptable format for this query form (not_acceptable)"),
        "415": error_response("POST body neither application/sparql-query nor form-encoded"),
        "413": error_response("Request body over 1 MiB (request_too_large)"),
        "503": error_response(
            "Query ran past KG_SPARQL_TIMEOUT (query_timeout) or "
            "KG_SPARQL_MAX_MEMORY (query_memory); KG_SPARQL_CONCURRENCY "
            "queries already running (sparql_busy, with Retry-After); graph "
            "store unavailable, or no store"
        ),
    }


def _search_paths() -> dict[str, Any]:
    """Health, search and suggestions."""
    return {
        "/healthz": {"get": _op("Liveness and the served build", {"200": json_response("Health")})},
        "/api/search": {
            "get": _op(
                "Full-text search over sections and concepts",
                {"200": json_response("SearchResponse"), "400": BAD},
                [
                    param(
                        "q",
                        STR,
                        'Query (words, "phrases", prefix*; typos tolerated).',
                        required=True,
                    ),
                    param("limit", bounded(10, 1, 100), "Results per page."),
                    param("offset", bounded(0, 0, 10000), "Results to skip."),
                    param("kind", {"enum": ["section", "concept"]}, "Only this kind of result."),
                    param("path", STR, "Only results from this note path."),
                    param("tag", STR, "Only notes with this tag."),
                    param("concept", STR, "Only results about this concept id."),
                    param(
                        "syntax",
                        {"enum": ["plain", "whoosh"], "default": "plain"},
                        "plain: words as typed; whoosh: Whoosh's query language over the fields "
                        "title, body, concept, path, tag, kind (a syntax error is a 400).",
                    ),
                ],
            )
        },
        "/api/suggest": {
            "get": _op(
                "Concept labels starting with a prefix (autocomplete)",
                {"200": json_response("SuggestResponse"), "400": BAD},
                [
                    param("q", STR, "Prefix.", required=True),
                    param("limit", bounded(10, 1, 50), "Suggestions."),
                ],
            )
        },
    }


def _concept_paths() -> dict[str, Any]:
    """The concepts, their neighbours and paths, as JSON."""
    return {
        "/api/concepts": {
            "get": _op(
                "All concepts, by label",
                {"200": json_response("ConceptList"), "400": BAD},
                [
                    param("limit", bounded(50, 1, 1000), "Page size."),
                    param("offset", bounded(0, 0, 1_000_000), "Concepts to skip."),
                ],
            )
        },
        "/api/concepts/{key}": {
            "get": _op(
                "One concept: labels, definition, links, sources",
                {"200": json_response("Concept"), "400": BAD, "404": UNKNOWN},
                [KEY],
            )
        },
        "/api/concepts/{key}/related": {
            "get": _op(
                "Concepts related within a depth, ranked",
                {"200": json_response("RelatedResponse"), "400": BAD, "404": UNKNOWN},
                [
                    KEY,
                    param("depth", bounded(1, 1, 3), "Hops."),
                    param("limit", bounded(20, 1, 200), "Results."),
                    RELATION,
                    MIN_CONFIDENCE,
                    param(
                        "coMention",
                        {"type": "boolean", "default": True},
                        "Also concepts only mentioned together, ranked after every typed one.",
                    ),
                ],
            )
        },
        "/api/path": {
            "get": _op(
                "Shortest explained paths between two concepts",
                {"200": json_response("PathResponse"), "400": BAD, "404": UNKNOWN},
                [
                    param("from", STR, "Start concept.", required=True),
                    param("to", STR, "End concept.", required=True),
                    param("k", bounded(1, 1, 5), "Number of paths."),
                    param("maxLength", bounded(6, 1, 8), "Most edges per path."),
                    RELATION,
                    MIN_CONFIDENCE,
                ],
            )
        },
        "/api/graph": {
            "get": _op(
                "A bounded subgraph to draw (around focus, else the most connected concepts)",
                {"200": json_response("GraphResponse"), "400": BAD, "404": UNKNOWN},
                [
                    param("focus", STR, "Concept id, label or alias."),
                    param("depth", bounded(1, 1, 3), "Hops from focus."),
                    param("limit", bounded(50, 1, 200), "Most nodes."),
                    RELATION,
                    param(
                        "minWeight",
                        {"type": "number", "default": 0, "minimum": 0, "maximum": 1_000_000},
                        "Drop edges lighter than this.",
                    ),
                    MIN_CONFIDENCE,
                    CO_MENTION,
                    param("lang", STR, "Language of the labels (as lang elsewhere)."),
                    param(
                        "fanout",
                        bounded(0, 0, 50),
                        "With depth > 1: at most this many new neighbours per node at each hop "
                        "after the first (0: fill limit hop by hop).",
                    ),
                ],
            )
        },
        "/api/explore/{key}": {
            "get": _op(
                "One concept with its links grouped for the "
                "explorer page (bounded; paged by part=)",
                {"200": json_response("ExploreData"), "400": BAD, "404": UNKNOWN},
                [
                    KEY,
                    param(
                        "part",
                        {"enum": ["group", "sources"]},
                        "One list in full, paged: a relation group or the source notes.",
                    ),
                    param("relation", STR, "With part=group: the relation type."),
                    param("direction", {"enum": ["out", "in", "both"]}, "With part=group."),
                    param("offset", INT, "First item of the page."),
                    param("limit", INT, "Items per page (1 to 200)."),
                    param("lang", STR, "Language of labels, definition and quotes."),
                ],
            )
        },
    }


def _build_paths() -> dict[str, Any]:
    """What a build holds besides its concepts: review decisions, relation types, exports
    and lint findings."""
    return {
        "/api/review": {
            "get": _op(
                "Whether this server takes review decisions (KG_REVIEW_TOKEN is set)",
                {"200": json_response("ReviewCapability")},
            ),
            "post": _op(
                "Write a decision to the review file and re-build the store",
                {
                    "200": json_response("ReviewWritten"),
                    "400": error_response(
                        "The body is not a decision this graph can take; the "
                        "message says what is wrong (nothing is written)"
                    ),
                    "401": error_response("No 'Authorization: Bearer <token>' (unauthorized)"),
                    "403": error_response(
                        "Writing is off (review_disabled: no KG_REVIEW_TOKEN), "
                        "or the token is wrong (bad_token)"
                    ),
                    "409": error_response(
                        "The review file on disk is not valid; the author must "
                        "fix it first (review_file_invalid)"
                    ),
                },
                security=[{"reviewToken": []}],
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": ref("ReviewDecision")}},
                },
            ),
        },
        "/api/relations": {
            "get": _op(
                "Relation types (id, wording, RDF predicate)", {"200": json_response("Relations")}
            )
        },
        "/api/export": {
            "get": _op(
                "The whole graph as RDF",
                {
                    "200": {
                        "description": "Triple formats and JSON-LD (compacted, with an @context of "
                        "our prefixes) hold the union of all graphs; nquads and "
                        "trig keep a named graph per note. Written once per build: "
                        "ETag, Content-Length, 304 on If-None-Match",
                        "content": rdf_content(
                            "text/turtle",
                            "application/n-triples",
                            "application/n-quads",
                            "application/trig",
                            "application/ld+json",
                            "application/rdf+xml",
                        ),
                    },
                    "304": {"description": "If-None-Match holds the export's ETag"},
                    "400": BAD,
                    "503": error_response("The export could not be written (export_failed)"),
                },
                [
                    param(
                        "format",
                        {"enum": _names(RDF_FORMATS, *RDF_FORMATS), "default": "turtle"},
                        "RDF serialisation (or an alias).",
                    )
                ],
            )
        },
        "/api/lint": {
            "get": _op(
                "What the notes are missing (kg lint): findings, most severe first",
                {"200": json_response("LintResponse"), "400": BAD},
                [
                    param(
                        "kind",
                        STR,
                        "Comma-separated kinds to keep (see the README's kg lint "
                        "table); default all.",
                    ),
                    param(
                        "severity",
                        {"enum": ["info", "warning", "error"], "default": "info"},
                        "Only findings this severe or worse.",
                    ),
                    param("limit", bounded(100, 1, 1000), "Findings per page."),
                    param("offset", bounded(0, 0, 1_000_000), "Findings to skip."),
                ],
            )
        },
    }


def _linked_data_paths() -> dict[str, Any]:
    """The standards side: the SPARQL endpoint and dereferenceable concept URIs."""
    sparql_params, sparql_responses = _sparql_params(), _sparql_responses()
    return {
        "/sparql": {
            "get": _op(
                "SPARQL 1.1 Protocol query (read-only)",
                sparql_responses,
                sparql_params,
                tag="linked data",
                description="Default graph: the union of all named graphs (one per "
                "note plus the scheme graph) unless FROM or "
                "default-graph-uri say otherwise.",
            ),
            "post": _op(
                "SPARQL 1.1 Protocol query (read-only), in the body",
                sparql_responses,
                sparql_params[1:],
                tag="linked data",
                requestBody={
                    "required": True,
                    "content": {
                        "application/sparql-query": {"schema": STR},
                        "application/x-www-form-urlencoded": {
                            "schema": obj(
                                {"query": STR},
                                {"default-graph-uri": array(STR), "named-graph-uri": array(STR)},
                            )
                        },
                    },
                },
            ),
        },
        "/concept/{concept_id}": {
            "get": _op(
                "Concept URI: its description as RDF, or the explorer page for browsers",
                {
                    "200": {
                        "description": "Every triple with the concept as subject (all graphs). "
                        "Vary: Accept.",
                        "content": _negotiated_rdf(),
                    },
                    "303": {
                        "description": "Accept prefers text/html: see /explore/{concept_id}",
                        "headers": {"Location": {"schema": STR}},
                    },
                    "404": UNKNOWN,
                    "406": error_response("No acceptable format"),
                },
                [
                    param(
                        "concept_id", STR, "Concept id (the last segment of its URI).", where="path"
                    ),
                    _format_param(),
                ],
                tag="linked data",
            )
        },
        "/vocab": {
            "get": _op(
                "Our vocabulary: the kg: terms (typed relations, provenance) with labels "
                "and comments, as RDF",
                {
                    "200": {
                        "description": "An owl:Ontology and every kg: term. Vary: Accept.",
                        "content": _negotiated_rdf(),
                    },
                    "406": error_response("No acceptable format"),
                },
                [_format_param()],
                tag="linked data",
            )
        },
    }


def _page_paths() -> dict[str, Any]:
    """The HTML pages."""
    return {
        "/": {
            "get": _op(
                "Home: redirects to the explorer",
                {"302": {"description": "to /explore", "headers": {"Location": {"schema": STR}}}},
                tag="pages",
            )
        },
        "/explore": {
            "get": _op("Concept explorer (search box, graph)", {"200": HTML}, tag="pages")
        },
        "/explore/{key}": {
            "get": _op(
                "Concept explorer focused on a concept",
                {
                    "200": HTML,
                    "400": {
                        "description": "Blank or overlong key (HTML page)",
                        "content": {"text/html": {"schema": STR}},
                    },
                    "404": PAGE_404("Unknown concept (HTML page)"),
                },
                [KEY],
                tag="pages",
            )
        },
        "/notes/{path}": {
            "get": _op(
                "A note rendered with its sections and concepts",
                {"200": HTML, "404": PAGE_404("Unknown note (HTML page)")},
                [
                    param(
                        "path", STR, "Note path as ingested (e.g. workloads/pods.md).", where="path"
                    )
                ],
                tag="pages",
            )
        },
        "/search": {
            "get": _op(
                "Search results page: concepts, then sections, with facets and paging",
                {
                    "200": HTML,
                    "400": {
                        "description": "Bad parameter (HTML page)",
                        "content": {"text/html": {"schema": STR}},
                    },
                },
                [
                    param("q", STR, "The words to look for."),
                    param("page", INT, "Page number (10 results a page)."),
                    param("kind", STR, "Only sections or only concepts."),
                    param("path", STR, "Only this note."),
                    param("concept", STR, "Only this concept."),
                    param("tag", STR, "Only notes with this tag."),
                ],
                tag="pages",
            )
        },
        "/concepts": {
            "get": _op(
                "A–Z index of every concept, with counts and filters",
                {"200": HTML, "400": BAD},
                [
                    param("letter", STR, "Only labels starting with this letter (# for others)."),
                    param("relation", STR, "Only concepts with a relation of this type."),
                    param("note", STR, "Only concepts read from this note."),
                    param("page", INT, "Page number (200 concepts a page)."),
                ],
                tag="pages",
            )
        },
        "/notes/": {
            "get": _op(
                "Every note by folder (HTML), or a JSON list by Accept",
                {"200": NOTES_LIST},
                tag="pages",
            )
        },
        "/notes": {"get": _op("Same as /notes/", {"200": NOTES_LIST}, tag="pages")},
    }


def _asset_paths() -> dict[str, Any]:
    """The embeddable widget and its demo, the relation stylesheet and this document."""
    return {
        "/widget.js": {
            "get": _op(
                "Embeddable search box script",
                {
                    "200": {
                        "description": "JavaScript",
                        "content": {"application/javascript": {"schema": STR}},
                    }
                },
                tag="pages",
            )
        },
        "/demo": {"get": _op("A page showing the widget", {"200": HTML}, tag="pages")},
        "/relations.css": {
            "get": _op(
                "Relation colours and dash patterns (from the relation "
                "types, as /api/relations gives them)",
                {"200": {"description": "CSS", "content": {"text/css": {"schema": STR}}}},
                tag="pages",
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["api"],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def document(base_url: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "kg: notes → knowledge graph → search",
            "version": "0.1.0",
            "description": "Search, concept graph and linked data over study notes. Every "
            "error is JSON {error: {code, message}}: 4xx for bad input, 503 "
            "while no store is built or a query ran too long.",
        },
        "paths": paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "reviewToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "KG_REVIEW_TOKEN of the server",
                }
            },
        },
    }
    if base_url:
        doc["servers"] = [{"url": base_url.rstrip("/")}]
    return doc


@blueprint.get("/openapi.json")
def openapi_json():  # noqa: ANN201
    return jsonify(document())
