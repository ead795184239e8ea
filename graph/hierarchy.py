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
from collections.abc import Container, Iterable
from dataclasses import dataclass

from ingest.model import Relation

from .vocab import RELATIONS

log = logging.getLogger(__name__)


def graph_relations(
    relations: Iterable[Relation], notes: Container[str], present: Container[str]
) -> list[Relation]:
    """The relations a graph is built from: read in a note it holds, between concepts it
    holds, of a type it knows. The RDF, the concept graph and lint's cycles all start
    from these, so they agree on which statement closes a cycle."""
    return [
        r
        for r in relations
        if r.evidence.path in notes
        and r.source in present
        and r.target in present
        and r.type in RELATIONS
    ]


def cycle_closing_edges(relations: Iterable[Relation]) -> set[tuple[str, str]]:
    """(source, target) of the hierarchical edges to leave out so none closes a cycle."""
    refused, _parents = _split(relations)
    for child, parent in refused:
        log.warning("skos:broader %s -> %s left out: it would close a cycle", child, parent)
    return set(refused)


@dataclass(frozen=True, slots=True)
class Cycle:
    """A skos:broader cycle the notes state: ``concepts`` in order (each is a kind of
    the next, the last of the first), ``evidence`` one reading of each of those edges,
    and ``left_out`` the edge the graph drops (:func:`cycle_closing_edges`)."""

    concepts: tuple[str, ...]
    evidence: tuple[Relation, ...]
    left_out: tuple[str, str]


def broader_cycles(relations: Iterable[Relation]) -> list[Cycle]:
    """Each cycle once, for the author to fix (``kg lint``): the edge the graph leaves
    out and the shortest way back through the edges it keeps. A ⇄ B is one cycle."""
    relations = list(relations)
    refused, parents = _split(relations)
    readings: dict[tuple[str, str], Relation] = {}
    for r in sorted(relations, key=lambda r: (r.evidence.path, r.evidence.line)):
        spec = RELATIONS.get(r.type)
        if spec is not None and spec.hierarchical:
            readings.setdefault((r.source, r.target), r)
    cycles = []
    for child, parent in refused:
        way_back = _shortest_way(parents, parent, child) if child != parent else [child]
        concepts = (child, *way_back[:-1])
        edges = zip(concepts, (*concepts[1:], child))
        cycles.append(Cycle(concepts, tuple(readings[edge] for edge in edges), (child, parent)))
    return cycles


def _split(relations: Iterable[Relation]) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    """The hierarchical edges refused (strongest first, as met) and the parents kept:
    edges are taken strongest first (weight summed over the corpus), and one whose
    target already reaches its source is refused."""
    weights: dict[tuple[str, str], float] = {}
    for r in relations:
        spec = RELATIONS.get(r.type)
        if spec is not None and spec.hierarchical:
            weights[(r.source, r.target)] = weights.get((r.source, r.target), 0.0) + r.weight
    parents: dict[str, set[str]] = {}
    refused: list[tuple[str, str]] = []
    for (child, parent), _ in sorted(weights.items(), key=lambda item: (-item[1], item[0])):
        if _reaches(parents, parent, child):
            refused.append((child, parent))
            continue
        parents.setdefault(child, set()).add(parent)
    return refused, parents


def _shortest_way(parents: dict[str, set[str]], start: str, goal: str) -> list[str]:
    """The concepts from ``start`` up to ``goal`` (both included) by the fewest kept
    edges; the one the refused edge found (``_reaches``) exists, as edges are only added."""
    came_from: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier and goal not in came_from:
        level = []
        for node in frontier:
            for parent in sorted(parents.get(node, ())):
                if parent not in came_from:
                    came_from[parent] = node
                    level.append(parent)
        frontier = level
    way: list[str] = []
    step: str | None = goal
    while step is not None:
        way.append(step)
        step = came_from[step]
    return way[::-1]


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
