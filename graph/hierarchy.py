"""The broader/narrower hierarchy must stay a hierarchy: no skos:broader cycle.

Extraction can read "A is a kind of B" in one note and "B is a kind of A" in another
(gateway-api ⇄ resource-model in the Kubernetes docs). SKOS makes skos:broaderTransitive
irreflexive, so such a pair is not written: hierarchical edges are taken strongest
first (their weight summed over the corpus), and one whose target already reaches its
source is refused and logged. The RDF writer and the ConceptGraph both drop the same
edges (:func:`cycle_closing_edges`), so the two views stay equal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ingest.model import Relation

from .vocab import RELATIONS

log = logging.getLogger(__name__)


def cycle_closing_edges(relations: Iterable[Relation]) -> set[tuple[str, str]]:
    """(source, target) of the hierarchical edges to leave out so none closes a cycle."""
    weights: dict[tuple[str, str], float] = {}
    for r in relations:
        spec = RELATIONS.get(r.type)
        if spec is not None and spec.hierarchical:
            weights[(r.source, r.target)] = weights.get((r.source, r.target), 0.0) + r.weight
    parents: dict[str, set[str]] = {}
    refused: set[tuple[str, str]] = set()
    for (child, parent), _ in sorted(weights.items(), key=lambda item: (-item[1], item[0])):
        if _reaches(parents, parent, child):
            refused.add((child, parent))
            log.warning("skos:broader %s -> %s left out: it would close a cycle", child, parent)
            continue
        parents.setdefault(child, set()).add(parent)
    return refused


def _reaches(parents: dict[str, set[str]], start: str, goal: str) -> bool:
    """Whether ``goal`` is ``start`` or one of its ancestors."""
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(parents.get(node, ()))
    return False
