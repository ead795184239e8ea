"""SKOS integrity checks on a dataset (the union of its graphs).

Rules (SKOS Reference numbers in brackets):

* ``pref_label_per_language`` [S14]: at most one skos:prefLabel per language tag per concept.
* ``label_overlap`` [S13]: skos:prefLabel and skos:altLabel of a concept are disjoint.
* ``broader_cycle``: skos:broader (with skos:narrower read backwards) has no cycle, so
  skos:broaderTransitive is irreflexive: no concept is broader than itself.
* ``related_hierarchical`` [S27]: no pair of concepts is linked both by skos:related
  (either direction) and by skos:broader/skos:narrower, directly or transitively.
* ``in_scheme``: every skos:Concept is skos:inScheme the concept scheme.

``check(graph, scheme)`` returns every violation found (empty list: valid).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, SKOS, Graph, URIRef
from rdflib.term import Node

RULES = (
    "pref_label_per_language",
    "label_overlap",
    "broader_cycle",
    "related_hierarchical",
    "in_scheme",
)


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def _triples(source: Graph) -> Iterable[tuple[Node, Node, Node]]:
    """The triples of a Graph, or of all graphs of a Dataset (their union)."""
    if hasattr(source, "quads"):
        for s, p, o, _g in source.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from source


def check(source: Graph, scheme: URIRef | str) -> list[Violation]:
    scheme = URIRef(str(scheme))
    concepts: set[Node] = set()
    schemes: dict[Node, set[Node]] = defaultdict(set)
    pref: dict[Node, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    alt: dict[Node, set[tuple[str, str]]] = defaultdict(set)
    broader: dict[Node, set[Node]] = defaultdict(set)  # child -> parents
    related: set[frozenset[Node]] = set()
    for s, p, o in _triples(source):
        if p == RDF.type and o == SKOS.Concept:
            concepts.add(s)
        elif p == SKOS.inScheme:
            schemes[s].add(o)
        elif p == SKOS.prefLabel:
            pref[s][getattr(o, "language", None) or ""].add(str(o))
        elif p == SKOS.altLabel:
            alt[s].add((getattr(o, "language", None) or "", str(o)))
        elif p == SKOS.broader:
            broader[s].add(o)
        elif p == SKOS.narrower:
            broader[o].add(s)
        elif p == SKOS.related and s != o:
            related.add(frozenset((s, o)))
    found: list[Violation] = []
    for concept, by_lang in pref.items():
        for lang, labels in by_lang.items():
            if len(labels) > 1:
                found.append(
                    Violation(
                        "pref_label_per_language",
                        str(concept),
                        f"{concept} has {len(labels)} prefLabels in "
                        f"{lang or 'no language'}: {sorted(labels)}",
                    )
                )
            overlap = {label for label in labels if (lang, label) in alt.get(concept, ())}
            for label in sorted(overlap):
                found.append(
                    Violation(
                        "label_overlap",
                        str(concept),
                        f"{concept} has {label!r}@{lang or '-'} as both prefLabel and altLabel",
                    )
                )
    ancestors = _ancestors(broader)
    for cycle in _cycles(broader):
        names = " -> ".join(str(c) for c in cycle)
        found.append(
            Violation("broader_cycle", str(cycle[0]), f"skos:broader cycle: {names} -> {cycle[0]}")
        )
    for pair in sorted(related, key=lambda p: sorted(map(str, p))):
        a, b = sorted(pair, key=str)
        if b in ancestors.get(a, ()) or a in ancestors.get(b, ()):
            direct = b in broader.get(a, ()) or a in broader.get(b, ())
            how = "directly" if direct else "transitively"
            found.append(
                Violation(
                    "related_hierarchical",
                    str(a),
                    f"{a} and {b} are skos:related and also {how} broader/narrower",
                )
            )
    for concept in sorted(concepts, key=str):
        if scheme not in schemes.get(concept, ()):
            found.append(
                Violation("in_scheme", str(concept), f"{concept} is not skos:inScheme {scheme}")
            )
    return sorted(found)


def _ancestors(broader: dict[Node, set[Node]]) -> dict[Node, set[Node]]:
    """Every concept's transitive broader concepts (memoised DFS; cycles tolerated)."""
    memo: dict[Node, set[Node]] = {}

    def visit(node: Node) -> set[Node]:
        if node in memo:
            return memo[node]
        memo[node] = set()  # provisional: breaks cycles
        out: set[Node] = set()
        stack = list(broader.get(node, ()))
        seen: set[Node] = set()
        while stack:
            parent = stack.pop()
            if parent in seen:
                continue
            seen.add(parent)
            out.add(parent)
            stack.extend(broader.get(parent, ()))
        memo[node] = out
        return out

    return {node: visit(node) for node in list(broader)}


def _cycles(broader: dict[Node, set[Node]]) -> list[list[Node]]:
    """One representative cycle per strongly connected component that has one
    (Tarjan's algorithm, iterative)."""
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    on_stack: set[Node] = set()
    stack: list[Node] = []
    cycles: list[list[Node]] = []
    counter = 0
    nodes = sorted(set(broader) | {p for ps in broader.values() for p in ps}, key=str)
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(broader.get(root, ()), key=str)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(broader.get(child, ()), key=str))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == node:
                        break
                if len(component) > 1 or node in broader.get(node, ()):
                    cycles.append(sorted(component, key=str))
    return cycles
