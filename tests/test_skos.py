"""SKOS integrity (graph/skos_check.py) on our notes, the seed notes and broken graphs."""

from __future__ import annotations

import pytest
from rdflib import RDF, SKOS, Graph, Literal, URIRef

from graph.rdf import scheme_uri
from graph.skos_check import RULES, check

from .conftest import BASE_URI

SCHEME = scheme_uri(BASE_URI)
# Known violation, reported to the ingest owner: co-mention is written as skos:related,
# also for pairs that a note states as broader/narrower (e.g. ClusterIP/NodePort/
# LoadBalancer/ExternalName vs Service, Deployment/ReplicaSet vs Controller). SKOS S27
# makes skos:related disjoint from skos:broaderTransitive.
KNOWN = "related_hierarchical"


def _rules(violations) -> set[str]:
    return {v.rule for v in violations}


@pytest.mark.parametrize("fixture", ["notes_build", "seed_build"])
def test_real_graphs_keep_every_rule(fixture, request):
    store = request.getfixturevalue(fixture)[1]
    violations = check(store.dataset, SCHEME)
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.parametrize("fixture", ["notes_build", "seed_build"])
def test_real_graphs_related_disjoint_from_hierarchy(fixture, request):
    store = request.getfixturevalue(fixture)[1]
    violations = [v for v in check(store.dataset, SCHEME) if v.rule == KNOWN]
    assert violations == [], "\n".join(map(str, violations))


C = {name: URIRef(f"{BASE_URI}concept/{name}") for name in "abcdef"}


def valid_graph() -> Graph:
    g = Graph()
    for name, uri in C.items():
        g.add((uri, RDF.type, SKOS.Concept))
        g.add((uri, SKOS.inScheme, SCHEME))
        g.add((uri, SKOS.prefLabel, Literal(name.upper(), lang="en")))
    g.add((C["b"], SKOS.broader, C["a"]))
    g.add((C["c"], SKOS.broader, C["b"]))
    g.add((C["a"], SKOS.narrower, C["b"]))
    g.add((C["d"], SKOS.related, C["e"]))
    g.add((C["a"], SKOS.prefLabel, Literal("에이", lang="ko")))
    g.add((C["a"], SKOS.altLabel, Literal("Alpha", lang="en")))
    return g


def test_a_valid_graph_passes():
    assert check(valid_graph(), SCHEME) == []


@pytest.mark.parametrize("rule, breaks", [
    ("pref_label_per_language",
     [(C["a"], SKOS.prefLabel, Literal("Another", lang="en"))]),
    ("label_overlap", [(C["a"], SKOS.altLabel, Literal("A", lang="en"))]),
    ("broader_cycle", [(C["a"], SKOS.broader, C["c"])]),  # a > b > c > a
    ("broader_cycle", [(C["f"], SKOS.broader, C["f"])]),
    ("broader_cycle", [(C["c"], SKOS.narrower, C["a"])]),  # narrower read backwards
    ("related_hierarchical", [(C["b"], SKOS.related, C["a"])]),  # direct
    ("related_hierarchical", [(C["a"], SKOS.related, C["c"])]),  # transitive
    ("in_scheme", [(URIRef(f"{BASE_URI}concept/lonely"), RDF.type, SKOS.Concept)]),
])
def test_each_violation_is_caught(rule, breaks):
    graph = valid_graph()
    for triple in breaks:
        graph.add(triple)
    violations = check(graph, SCHEME)
    assert rule in _rules(violations), violations
    assert _rules(violations) <= {rule}
    assert all(v.message for v in violations)


def test_wrong_scheme_is_caught():
    graph = valid_graph()
    graph.remove((C["d"], SKOS.inScheme, SCHEME))
    graph.add((C["d"], SKOS.inScheme, URIRef("http://example.org/other")))
    assert [v.subject for v in check(graph, SCHEME)] == [str(C["d"])]


def test_rules_are_documented():
    import graph.skos_check as module

    assert all(rule in module.__doc__ for rule in RULES)
