"""The concept scheme of a real corpus keeps SKOS's integrity conditions, and the
hierarchy is never written with a cycle."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Graph

from graph.hierarchy import cycle_closing_edges
from graph.rdf import OxigraphToRdflib, _lang, _tagged, _text, scheme_uri
from graph.skos_check import check
from ingest.model import Evidence, Relation
from ingest.pipeline import ingest_paths
from kg.store import build_store

from .conftest import BASE_URI, K8S_DOCS, needs_shared

SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


# Control characters, quotes, backslashes, line and paragraph separators, non-characters,
# Hangul and astral characters, and anything else decoded UTF-8 may hold (no lone
# surrogates: notes are read as UTF-8).
AWKWARD = st.text(st.one_of(st.sampled_from('\\"\n\r\t\b\f\x00\x1f\x7f\u2028\ufffe\uffff'
                                            '파드\U0001f600'),
                            st.characters(exclude_categories=["Cs"])))


@given(AWKWARD)
def test_our_literals_are_written_as_pyoxigraph_writes_them(value: str) -> None:
    """The N-Quads writer formats strings itself (graph/rdf.py says why); its escaping is
    pyoxigraph's canonical one, so graph.nq reads the same whoever wrote it."""
    assert _text(value) == str(ox.Literal(value))
    tag = _lang(value).rpartition("@")[2] if _lang(value).endswith(('"@en', '"@ko')) else None
    assert _lang(value) == str(ox.Literal(value, language=tag) if tag else ox.Literal(value))
    written, _, lang = _tagged(value).rpartition("@")
    assert f"{written}@{lang}" == str(ox.Literal(value, language=lang))


def _relation(source: str, target: str, weight: float = 1.0, kind: str = "broader") -> Relation:
    return Relation(source, target, kind, Evidence("n.md", 1, f"{source} {target}"), weight)


def test_the_weaker_edge_of_a_cycle_is_left_out():
    relations = [_relation("gateway-api", "resource-model", 1.0),
                 _relation("resource-model", "gateway-api", 3.0),
                 _relation("resource-model", "gateway-api", 1.0),
                 _relation("pod", "pod"),
                 _relation("a", "b"), _relation("b", "c"), _relation("c", "a", 0.5),
                 _relation("x", "y", kind="uses"), _relation("y", "x", kind="uses")]
    assert cycle_closing_edges(relations) == {("gateway-api", "resource-model"),
                                              ("pod", "pod"), ("c", "a")}


def test_a_chain_and_a_diamond_are_kept():
    relations = [_relation("a", "b"), _relation("b", "c"), _relation("a", "d"),
                 _relation("d", "c")]
    assert cycle_closing_edges(relations) == set()


def _skos_triples(nquads: str) -> Graph:
    """The SKOS part of a build's graph (type, scheme, labels, hierarchy) as an rdflib
    Graph: what skos_check reads, without loading a million quads into rdflib."""
    graph, convert = Graph(), OxigraphToRdflib()
    for quad in ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS):
        predicate = quad.predicate.value
        if predicate.startswith(SKOS_NS) or predicate == RDF_TYPE:
            graph.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
    return graph


@pytest.mark.corpus
def test_the_kubernetes_docs_keep_every_skos_rule(tmp_path, vocabulary):
    """skos_check on the Kubernetes docs (before the hierarchy guard: the skos:broader
    cycle gateway-api ⇄ resource-model)."""
    docs = needs_shared(K8S_DOCS)
    corpus = ingest_paths([docs], vocabulary, workers=1)
    build = build_store(tmp_path / "store", corpus, base_uri=BASE_URI)
    graph = _skos_triples(str(build / "graph.nq"))
    assert len(graph) > 10_000
    violations = check(graph, scheme_uri(BASE_URI))
    assert violations == [], "\n".join(map(str, violations[:20]))
