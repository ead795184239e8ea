"""The graph evaluation (python -m eval.graph): stable samples, the precision arithmetic,
judgment files and gold files, on a tiny synthetic corpus rather than the real one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from eval import gold, judgments
from eval.graph import (
    GOLD,
    definition_problems,
    edge_confidences,
    occurrences,
    relation_report,
    shown_by_default,
)
from eval.sampling import Estimate, quotas, ranked, stratified, unjudged_population, \
    weighted_precision, weighted_stderr
from graph.concept_graph import ConceptGraph
from ingest.model import Concept, Corpus, Evidence, Note, Relation, Section
from ingest.relation_types import RELATION_TYPES


@dataclass(frozen=True)
class ConfidentRelation:
    """A relation as extraction may give it once it carries a confidence."""

    source: str
    target: str
    type: str
    evidence: Evidence
    confidence: float
    weight: float = 1.0
    explicit: bool = False
    label: str = ""


def tiny_corpus(relations: list) -> Corpus:
    """One note, one section, concepts a..e, and the given relations."""
    section = Section(anchor="s", title="S", level=1, breadcrumb=("S",), line=1, end_line=50)
    concepts = {cid: Concept(cid, cid.upper(), sections=[("n.txt", "s")]) for cid in "abcde"}
    return Corpus(notes=[Note("n.txt", "N", [section])], concepts=concepts,
                  relations=relations)


def rel(source: str, rtype: str, target: str, line: int, text: str = "") -> Relation:
    return Relation(source, target, rtype, Evidence(text or f"sentence {line}", "n.txt", line))


# -- stable sampling -----------------------------------------------------------------------
def test_an_item_keeps_its_rank_whatever_else_is_extracted():
    keys = [("n.txt", f"sentence {i}", "A", "uses", "B") for i in range(50)]
    more = keys + [("m.txt", f"other {i}", "C", "uses", "D") for i in range(50)]
    order, bigger = ranked(keys), ranked(more)
    assert [k for k in bigger if k in set(keys)] == order
    assert ranked(list(reversed(keys))) == order


def test_a_stratum_sample_is_a_prefix_of_its_rank_order():
    keys = [str(i) for i in range(100)]
    small = stratified({"uses": keys}, size=10, floor=0)["uses"]
    large = stratified({"uses": keys}, size=30, floor=0)["uses"]
    assert large[:10] == small and len(large) == 30


def test_quotas_give_every_stratum_its_floor_and_share_the_rest_by_size():
    wanted = quotas({"uses": 3000, "manages": 1000, "leadsTo": 8, "related": 0}, 300, 25)
    assert sum(wanted.values()) == 300
    assert wanted["leadsTo"] == 8 and wanted["related"] == 0
    assert wanted["uses"] > wanted["manages"] > 25


def test_quotas_never_ask_for_more_than_a_stratum_has():
    assert quotas({"a": 3, "b": 4}, 300, 25) == {"a": 3, "b": 4}


# -- precision arithmetic ------------------------------------------------------------------
def test_overall_precision_weights_each_type_by_its_population():
    estimates = {"uses": Estimate(300, 10, 10, 5), "broader": Estimate(100, 10, 10, 10)}
    assert weighted_precision(estimates) == pytest.approx(0.75 * 0.5 + 0.25 * 1.0)


def test_the_spread_shrinks_to_nothing_when_a_stratum_is_judged_in_full():
    sampled = {"uses": Estimate(400, 100, 100, 50)}
    assert weighted_stderr(sampled) == pytest.approx((0.25 / 100 * 0.75) ** 0.5)
    assert weighted_stderr({"uses": Estimate(100, 100, 100, 50)}) == 0.0


def test_a_type_with_nothing_judged_is_left_out_and_reported():
    estimates = {"uses": Estimate(300, 10, 10, 5), "selects": Estimate(100, 10, 0, 0)}
    assert weighted_precision(estimates) == pytest.approx(0.5)
    assert unjudged_population(estimates) == 100
    assert weighted_precision({"selects": Estimate(100, 10, 0, 0)}) is None


def test_relation_report_on_a_tiny_corpus():
    corpus = tiny_corpus([rel("a", "uses", "b", 1), rel("a", "uses", "c", 2),
                          rel("a", "uses", "d", 3), rel("b", "broader", "a", 4),
                          rel("a", "related", "b", 1)])
    found = occurrences(corpus)
    assert {o.type for o in found.values()} == {"uses", "broader"}  # co-mention is not typed
    key = {o.row["target"]: o.key for o in found.values() if o.type == "uses"}
    broader = next(o.key for o in found.values() if o.type == "broader")
    verdicts = {key["B"]: True, key["C"]: False, key["D"]: False, broader: True}
    report = relation_report(found, verdicts, shown_by_default, size=10, floor=5)
    assert report.estimates["uses"] == Estimate(3, 3, 3, 1)
    assert report.precision == pytest.approx(3 / 4 * 1 / 3 + 1 / 4 * 1.0)
    assert report.unjudged == []


def test_the_same_sentence_read_twice_is_one_occurrence():
    corpus = tiny_corpus([rel("a", "uses", "b", 1, "A uses B."),
                          rel("a", "uses", "b", 9, "A uses B.")])
    assert len(occurrences(corpus)) == 1


def test_shown_by_default_filters_by_confidence_when_there_is_one():
    evidence = Evidence("A uses B.", "n.txt", 1)
    sure, unsure = (ConfidentRelation("a", "b", "uses", evidence, c) for c in (0.9, 0.2))
    corpus = tiny_corpus([sure, unsure, ConfidentRelation("a", "c", "uses", evidence, 0.2)])
    found = occurrences(corpus)
    by_target = {o.row["target"]: o.key for o in found.values()}
    verdicts = {by_target["B"]: True, by_target["C"]: False}
    report = relation_report(found, verdicts, shown_by_default, size=10, floor=5)
    assert report.precision == pytest.approx(0.5)
    assert report.shown_precision == pytest.approx(1.0)
    assert report.shown["uses"].population == 1
    assert not shown_by_default(sure, threshold=0.95)
    assert not shown_by_default(rel("a", "related", "b", 1))
    assert shown_by_default(rel("a", "uses", "b", 1), threshold=0.5)  # Relation's default 0.5
    assert not shown_by_default(rel("a", "uses", "b", 1))  # under the API's floor


# -- judgment files ------------------------------------------------------------------------
def test_judgment_files_keep_verdicts_by_key_and_skip_unjudged(tmp_path):
    path = tmp_path / "relations.tsv"
    layout = judgments.RELATIONS
    row = {"source": "A", "type": "uses", "target": "B", "path": "n.txt",
           "evidence": "A  uses\tB.", "note": "line 1"}
    judgments.append(path, ["RUBRIC: say why"], layout, judgments.lines(layout, [row]))
    assert path.read_text().startswith("# RUBRIC: say why\n")
    assert judgments.read(path, layout).verdicts == {}
    assert judgments.pending_keys(path, layout) == {("n.txt", "A uses B.", "A", "uses", "B")}
    path.write_text(path.read_text().replace("?\t", "1\t"))
    assert judgments.read(path, layout).verdicts == {("n.txt", "A uses B.", "A", "uses", "B"): True}


def test_a_verdict_other_than_1_0_or_question_mark_is_refused(tmp_path):
    path = tmp_path / "concepts.tsv"
    path.write_text("# rubric\nyes\t\tpod\tPod\t\n")
    with pytest.raises(judgments.JudgmentError, match="concepts.tsv:2"):
        judgments.read(path, judgments.CONCEPTS)


# -- definitions ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, problem", [
    ("", "empty"),
    ("A Kubernetes that identifies a set of Pods using label selectors.", "dangling article"),
    ("Addons use Kubernetes resources (, , etc) to implement cluster features.", "dropped item"),
    ("A {{< glossary_tooltip term_id='pod' >}} runs containers.", "template markup"),
    ("See the reference [] for details.", "empty brackets"),
])
def test_unclean_definitions_are_caught(text, problem):
    assert problem in definition_problems(text)


def test_a_clean_definition_passes():
    assert definition_problems("A Secret is an object that contains a small amount of "
                               "sensitive data such as a password, a token, or a key.") == []


# -- gold files ----------------------------------------------------------------------------
def test_every_gold_file_parses_and_uses_only_known_relation_types():
    golds = gold.load_all(GOLD)
    assert {"notes", "seed"} <= {g.name for g in golds}
    assert len([g for g in golds if g.name.startswith("outline-")]) >= 3
    typed = set(RELATION_TYPES) - {"related"}
    for g in golds:
        assert g.notes and g.concepts and g.relations, g.name
        assert {t for _s, t, _o in g.relations + g.absent} <= typed, g.name
        assert all(len(chain) >= 2 for chain in g.chains), g.name


def test_outline_gold_notes_exist_beside_their_gold():
    for g in gold.load_all(GOLD):
        if g.name.startswith("outline-"):
            assert all((GOLD.parent.parent / p).is_file() for p in g.notes), g.name


def test_a_gold_file_with_an_unknown_relation_type_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("notes: x.txt\nconcepts: [A]\nrelations:\n  - [A, isPartOf, B]\n")
    with pytest.raises(gold.GoldError, match="unknown relation type 'isPartOf'"):
        gold.load(path)


def test_gold_scoring_counts_type_direction_chains_and_denials():
    corpus = tiny_corpus([rel("a", "leadsTo", "b", 1), rel("b", "leadsTo", "c", 1),
                          rel("a", "related", "c", 1), rel("d", "uses", "e", 3)])
    graph = ConceptGraph.from_corpus(corpus, "http://example.org/")
    expected = gold.Gold("tiny", ["n.txt"], concepts=["A", "B", "Z"],
                         relations=[("A", "leadsTo", "B"), ("E", "uses", "D"),
                                    ("B", "leadsTo", "C")],
                         chains=[["A", "B", "C"]],
                         absent=[("D", "uses", "E"), ("A", "uses", "C")])
    result = gold.score(expected, corpus, graph)
    assert result.concepts == (2, 3)
    assert result.relations == (2, 3)  # E uses D is there only the other way round
    assert any("found d uses e" in miss for miss in result.misses)
    assert result.chains == (1, 1)  # two typed hops beat the one co-mention hop
    assert result.absent == (1, 2)


def test_a_shortcut_that_is_not_the_written_chain_is_reported():
    """A long written chain can lose to a direct typed edge; the scorer says so."""
    hops = [rel(a, "leadsTo", b, 1) for a, b in zip("abcd", "bcde")]
    corpus = tiny_corpus([*hops, rel("a", "uses", "e", 1)])
    graph = ConceptGraph.from_corpus(corpus, "http://example.org/")
    result = gold.score(gold.Gold("tiny", ["n.txt"], chains=[list("ABCDE")]),
                        corpus, graph)
    assert result.chains == (0, 1)
    assert any("a [uses] -> e" in miss for miss in result.misses)


def test_shown_by_default_judges_an_edge_by_its_combined_confidence():
    """The API filters edges: a weak reading of an edge read confidently elsewhere is shown."""
    weak = ConfidentRelation("a", "b", "uses", Evidence("A may use B.", "n.txt", 1), 0.3)
    strong = ConfidentRelation("a", "b", "uses", Evidence("A uses B.", "n.txt", 2), 0.9)
    alone = ConfidentRelation("a", "c", "uses", Evidence("A may use C.", "n.txt", 3), 0.3)
    corpus = tiny_corpus([weak, strong, alone])
    edges = edge_confidences(ConceptGraph.from_corpus(corpus, "http://example.org/"))
    shown = {o.row["evidence"]: shown_by_default(o.relation)
             for o in occurrences(corpus, edges).values()}
    assert shown == {"A may use B.": True, "A uses B.": True, "A may use C.": False}
