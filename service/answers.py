"""The answers about the store: search, suggestions, concepts, related, paths, the graph.

Each is a plain function of (store, parameters) → JSON-able dict, called by the API's
routes and pages and by ``kg search`` / ``kg related`` / ``kg path``. The reader's
language is a parameter (``lang``, else the tags of ``accepted``, best first: the API
passes Accept-Language's), never read from a request.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from graph.formats import RDF_FORMATS, rdf_format
from ingest.confidence import DEFAULT_MIN_CONFIDENCE
from ingest.text import label_key
from kg.store import Store
from search.index import SYNTAXES, QuerySyntaxError

from . import params
from .errors import BadRequest, NotFound

SEARCH_KINDS = ("section", "concept")
MAX_OFFSET = 10_000
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def language(query: Mapping[str, str] | None = None, accepted: Iterable[str] = ()) -> str:
    """The language labels are answered in: ``lang=ko``, else the first usable tag of
    ``accepted`` (the reader's languages, best first), else ``en``. Labels fall back to
    English."""
    value = (query or {}).get("lang")
    if value is not None:
        value = value.strip()
        if not _LANG.match(value):
            raise BadRequest(
                "lang must be a language tag such as en or ko", code="invalid_parameter"
            )
        return value.split("-")[0].lower()
    for tag in accepted:
        if _LANG.match(tag):
            return tag.split("-")[0].lower()
    return "en"


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def text_language(text: str) -> str:
    """A rough guess of the language a note sentence is written in (ko, ja, zh or en):
    enough to put sentences in the reader's language first."""
    if len(_HANGUL.findall(text)) >= 2:
        return "ko"
    if _KANA.search(text):
        return "ja"
    if len(_HAN.findall(text)) >= 2:
        return "zh"
    return "en"


def prefer_language(
    items: list[dict[str, Any]], lang: str, field: str = "text"
) -> list[dict[str, Any]]:
    """``items`` with those written in ``lang`` first, otherwise in their order."""
    return sorted(items, key=lambda item: text_language(str(item.get(field, ""))) != lang)


MAX_DEFINITION_SOURCES = 20  # sections named after the concept, read at most


def preferred_definition(
    store: Store, concept: Mapping[str, Any], lang: str
) -> dict[str, Any] | None:
    """The concept's definition in ``lang`` when the notes have one: the graph keeps one
    definition per concept, whatever its language; when that one is in another
    language, the first paragraph in ``lang`` of a section about the concept (its title
    is the concept's name) is used instead. Falls back to the graph's definition."""
    definition = concept.get("definition")
    if definition and text_language(definition["text"]) == lang:
        return definition
    names = {
        label_key(n)
        for n in [
            concept.get("label", ""),
            *concept.get("altLabels", []),
            *concept.get("translations", {}).values(),
        ]
        if n
    }
    tried = 0
    for src in concept.get("sources", []):
        if label_key(src.get("title") or "") not in names:
            continue
        tried += 1
        if tried > MAX_DEFINITION_SOURCES:
            break
        for section in (store.note(src["path"]) or {}).get("sections", []):
            if section.get("anchor") != src.get("anchor"):
                continue
            for block in section.get("blocks", []):
                if block.get("kind") == "paragraph" and text_language(block["text"]) == lang:
                    return {"text": block["text"], "path": src["path"], "line": block["line"]}
    return definition


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


_PLACEHOLDER = re.compile(r"\{(path|anchor|line)\}")
NOTES_URL = "/notes/{path}#{anchor}"  # our note pages: KG_DOCS_URL's default


def _iri_quote(text: str, safe: str) -> str:
    """Percent-encode what a URL cannot carry (ASCII other than letters, digits, ``-._~``
    and ``safe``; spaces and control characters of any script); other non-ASCII letters
    stay as they are, as in an IRI (a Korean anchor stays readable)."""
    return "".join(
        quote(c, safe=safe)
        if c.isascii() or c.isspace() or unicodedata.category(c)[0] in "CZ"
        else c
        for c in text
    )


def result_url(pattern: str, path: str | None, anchor: str | None, line: int | None) -> str | None:
    """A result's link from the ``KG_DOCS_URL`` pattern: the values percent-encoded and
    filled in one pass (a file name holding ``{anchor}`` is not expanded again); a link
    that would not be http(s) or relative (``javascript:``, ``data:``) is our note page."""
    if not path:
        return None
    values = {
        "path": _iri_quote(path, "/"),
        "anchor": _iri_quote(anchor or "", ""),
        "line": str(line or 1),
    }

    def fill(template: str) -> str:
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)

    url = fill(pattern)
    if (
        urlsplit(url).scheme.lower() not in ("", "http", "https")
        or url.lstrip().startswith("//")
        and not pattern.lstrip().startswith("//")
    ):
        return fill(NOTES_URL)
    return url


def search_response(
    store: Store,
    settings: Mapping[str, Any],
    query: Mapping[str, str],
    accepted: Iterable[str] = (),
) -> dict[str, Any]:
    q = params.text(query, "q", required=True, max_chars=settings["max_query_chars"])
    limit = params.integer(query, "limit", 10, 1, 100)
    offset = params.integer(query, "offset", 0, 0, MAX_OFFSET)
    kind = params.choice(query, "kind", SEARCH_KINDS)
    filters = {
        name: value
        for name in ("path", "tag", "concept")
        if (value := params.text(query, name)) is not None
    }
    syntax = params.choice(query, "syntax", SYNTAXES, default="plain")
    try:
        found = store.index.search(
            q, limit=limit, offset=offset, kind=kind, filters=filters or None, syntax=syntax
        )
    except QuerySyntaxError as e:  # the message is Whoosh's parser's
        raise BadRequest(f"query syntax: {e}", code="invalid_query") from None
    pattern = settings["docs_url"]
    results = []
    for hit in found["results"]:
        results.append(
            {
                "kind": hit["kind"],
                "id": hit["id"],
                "title": hit["title"],
                "breadcrumb": hit.get("breadcrumb") or [],
                "snippet": hit.get("snippet", ""),
                "score": round(float(hit.get("score", 0.0)), 4),
                "url": result_url(pattern, hit.get("path"), hit.get("anchor"), hit.get("line")),
                "source": {
                    "path": hit.get("path"),
                    "line": hit.get("line"),
                    "anchor": hit.get("anchor"),
                }
                if hit.get("path")
                else None,
                "concepts": hit.get("concepts") or [],
            }
        )
    body: dict[str, Any] = {
        "query": q,
        "total": found["total"],
        "limit": limit,
        "offset": offset,
        "results": results,
        "facets": found.get("facets", {}),
    }
    if found.get("didYouMean"):
        body["didYouMean"] = found["didYouMean"]
    return localize(store, body, language(query, accepted))


def suggest_response(
    store: Store, query: Mapping[str, str], accepted: Iterable[str] = ()
) -> dict[str, Any]:
    q = params.text(query, "q", required=True, max_chars=100)
    limit = params.integer(query, "limit", 10, 1, 50)
    found = store.graph.suggest(q, limit)
    if len(found) < limit:
        have = {item["id"] for item in found}
        found += [item for item in close_spellings(store, q, limit) if item["id"] not in have]
    return localize(store, {"query": q, "suggestions": found[:limit]}, language(query, accepted))


def close_spellings(store: Store, text: str, limit: int) -> list[dict[str, str]]:
    """Concepts whose name is a typo away from ``text`` (``deploymnet`` → Deployment),
    as :meth:`graph.concept_graph.ConceptGraph.close_spellings` finds them."""
    graph = store.graph
    return [
        {"id": cid, "label": graph.label_in(cid, "en") or cid, "matched": word}
        for cid, word in graph.close_spellings(text, limit)
    ]


def concepts_response(
    store: Store, query: Mapping[str, str], accepted: Iterable[str] = ()
) -> dict[str, Any]:
    limit = params.integer(query, "limit", 50, 1, 1000)
    offset = params.integer(query, "offset", 0, 0, 1_000_000)
    total, items = store.graph.concepts(limit, offset)
    return localize(
        store,
        {"total": total, "limit": limit, "offset": offset, "concepts": items},
        language(query, accepted),
    )


def resolve(store: Store, key: str) -> str:
    """The concept id ``key`` names (id, label or alias, any case), or a 404 with hints."""
    key = key.strip()
    if not key or len(key) > params.MAX_PARAM_CHARS:
        raise BadRequest("a concept id, label or alias is required", code="invalid_parameter")
    concept_id = store.graph.resolve(key)
    if concept_id is None:
        hints = store.graph.did_you_mean(key)
        hint = f"; did you mean {', '.join(h['label'] for h in hints)}?" if hints else ""
        raise NotFound(
            f"no concept named {key[:80]!r}{hint}", code="unknown_concept", suggestions=hints
        )
    return concept_id


def concept_response(
    store: Store, key: str, query: Mapping[str, str] | None = None, accepted: Iterable[str] = ()
) -> dict[str, Any]:
    concept = store.graph.concept(resolve(store, key))
    assert concept is not None  # resolve() only returns known ids
    return localize(store, concept, language(query, accepted))


def _relation_ids(store: Store) -> list[str]:
    return [r["id"] for r in store.graph.relation_types()]


def _belief(query: Mapping[str, str], co_mention: bool = False) -> tuple[float, bool]:
    """(minConfidence, coMention): typed relations only when confident enough to be
    shown (``ingest.confidence.DEFAULT_MIN_CONFIDENCE``); concepts only "mentioned
    together" when asked for (``coMention``; ``relation=related`` asks too)."""
    floor = params.number(query, "minConfidence", DEFAULT_MIN_CONFIDENCE, 0.0, 1.0)
    return floor, params.boolean(query, "coMention", co_mention)


def related_response(
    store: Store, key: str, query: Mapping[str, str], accepted: Iterable[str] = ()
) -> dict[str, Any]:
    concept_id = resolve(store, key)
    depth = params.integer(query, "depth", 1, 1, 3)
    limit = params.integer(query, "limit", 20, 1, 200)
    relations = params.choices(query, "relation", _relation_ids(store))
    # "related concepts" may end with what is only mentioned together: always ranked
    # after every typed relation, and labelled as such (relation "related")
    min_confidence, co_mention = _belief(query, co_mention=True)
    items = store.graph.related(
        concept_id,
        depth=depth,
        relations=relations,
        limit=limit,
        min_confidence=min_confidence,
        co_mention=co_mention,
    )
    concept = store.graph.concept(concept_id) or {}
    return localize(
        store,
        {
            "concept": {"id": concept_id, "label": concept.get("label", concept_id)},
            "depth": depth,
            "related": items,
        },
        language(query, accepted),
    )


def path_response(
    store: Store, query: Mapping[str, str], accepted: Iterable[str] = ()
) -> dict[str, Any]:
    source = resolve(store, params.text(query, "from", required=True) or "")
    target = resolve(store, params.text(query, "to", required=True) or "")
    k = params.integer(query, "k", 1, 1, 5)
    max_len = params.integer(query, "maxLength", 6, 1, 8)
    relations = params.choices(query, "relation", _relation_ids(store))
    min_confidence, _ = _belief(query)
    found = store.graph.paths(
        source, target, k=k, relations=relations, max_len=max_len, min_confidence=min_confidence
    )
    if not found:
        return {"found": False, "from": source, "to": target, "nodes": [], "edges": [], "paths": []}
    best = found[0]
    return localize(
        store,
        {
            "found": True,
            "from": source,
            "to": target,
            "nodes": best["nodes"],
            "edges": best["edges"],
            "paths": found,
        },
        language(query, accepted),
    )


def graph_response(
    store: Store, query: Mapping[str, str], accepted: Iterable[str] = ()
) -> dict[str, Any]:
    """A bounded subgraph to draw: around ``focus`` (id, label or alias), else the most
    connected concepts. Edges keep their relation type and aggregated weight."""
    key = params.text(query, "focus")
    focus = resolve(store, key) if key is not None else None
    depth = params.integer(query, "depth", 1, 1, 3)
    limit = params.integer(query, "limit", 50, 1, 200)
    relations = params.choices(query, "relation", _relation_ids(store))
    min_weight = params.number(query, "minWeight", 0.0, 0.0, 1_000_000.0)
    fanout = params.integer(query, "fanout", 0, 0, 50)
    belief: dict[str, Any] = dict(
        zip(("min_confidence", "co_mention"), _belief(query), strict=True)
    )
    if focus is not None and depth > 1 and fanout:
        found = _fanned_out(store, focus, depth, fanout, limit, relations, min_weight, belief)
    else:
        found = store.graph.neighbourhood(
            focus, depth=depth, relations=relations, limit=limit, min_weight=min_weight, **belief
        )
    return localize(
        store, {"focus": focus, "depth": depth, "limit": limit, **found}, language(query, accepted)
    )


MAX_FANNED_NODES = 400


def _fanned_out(
    store: Store,
    focus: str,
    depth: int,
    fanout: int,
    limit: int,
    relations: set[str] | None,
    min_weight: float,
    belief: dict[str, Any],
) -> dict[str, Any]:
    """The neighbourhood hop by hop, at most ``fanout`` new neighbours per node: around a
    hub (Pod has a thousand neighbours) a plain ``limit`` is all used up by the first
    hop, and a second hop would draw nothing new."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    frontier = [focus]
    for hop in range(depth):
        wanted = limit if hop == 0 else fanout
        following = []
        for cid in frontier:
            around = store.graph.neighbourhood(
                cid, depth=1, relations=relations, limit=wanted + 1, min_weight=min_weight, **belief
            )
            for node in around["nodes"]:
                if node["id"] not in nodes:
                    nodes[node["id"]] = {
                        **node,
                        "kind": "focus" if node["id"] == focus else "concept",
                    }
                    following.append(node["id"])
            for edge in around["edges"]:
                edges.setdefault((edge["source"], edge["relation"], edge["target"]), edge)
            if len(nodes) >= MAX_FANNED_NODES:
                break
        frontier = [cid for cid in following if cid != focus]
        if len(nodes) >= MAX_FANNED_NODES:
            break
    return {"nodes": list(nodes.values()), "edges": list(edges.values())}


def export_format(query: Mapping[str, str]) -> str:
    """The export format asked for (``turtle`` by default), aliases (``ttl``, ``nt``,
    ``jsonld``, ``rdf`` …) included."""
    value = params.text(query, "format")
    if value is None:
        return "turtle"
    spec = rdf_format(value)
    if spec is None:
        aliases = [alias for f in RDF_FORMATS.values() for alias in f.aliases]
        raise BadRequest(
            f"'format' must be one of {', '.join(RDF_FORMATS)} (or "
            f"{', '.join(aliases)}), not {value[:40]!r}",
            code="invalid_parameter",
        )
    return spec.name


def health(store: Store) -> dict[str, Any]:
    return {
        "status": "ok",
        "build": store.build.name,
        "built": store.manifest.get("built"),
        "counts": store.manifest.get("counts", {}),
    }
