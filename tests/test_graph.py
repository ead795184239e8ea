"""Behaviour of graph/: the RDF dataset (named graph per note, SKOS shape, persistence,
exports) and the ConceptGraph the API serves from, on a small hand-built corpus."""

from __future__ import annotations

import copy
import json
import warnings

import pytest
from rdflib import RDF, SKOS, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from graph import rdf
from graph.concept_graph import ConceptGraph
from graph.formats import RDF_FORMATS
from graph.vocab import KG, KG_NS, RELATIONS, relation_stylesheet, relation_types, vocabulary_graph
from ingest.model import Concept, Corpus, Evidence, Note, Relation, Section
from ingest.pipeline import ingest_paths
from ingest.relation_types import RELATION_TYPES
from ingest.vocabulary import load_vocabulary
from kg.settings import REPO_ROOT

BASE = "https://kg.example/k8s/"
WORK = "notes/workloads.md"
SVC = "notes/services.md"


def uri(cid: str) -> URIRef:
    return URIRef(f"{BASE}concept/{cid}")


def make_corpus() -> Corpus:
    """Deployment -leadsTo-> ReplicaSet -manages-> Pod <-selects- Service <-broader- ClusterIP,
    Deployment ~related~ Pod (co-mention, 2 x 0.5), Pod -runsOn-> Node (vocabulary only)."""
    n1 = Note(WORK, "Workloads", [
        Section("workloads", "Workloads", 1, ("Workloads",), 1, 20,
                concepts=["deployment", "replicaset", "pod"]),
        Section("deployment", "Deployment", 2, ("Workloads", "Deployment"), 3, 10,
                parent="workloads", concept="deployment",
                concepts=["deployment", "replicaset", "pod"]),
        Section("replicaset", "ReplicaSet", 2, ("Workloads", "ReplicaSet"), 11, 20,
                parent="workloads", concept="replicaset", concepts=["replicaset", "pod"]),
    ], meta={"tags": ["k8s"]}, lines=20)
    n2 = Note(SVC, "Services", [
        Section("service", "Service", 1, ("Service",), 1, 15, concept="service",
                concepts=["service", "clusterip", "pod"]),
        Section("clusterip", "ClusterIP", 2, ("Service", "ClusterIP"), 8, 15, parent="service",
                concept="clusterip", concepts=["clusterip", "service"]),
    ], lines=15)
    concepts = {
        "deployment": Concept("deployment", "Deployment", {"deploy"}, {},
                              Evidence("A Deployment manages ReplicaSets.", WORK, 4),
                              [(WORK, "deployment")]),
        "replicaset": Concept("replicaset", "ReplicaSet", {"replica set", "rs"}, {},
                              Evidence("A ReplicaSet keeps pods running.", WORK, 12),
                              [(WORK, "replicaset"), (WORK, "deployment")]),
        "pod": Concept("pod", "Pod", {"po"}, {"ko": "파드"}, None,
                       [(WORK, "deployment"), (WORK, "replicaset"), (SVC, "service")]),
        "service": Concept("service", "Service", {"svc"}, {"ko": "서비스"},
                           Evidence("A Service exposes pods.", SVC, 2),
                           [(SVC, "service"), (SVC, "clusterip")]),
        "clusterip": Concept("clusterip", "ClusterIP", set(), {}, None, [(SVC, "clusterip")]),
        "node": Concept("node", "Node", set(), {}, None, [], origin="vocabulary"),
    }
    relations = [
        Relation("deployment", "replicaset", "leadsTo",
                 Evidence("Deployment -> ReplicaSet -> Pod", WORK, 5)),
        Relation("replicaset", "pod", "manages", Evidence("It replaces failed pods.", WORK, 15)),
        Relation("replicaset", "pod", "manages", Evidence("A ReplicaSet manages pods.", WORK, 13)),
        Relation("clusterip", "service", "broader",
                 Evidence("ClusterIP is a kind of Service.", SVC, 9)),
        Relation("service", "pod", "selects", Evidence("A Service selects pods by label.", SVC, 3)),
        Relation("deployment", "pod", "related", Evidence("Deployment and Pod.", WORK, 6), 0.5),
        Relation("deployment", "pod", "related", Evidence("Deployment and Pod again.", WORK, 8),
                 0.5),
        Relation("pod", "node", "runsOn", Evidence("Pods run on nodes.", WORK, 14)),
    ]
    return Corpus([n1, n2], concepts, relations)


def without_note(corpus: Corpus, path: str) -> Corpus:
    smaller = copy.deepcopy(corpus)
    smaller.notes = [note for note in smaller.notes if note.path != path]
    return smaller


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return make_corpus()


@pytest.fixture(scope="module")
def ds(corpus: Corpus) -> Dataset:
    return rdf.corpus_to_dataset(corpus, BASE)


@pytest.fixture(scope="module")
def cg(ds: Dataset) -> ConceptGraph:
    return ConceptGraph.from_dataset(ds, BASE)


def graphs_of(ds: Dataset) -> dict[str, Graph]:
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


def assert_same_dataset(a: Dataset, b: Dataset) -> None:
    ga, gb = graphs_of(a), graphs_of(b)
    assert sorted(ga) == sorted(gb)
    for name in ga:
        assert isomorphic(ga[name], gb[name]), name


# ----------------------------------------------------------------------------- vocabulary


def test_vocab_fails_on_unknown_terms_and_covers_every_relation_type() -> None:
    with pytest.raises(AttributeError):
        KG.managez  # noqa: B018
    assert list(RELATIONS) == list(RELATION_TYPES)
    for name, spec in RELATIONS.items():
        if name in ("broader", "related"):
            assert spec.predicate == SKOS[name]
        else:  # our vocabulary's namespace
            assert spec.predicate == URIRef(KG_NS + name)
    ids = [r["id"] for r in relation_types()]
    assert ids == list(RELATION_TYPES)
    assert all(set(r) == {"id", "label", "inverseLabel", "description", "predicate", "colour",
                          "dash"} for r in relation_types())


def test_relation_stylesheet_gives_every_type_a_colour_per_scheme_and_a_dash() -> None:
    css = relation_stylesheet()
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    for name, spec in RELATION_TYPES.items():
        assert f"--r-{name}: {spec.colour};" in light
        assert f"--r-{name}: {spec.colour_dark};" in dark
        assert f".rel-{name} {{ --c: var(--r-{name}); --dash: {spec.dash}; }}" in css


def test_vocabulary_graph_documents_every_kg_term() -> None:
    g = vocabulary_graph()
    from rdflib import RDFS

    for name in KG.__annotations__:
        term = KG[name]
        assert (term, RDFS.label, None) in g, name
        assert (term, RDFS.comment, None) in g, name
    for spec in RELATIONS.values():  # the relation predicates of our namespace too
        if str(spec.predicate).startswith(KG_NS):
            assert (spec.predicate, RDFS.label, None) in g, spec.id
    Graph().parse(data=g.serialize(format="turtle"), format="turtle")


# ----------------------------------------------------------------------------- dataset


def test_named_graph_per_note_plus_scheme(ds: Dataset) -> None:
    names = set(graphs_of(ds))
    assert names == {f"{BASE}note/{WORK}", f"{BASE}note/{SVC}", f"{BASE}scheme"}
    work = ds.graph(URIRef(f"{BASE}note/{WORK}"))
    assert (uri("replicaset"), RELATIONS["manages"].predicate, uri("pod")) in work
    assert (uri("clusterip"), SKOS.broader, uri("service")) not in work


def test_removing_a_note_graph_equals_building_without_it(corpus: Corpus) -> None:
    """All a note says lives in its graph: dropping that graph leaves what a build
    without the note writes (but the scheme's top concepts, which the next build
    writes afresh)."""
    scheme = rdf.scheme_uri(BASE)
    for path in (WORK, SVC):
        full = rdf.corpus_to_dataset(corpus, BASE)
        full.remove_graph(rdf.note_uri(BASE, path))
        without = rdf.corpus_to_dataset(without_note(corpus, path), BASE)
        for dataset in (full, without):
            dataset.remove_graph(scheme)
        assert_same_dataset(full, without)
    # The other note's graph is untouched by the removal.
    full = rdf.corpus_to_dataset(corpus, BASE)
    before = Graph()
    for t in full.graph(URIRef(f"{BASE}note/{SVC}")):
        before.add(t)
    full.remove_graph(URIRef(f"{BASE}note/{WORK}"))
    assert isomorphic(before, full.graph(URIRef(f"{BASE}note/{SVC}")))


def test_skos_shape(ds: Dataset) -> None:
    g = rdf.union_graph(ds)
    pod = uri("pod")
    assert (pod, RDF.type, SKOS.Concept) in g
    assert set(g.objects(pod, SKOS.prefLabel)) == {Literal("Pod", lang="en"),
                                                   Literal("파드", lang="ko")}
    assert (pod, SKOS.altLabel, Literal("po", lang="en")) in g
    assert (uri("clusterip"), SKOS.broader, uri("service")) in g
    assert (uri("service"), SKOS.narrower, uri("clusterip")) in g
    assert (uri("deployment"), SKOS.related, uri("pod")) in g
    scheme = URIRef(f"{BASE}scheme")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert (scheme, SKOS.hasTopConcept, uri("service")) in g
    assert (scheme, SKOS.hasTopConcept, uri("clusterip")) not in g
    # The definition lives only in the note that holds its evidence.
    defs = [(str(c), o) for s, p, o, c in ds.quads((uri("service"), SKOS.definition,
                                                                None, None))]
    assert defs == [(f"{BASE}note/{SVC}", Literal("A Service exposes pods.", lang="en"))]
    assert (uri("service"), KG.definedIn, URIRef(f"{BASE}note/{SVC}#service")) in g
    assert (uri("service"), KG.mentionedIn, URIRef(f"{BASE}note/{SVC}#clusterip")) in g
    # Vocabulary-only concepts, and relations to them, are not in the graph at all.
    assert not list(g.triples((uri("node"), None, None)))
    assert not list(g.triples((None, None, uri("node"))))


def test_a_relation_is_one_statement_per_note_with_its_evidence(ds: Dataset) -> None:
    from rdflib import PROV

    g = rdf.union_graph(ds)
    nodes = set(g.subjects(RDF.predicate, RELATIONS["manages"].predicate))
    assert len(nodes) == 1  # two occurrences in one note: one statement
    (node,) = nodes
    assert g.value(node, RDF.subject) == uri("replicaset")
    assert g.value(node, RDF.object) == uri("pod")
    assert float(g.value(node, KG.weight)) == 2.0
    assert str(g.value(node, KG.path)) == WORK
    places = list(g.objects(node, KG.evidence))
    assert sorted(int(g.value(e, KG.line)) for e in places) == [13, 15]
    for place in places:
        assert g.value(place, KG.evidenceText)
        assert g.value(place, PROV.wasDerivedFrom) == URIRef(f"{BASE}note/{WORK}#replicaset")


@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_every_export_format_parses_back(ds: Dataset, fmt: str) -> None:
    body, mimetype = rdf.export(ds, fmt)
    spec = RDF_FORMATS[fmt]
    rdflib_format, keeps_graphs = spec.rdflib, spec.keeps_graphs
    assert mimetype == spec.media_type
    with warnings.catch_warnings():  # rdflib 7.6's own parsers use deprecated Dataset APIs
        warnings.simplefilter("ignore", DeprecationWarning)
        if keeps_graphs:
            back = Dataset()
            back.parse(data=body, format=rdflib_format)
            assert_same_dataset(ds, back)
        else:
            back_g = Graph()
            back_g.parse(data=body, format=rdflib_format)
            assert isomorphic(rdf.union_graph(ds), back_g)


def test_export_unknown_format_names_allowed_values(ds: Dataset) -> None:
    with pytest.raises(ValueError, match="turtle.*json-ld"):
        rdf.export(ds, "yaml")


# ----------------------------------------------------------------------------- ConceptGraph


def test_concept_graph_save_load_equal(cg: ConceptGraph, tmp_path) -> None:
    path = tmp_path / "graph.json"
    cg.save(path)
    again = ConceptGraph.load(path)
    assert again == cg
    assert again.related("deployment", depth=2) == cg.related("deployment", depth=2)


def test_concept_graph_from_loaded_dataset_equal(cg: ConceptGraph, corpus: Corpus,
                                                tmp_path) -> None:
    rdf.write_corpus_nquads(corpus, BASE, tmp_path / "g.nq")
    assert ConceptGraph.from_dataset(rdf.load_dataset(tmp_path / "g.nq"), BASE) == cg


def test_an_edge_is_a_record_named_by_source_relation_and_target(cg: ConceptGraph) -> None:
    manages = cg.edge("replicaset", "manages", "pod")
    assert manages is not None
    assert (manages.source, manages.relation, manages.target) == ("replicaset", "manages", "pod")
    assert manages.weight == 2.0 and [e.line for e in manages.evidence] == [13, 15]
    assert cg.edge("pod", "manages", "replicaset") is None  # edges have a direction
    assert cg.edge("replicaset", "selects", "pod") is None
    assert manages in list(cg.edges())
    assert {e.relation for e in cg.edges()} >= {"related", "manages"}  # co-mentions too


def test_stats_and_edge_aggregation(cg: ConceptGraph) -> None:
    assert cg.stats() == {"concepts": 5, "relations": 5, "notes": 2}
    manages = [r for r in cg.related("pod") if r["id"] == "replicaset"][0]
    assert manages["relation"] == "manages" and manages["direction"] == "in"
    assert manages["weight"] == 2.0
    assert [e["line"] for e in manages["evidence"]] == [13, 15]  # ordered by path/line
    co = [r for r in cg.related("pod") if r["id"] == "deployment"][0]
    assert co["relation"] == "related" and co["weight"] == 1.0


@pytest.mark.parametrize("key,expected", [
    ("pod", "pod"), ("Pod", "pod"), ("Pods", "pod"), ("PODS", "pod"), ("파드", "pod"),
    ("svc", "service"), ("Services", "service"), ("서비스", "service"),
    ("replica set", "replicaset"), ("Replica-Sets", "replicaset"), ("rs", "replicaset"),
    ("cluster ip", "clusterip"), ("nope", None), ("", None), ("node", None),
])
def test_resolve(cg: ConceptGraph, key: str, expected: str | None) -> None:
    assert cg.resolve(key) == expected


def test_concept_detail(cg: ConceptGraph) -> None:
    c = cg.concept("service")
    assert c is not None
    assert c["uri"] == f"{BASE}concept/service"
    assert c["label"] == "Service" and c["altLabels"] == ["svc"]
    assert c["translations"] == {"ko": "서비스"}
    assert c["definition"] == {"text": "A Service exposes pods.", "path": SVC, "line": 2}
    assert c["narrower"] == [{"id": "clusterip", "label": "ClusterIP"}]
    assert c["broader"] == []
    assert c["related"][0]["id"] == "pod" and c["related"][0]["direction"] == "out"
    assert c["sources"][0] == {"path": SVC, "anchor": "service", "line": 1, "title": "Service"}
    assert cg.concept("clusterip")["broader"] == [{"id": "service", "label": "Service"}]
    assert cg.concept("nope") is None


def test_concepts_paging(cg: ConceptGraph) -> None:
    total, page = cg.concepts(limit=2, offset=0)
    assert total == 5
    assert [c["label"] for c in page] == ["ClusterIP", "Deployment"]
    assert [c["label"] for c in cg.concepts(10, 2)[1]] == ["Pod", "ReplicaSet", "Service"]
    assert cg.concepts(10, 99) == (5, [])


def test_suggest_ranking(cg: ConceptGraph) -> None:
    # exact alias "po" beats nothing else; "p" is a label prefix of Pod only
    assert [s["id"] for s in cg.suggest("po")] == ["pod"]
    assert cg.suggest("po")[0]["matched"] == "po"
    # label prefix (Service, via "s") ranks before alias prefix (ReplicaSet via "rs"? no: "s")
    assert [s["id"] for s in cg.suggest("s")] == ["service"]
    assert [s["id"] for s in cg.suggest("re")] == ["replicaset"]
    assert [s["id"] for s in cg.suggest("replica s")] == ["replicaset"]
    assert cg.suggest("파")[0]["id"] == "pod"
    assert cg.suggest("") == [] and cg.suggest("zzz") == []
    assert len(cg.suggest("", limit=0)) == 0


def test_suggest_orders_exact_label_then_alias_then_prefix() -> None:
    corpus = make_corpus()
    # "Deploy" is now both an exact label (new concept) and an exact alias of Deployment.
    corpus.concepts["deploy"] = Concept("deploy", "Deploy", set(), {}, None, [(WORK, "workloads")])
    corpus.concepts["deploymentstrategy"] = Concept(
        "deploymentstrategy", "DeploymentStrategy", {"rollout"}, {}, None, [(WORK, "deployment")])
    g = ConceptGraph.from_dataset(rdf.corpus_to_dataset(corpus, BASE), BASE)
    # exact label > exact alias > label prefix (higher degree first)
    assert [s["id"] for s in g.suggest("deploy")] == ["deploy", "deployment", "deploymentstrategy"]
    assert g.suggest("roll")[0] == {"id": "deploymentstrategy", "label": "DeploymentStrategy",
                                    "matched": "rollout"}


def test_did_you_mean(cg: ConceptGraph) -> None:
    assert cg.did_you_mean("deploymnt")[0]["id"] == "deployment"
    assert cg.did_you_mean("servce", n=1) == [{"id": "service", "label": "Service"}]
    assert cg.did_you_mean("qqqqqq") == []


def test_close_spellings_follow_search_typo_allowance(cg: ConceptGraph) -> None:
    # one edit is forgiven from 5 letters, none below (search.spelling.allowed_typos)
    assert cg.close_spellings("servce", 1) == [("service", "service")]
    assert cg.close_spellings("pdo") == []


def test_related_typed_before_co_mention_and_depth(cg: ConceptGraph) -> None:
    one = cg.related("deployment")
    assert [(r["id"], r["relation"], r["direction"], r["distance"]) for r in one] == [
        ("replicaset", "leadsTo", "out", 1),
        ("pod", "related", "out", 1),
    ]
    assert one[0]["score"] > one[1]["score"]
    two = cg.related("deployment", depth=2)
    service = [r for r in two if r["id"] == "service"][0]
    assert service["distance"] == 2 and service["via"] == ["pod"]
    assert service["relation"] == "selects" and service["direction"] == "in"
    assert service["evidence"][0]["line"] == 3
    assert "clusterip" not in {r["id"] for r in two}
    assert "clusterip" in {r["id"] for r in cg.related("deployment", depth=3)}
    assert [r["id"] for r in cg.related("deployment", relations={"leadsTo"})] == ["replicaset"]
    assert len(cg.related("deployment", depth=3, limit=2)) == 2
    assert cg.related("nope") == []


def test_paths_explained_and_k_best(cg: ConceptGraph) -> None:
    paths = cg.paths("deployment", "clusterip", k=3)
    assert len(paths) == 2  # only two loopless routes exist
    best = paths[0]
    assert [n["id"] for n in best["nodes"]] == [
        "deployment", "replicaset", "pod", "service", "clusterip"]
    assert [(e["relation"], e["direction"]) for e in best["edges"]] == [
        ("leadsTo", "out"), ("manages", "out"), ("selects", "in"), ("broader", "in")]
    assert best["edges"][1]["evidence"][0]["text"] == "A ReplicaSet manages pods."
    second = paths[1]
    assert [n["id"] for n in second["nodes"]] == ["deployment", "pod", "service", "clusterip"]
    assert second["edges"][0]["relation"] == "related"
    assert best["cost"] < second["cost"]
    assert cg.paths("deployment", "clusterip", max_len=3)[0]["nodes"][1]["id"] == "pod"
    assert cg.paths("deployment", "clusterip", relations={"leadsTo", "manages"}) == []
    assert cg.paths("deployment", "nope") == []
    assert cg.paths("pod", "pod")[0]["edges"] == []


def test_neighbourhood_bounds(cg: ConceptGraph) -> None:
    around = cg.neighbourhood("pod", depth=1)
    assert around["nodes"][0] == {"id": "pod", "label": "Pod", "kind": "focus", "degree": 3}
    assert {n["id"] for n in around["nodes"]} == {"pod", "replicaset", "service", "deployment"}
    ids = {n["id"] for n in around["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in around["edges"])
    small = cg.neighbourhood("pod", depth=3, limit=2)
    assert len(small["nodes"]) == 2
    assert cg.neighbourhood("pod", min_weight=1.5)["edges"] == [
        {"source": "replicaset", "target": "pod", "relation": "manages", "weight": 2.0,
         "confidence": 0.575}]
    top = cg.neighbourhood(None, limit=3)
    assert top["nodes"][0]["id"] == "pod" and len(top["nodes"]) == 3
    assert cg.neighbourhood("nope") == {"nodes": [], "edges": []}


def test_relation_types_delegate(cg: ConceptGraph) -> None:
    assert cg.relation_types() == relation_types()


def test_the_view_from_quads_equals_the_view_from_their_dataset(corpus: Corpus) -> None:
    assert ConceptGraph.from_quads(rdf.corpus_quads(corpus, BASE), BASE) == \
        ConceptGraph.from_dataset(rdf.corpus_to_dataset(corpus, BASE), BASE)


def test_the_build_writes_the_dataset_and_reads_its_view_from_the_corpus(
        corpus: Corpus, tmp_path) -> None:
    """The build never parses its own quads back: the N-Quads text and the ConceptGraph
    both come from the corpus, and must say what the rdflib dataset says."""
    path = tmp_path / "graph.nq"
    rdf.write_corpus_nquads(corpus, BASE, path)
    assert_same_dataset(rdf.corpus_to_dataset(corpus, BASE), rdf.load_dataset(path))
    assert ConceptGraph.from_corpus(corpus, BASE) == ConceptGraph.from_dataset(
        rdf.load_dataset(path), BASE)


@pytest.mark.parametrize("notes", ["data/notes", "tests/fixtures"])
def test_view_from_corpus_equals_view_from_quads_on_real_notes(notes: str) -> None:
    real = ingest_paths([REPO_ROOT / notes], load_vocabulary())
    assert real.relations
    assert ConceptGraph.from_corpus(real, BASE) == ConceptGraph.from_quads(
        rdf.corpus_quads(real, BASE), BASE)


def test_a_build_copies_unchanged_note_graphs_from_the_previous_one(tmp_path) -> None:
    notes = REPO_ROOT / "data" / "notes"
    before = ingest_paths([notes], load_vocabulary())
    old = tmp_path / "old.nq"
    rdf.write_corpus_nquads(before, BASE, old)
    edited = copy.deepcopy(before)
    note = edited.notes[0]
    note.title += " (edited)"
    note.digest = "edited"
    fresh, reused = tmp_path / "fresh.nq", tmp_path / "reused.nq"
    rdf.write_corpus_nquads(edited, BASE, fresh)
    rdf.write_corpus_nquads(edited, BASE, reused, previous=old)
    assert reused.read_bytes() == fresh.read_bytes()  # byte for byte a full write
    assert "(edited)" in reused.read_text() and "(edited)" not in old.read_text()

    old.write_bytes(old.read_bytes()[:1000])  # a previous file cut short is not trusted
    rdf.write_corpus_nquads(edited, BASE, reused, previous=old)
    assert reused.read_bytes() == fresh.read_bytes()


def test_a_concept_graph_saved_by_an_earlier_kg_still_loads(cg: ConceptGraph, tmp_path) -> None:
    """Format 1 wrote each evidence's sentence and path in full."""
    cg.save(tmp_path / "graph.json")
    data = json.loads((tmp_path / "graph.json").read_text())
    texts, paths = data.pop("texts"), data.pop("paths")
    for edge in data["edges"]:
        edge[4] = [[texts[t], paths[p], line] for t, p, line in edge[4]]
    data["version"] = 1
    (tmp_path / "old.json").write_text(json.dumps(data))
    old = ConceptGraph.load(tmp_path / "old.json")
    assert old.related("pod") == cg.related("pod") and old.related("pod")[0]["evidence"]
