"""The API's answers as plain functions of (store, parameters) → JSON-able dict.

Flask routes and the ``kg search`` / ``kg related`` commands both call these, so the
terminal and the REST API give the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kg.store import Store
from search.index import SYNTAXES, QuerySyntaxError

from . import params
from .errors import BadRequest, NotFound

SEARCH_KINDS = ("section", "concept")
MAX_OFFSET = 10_000
EXPORT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "json-ld", "xml")
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def language(query: Mapping[str, str] | None = None) -> str:
    """The language labels are answered in: ``lang=ko``, else the first language of an
    ``Accept-Language`` header, else ``en``. Labels fall back to English."""
    value = (query or {}).get("lang")
    if value is not None:
        value = value.strip()
        if not _LANG.match(value):
            raise BadRequest("lang must be a language tag such as en or ko",
                             code="invalid_parameter")
        return value.split("-")[0].lower()
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover
        return "en"
    if has_request_context():
        header = request.headers.get("Accept-Language", "")
        tags = []
        for number, part in enumerate(header.split(",")):
            tag, _, rest = part.strip().partition(";")
            weight = 1.0
            if rest.strip().startswith("q="):
                try:
                    weight = float(rest.strip()[2:])
                except ValueError:
                    weight = 0.0
            if _LANG.match(tag) and weight > 0:
                tags.append((-weight, number, tag.split("-")[0].lower()))
        if tags:
            return min(tags)[2]
    return "en"


def localize(store: Store, body: Any, lang: str) -> Any:
    """Concept labels in ``lang`` (English fallback) throughout a response: every
    ``{"id", "label"}`` of a known concept gets the localized ``label`` and all its
    ``labels``; concept search hits get a localized ``title``. English answers keep
    their shape."""
    if lang == "en":
        return body
    graph = store.graph

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            cid = value.get("id")
            if isinstance(cid, str) and cid in graph:
                if "label" in value:
                    value["label"] = graph.label_in(cid, lang)
                    value["labels"] = graph.labels(cid)
                elif value.get("kind") == "concept" and "title" in value:
                    value["title"] = graph.label_in(cid, lang)
                    value["labels"] = graph.labels(cid)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return body


def result_url(pattern: str, path: str | None, anchor: str | None, line: int | None) -> str | None:
    if not path:
        return None
    return (pattern.replace("{path}", path).replace("{anchor}", anchor or "")
            .replace("{line}", str(line or 1)))


def search_response(store: Store, settings: Mapping[str, Any],
                    query: Mapping[str, str]) -> dict[str, Any]:
    q = params.text(query, "q", required=True, max_chars=settings["max_query_chars"])
    limit = params.integer(query, "limit", 10, 1, 100)
    offset = params.integer(query, "offset", 0, 0, MAX_OFFSET)
    kind = params.choice(query, "kind", SEARCH_KINDS)
    filters = {name: value for name in ("path", "tag", "concept")
               if (value := params.text(query, name)) is not None}
    syntax = params.choice(query, "syntax", SYNTAXES, default="plain")
    try:
        found = store.index.search(q, limit=limit, offset=offset, kind=kind,
                                   filters=filters or None, syntax=syntax)
    except QuerySyntaxError as e:  # the message is Whoosh's parser's
        raise BadRequest(f"query syntax: {e}", code="invalid_query") from None
    pattern = settings["docs_url"]
    results = []
    for hit in found["results"]:
        results.append({
            "kind": hit["kind"],
            "id": hit["id"],
            "title": hit["title"],
            "breadcrumb": hit.get("breadcrumb") or [],
            "snippet": hit.get("snippet", ""),
            "score": round(float(hit.get("score", 0.0)), 4),
            "url": result_url(pattern, hit.get("path"), hit.get("anchor"), hit.get("line")),
            "source": {"path": hit.get("path"), "line": hit.get("line"),
                       "anchor": hit.get("anchor")} if hit.get("path") else None,
            "concepts": hit.get("concepts") or [],
        })
    body: dict[str, Any] = {"query": q, "total": found["total"], "limit": limit,
                            "offset": offset, "results": results,
                            "facets": found.get("facets", {})}
    if found.get("didYouMean"):
        body["didYouMean"] = found["didYouMean"]
    return localize(store, body, language(query))


def suggest_response(store: Store, query: Mapping[str, str]) -> dict[str, Any]:
    q = params.text(query, "q", required=True, max_chars=100)
    limit = params.integer(query, "limit", 10, 1, 50)
    return localize(store, {"query": q, "suggestions": store.graph.suggest(q, limit)},
                    language(query))


def concepts_response(store: Store, query: Mapping[str, str]) -> dict[str, Any]:
    limit = params.integer(query, "limit", 50, 1, 1000)
    offset = params.integer(query, "offset", 0, 0, 1_000_000)
    total, items = store.graph.concepts(limit, offset)
    return localize(store, {"total": total, "limit": limit, "offset": offset,
                            "concepts": items}, language(query))


def resolve(store: Store, key: str) -> str:
    """The concept id ``key`` names (id, label or alias, any case), or a 404 with hints."""
    key = key.strip()
    if not key or len(key) > params.MAX_PARAM_CHARS:
        raise BadRequest("a concept id, label or alias is required", code="invalid_parameter")
    concept_id = store.graph.resolve(key)
    if concept_id is None:
        hints = store.graph.did_you_mean(key)
        hint = f"; did you mean {', '.join(h['label'] for h in hints)}?" if hints else ""
        raise NotFound(f"no concept named {key[:80]!r}{hint}", code="unknown_concept",
                       suggestions=hints)
    return concept_id


def concept_response(store: Store, key: str,
                     query: Mapping[str, str] | None = None) -> dict[str, Any]:
    concept = store.graph.concept(resolve(store, key))
    assert concept is not None  # resolve() only returns known ids
    if query is None:
        from flask import has_request_context, request

        query = request.args if has_request_context() else {}
    return localize(store, concept, language(query))


def _relation_ids(store: Store) -> list[str]:
    return [r["id"] for r in store.graph.relation_types()]


def related_response(store: Store, key: str, query: Mapping[str, str]) -> dict[str, Any]:
    concept_id = resolve(store, key)
    depth = params.integer(query, "depth", 1, 1, 3)
    limit = params.integer(query, "limit", 20, 1, 200)
    relations = params.choices(query, "relation", _relation_ids(store))
    items = store.graph.related(concept_id, depth=depth, relations=relations, limit=limit)
    concept = store.graph.concept(concept_id) or {}
    return localize(store, {"concept": {"id": concept_id,
                                        "label": concept.get("label", concept_id)},
                            "depth": depth, "related": items}, language(query))


def path_response(store: Store, query: Mapping[str, str]) -> dict[str, Any]:
    source = resolve(store, params.text(query, "from", required=True) or "")
    target = resolve(store, params.text(query, "to", required=True) or "")
    k = params.integer(query, "k", 1, 1, 5)
    max_len = params.integer(query, "maxLength", 6, 1, 8)
    relations = params.choices(query, "relation", _relation_ids(store))
    found = store.graph.paths(source, target, k=k, relations=relations, max_len=max_len)
    if not found:
        return {"found": False, "from": source, "to": target, "nodes": [], "edges": [],
                "paths": []}
    best = found[0]
    return localize(store, {"found": True, "from": source, "to": target,
                            "nodes": best["nodes"], "edges": best["edges"], "paths": found},
                    language(query))


def graph_response(store: Store, query: Mapping[str, str]) -> dict[str, Any]:
    """A bounded subgraph to draw: around ``focus`` (id, label or alias), else the most
    connected concepts. Edges keep their relation type and aggregated weight."""
    key = params.text(query, "focus")
    focus = resolve(store, key) if key is not None else None
    depth = params.integer(query, "depth", 1, 1, 3)
    limit = params.integer(query, "limit", 50, 1, 200)
    relations = params.choices(query, "relation", _relation_ids(store))
    min_weight = params.number(query, "minWeight", 0.0, 0.0, 1_000_000.0)
    found = store.graph.neighbourhood(focus, depth=depth, relations=relations, limit=limit,
                                      min_weight=min_weight)
    return {"focus": focus, "depth": depth, "limit": limit, **found}


def export_format(query: Mapping[str, str]) -> str:
    return params.choice(query, "format", EXPORT_FORMATS, default="turtle") or "turtle"


def health(store: Store) -> dict[str, Any]:
    return {"status": "ok", "build": store.build.name, "built": store.manifest.get("built"),
            "counts": store.manifest.get("counts", {})}
