"""``kg review``'s queue: what most needs the author's eye, least confident first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.review import read_review
from ingest.text import label_key
from kg.store import Store


def review_queue(store: Store, review: Path | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """What most needs the author's eye, least confident first: typed relations (with
    their first evidence line) and concepts (scored by their best typed relation), in
    turns, minus what the review file already decides."""
    decided: set[tuple[str, ...]] = set()
    if review is not None and review.exists():
        for d in read_review(review).decisions:
            decided.add((label_key(d.subject), d.type, label_key(d.target)))
            decided.add((label_key(d.subject), d.value, label_key(d.target)))
            decided.add((label_key(d.target), d.type, label_key(d.subject)))
    graph = store.graph
    items: list[dict[str, Any]] = []
    best: dict[str, float] = {}
    for edge in graph.typed_edges():
        source, rtype, target, confidence = (
            edge["source"],
            edge["relation"],
            edge["target"],
            edge["confidence"],
        )
        best[source] = max(best.get(source, 0.0), confidence)
        best[target] = max(best.get(target, 0.0), confidence)
        source_label, target_label = graph.label_in(source, None), graph.label_in(target, None)
        if (
            confidence >= 1.0
            or (label_key(source_label or source), rtype, label_key(target_label or target))
            in decided
        ):
            continue
        items.append(
            {
                "kind": "relation",
                "source": source_label,
                "type": rtype,
                "target": target_label,
                "confidence": confidence,
                "weight": edge["weight"],
                "evidence": edge["evidence"],
            }
        )
    for ref in graph.concepts(len(graph))[1]:
        concept = graph.concept(ref["id"])
        if concept is None or (label_key(concept["label"]),) in decided:
            continue
        evidence = concept["definition"]
        if evidence is None and concept["sources"]:
            first = concept["sources"][0]
            evidence = {"text": first["title"], "path": first["path"], "line": first["line"]}
        items.append(
            {
                "kind": "concept",
                "label": concept["label"],
                "confidence": best.get(concept["id"], 0.5),
                "evidence": evidence,
            }
        )
    order = lambda i: (
        i["confidence"],
        i.get("label") or i["source"],
        i.get("type", ""),
        i.get("target", ""),
    )
    relations = sorted((i for i in items if i["kind"] == "relation"), key=order)
    concepts = sorted((i for i in items if i["kind"] == "concept"), key=order)
    # Taken in turns, so that neither kind crowds out the other (on the Kubernetes docs
    # hundreds of concepts with no typed relation would otherwise come first).
    turns = [item for pair in zip(relations, concepts) for item in pair]
    rest = relations[len(concepts) :] or concepts[len(relations) :]
    return (turns + rest)[:limit]
