"""What the graph must not claim: each error pattern found on real prose (issue 12),
reproduced on our own small notes. Precision first: a wrong "manages" costs more
than a missing one."""

from __future__ import annotations

import pytest

from graph.concept_graph import ConceptGraph
from ingest.pipeline import ingest_paths

from .conftest import BASE_URI, FIXTURES

PRECISION = FIXTURES / "precision"


def typed(corpus):
    return {(r.source, r.type, r.target) for r in corpus.relations if r.type != "related"}


def said_in(corpus, words):
    """Typed relations read from the sentence holding ``words``."""
    return {(r.source, r.type, r.target) for r in corpus.relations
            if r.type != "related" and words in r.evidence.text}


@pytest.fixture(scope="module")
def prose(vocabulary):
    return ingest_paths([PRECISION / "prose.md"], vocabulary, workers=1)


@pytest.fixture(scope="module")
def brewing(vocabulary):
    return ingest_paths([PRECISION / "chains.txt"], vocabulary, workers=1)


def test_capitalisation_alone_makes_no_concept(prose):
    """"Files" is written with a capital, twice, but it is an everyday word."""
    assert "files" not in prose.concepts and "support" not in prose.concepts
    assert not said_in(prose, "authorization token")


def test_a_code_name_is_not_mentioned_by_words_that_spell_it(prose):
    assert "anyof" in prose.concepts  # it is written as code, so it is a concept
    sentence = next(s for n in prose.notes for s in n.sections for b in s.blocks
                    if "any of the techniques" in b.text)
    assert "anyof" not in sentence.concepts or any(
        "anyOf" in b.text for b in sentence.blocks)
    assert not said_in(prose, "any of the techniques")


def test_a_field_belongs_to_its_owner_not_to_the_nearest_heading(prose):
    assert "advanced-usage" not in prose.concepts
    assert not any(source == "advanced-usage" for source, _, _ in typed(prose))
    suspend = next(c for c in prose.concepts.values() if c.label == "spec.suspend")
    assert ("job", "hasProperty", suspend.id) in typed(prose)  # from the Job manifest


def test_a_verb_in_another_sense_or_another_clause_states_nothing(prose):
    assert not said_in(prose, "The condition holds")


def test_a_mention_inside_a_longer_name_is_not_the_subject(prose):
    assert not said_in(prose, "Alibaba Cloud MSE Ingress")


def test_a_modifier_is_not_the_class(prose):
    """"a Linux kernel feature" is not a kind of Linux."""
    assert not {t for t in said_in(prose, "kernel feature") if t[1] == "broader"}


def test_a_subsection_of_a_prose_page_is_not_a_kind_of_it(prose):
    assert not {t for t in typed(prose) if t[1] == "broader"}


def test_negation_states_nothing(prose):
    assert not said_in(prose, "does not use") and not said_in(prose, "never mounts")


def test_membership_is_read_from_the_other_end(prose):
    assert said_in(prose, "part of a Pod") == {("pod", "contains", "container")}


def test_passive_voice_turns_the_direction(prose):
    assert said_in(prose, "scheduled by the CronJob") == {("cronjob", "manages", "job")}


def test_manifests_are_read_at_their_own_level(prose):
    found = typed(prose)
    assert ("deployment", "manages", "container") not in found
    assert ("deployment", "contains", "container") not in found  # its Pod template's
    assert ("job", "contains", "container") not in found
    assert not said_in(prose, "- data:/data")  # a compose file is no Kubernetes object


def test_every_relation_has_a_confidence_and_co_mention_is_the_weakest(prose):
    assert all(0 < r.confidence <= 1 for r in prose.relations)
    typed_beliefs = [r.confidence for r in prose.relations if r.type != "related"]
    mentions = [r.confidence for r in prose.relations if r.type == "related"]
    assert mentions and max(mentions) < min(typed_beliefs)


def test_an_alias_in_parentheses_is_a_label_not_a_second_concept(brewing):
    og = brewing.concepts["original-gravity"]
    assert "OG" in og.alt_labels and "og" not in brewing.concepts


def test_lower_case_and_digit_first_terms_are_concepts(brewing):
    assert "final-gravity" in brewing.concepts and "2-step-mash" in brewing.concepts


def test_the_written_chain_is_the_first_path(brewing):
    graph = ConceptGraph.from_corpus(brewing, BASE_URI)
    assert {"grain", "beer"} in [{r.source, r.target} for r in brewing.relations
                                 if r.type == "related"]
    best = graph.paths("grain", "beer")[0]
    assert [n["id"] for n in best["nodes"]] == ["grain", "mash", "wort", "beer"]
    assert {e["relation"] for e in best["edges"]} == {"leadsTo"}
    assert not any(e["coMention"] for e in best["edges"])


def test_a_co_mention_hop_is_a_marked_last_resort(brewing):
    graph = ConceptGraph.from_corpus(brewing, BASE_URI)
    only = graph.paths("grain", "beer", relations={"related"})
    assert only and all(e["coMention"] for e in only[0]["edges"])


@pytest.fixture(scope="module")
def names(vocabulary):
    return ingest_paths([PRECISION / "names.md", PRECISION / "compiler.txt",
                         PRECISION / "energy.txt"], vocabulary, workers=1)


def test_a_name_declared_cased_is_not_its_everyday_lower_case_word(names):
    """The vocabulary marks Endpoints ``cased``: "endpoints" in lower case are network
    endpoints, "Endpoints objects" are the object."""
    assert not said_in(names, "route traffic to endpoints")
    assert not said_in(names, "routes traffic to endpoints")
    section = next(s for n in names.notes for s in n.sections if s.title == "Routing notes")
    assert "endpoints" in section.concepts  # from "Endpoints objects", with its capital


def test_an_irregular_participle_after_the_object_leaves_it_the_head(names):
    """"a Finite Automaton built from …": the automaton is still what is used."""
    lexer = next(c.id for c in names.concepts.values() if c.label == "Lexer")
    automaton = next(c.id for c in names.concepts.values() if c.label == "Finite Automaton")
    parser = next(c.id for c in names.concepts.values() if c.label == "Recursive Descent Parser")
    assert (lexer, "uses", automaton) in typed(names)
    assert any(s == parser and t == "broader" for s, t, _ in typed(names))


def test_an_acronym_after_its_spelled_out_name_is_an_alias(names):
    ir = next(c for c in names.concepts.values() if c.label == "Intermediate Representation")
    assert "IR" in ir.alt_labels
    tac = next(c.id for c in names.concepts.values() if c.label == "Three-Address Code")
    assert (tac, "broader", ir.id) in typed(names)
    # an acronym never makes a concept of words nothing else names
    assert not any(c.label == "IR" for c in names.concepts.values())


def test_a_verb_after_a_bare_comma_starts_another_clause(names):
    """"If you only need a new Image, use kubectl …": the reader uses kubectl."""
    assert not said_in(names, "a new Image, use kubectl")


def test_a_table_column_headed_by_a_relation_relates_each_row(names):
    """"| kubelet | every Node |" under "| Component | Runs on |": the kubelet runs on
    the Node. A cell naming more than one thing says nothing; a column headed "Job"
    states no relation."""
    assert ("kubelet", "runsOn", "node") in typed(names)
    assert ("kube-proxy", "runsOn", "node") in typed(names)
    assert not any(s == "coredns" for s, _, _ in typed(names))  # "Pods in kube-system"
    assert not any(s == "etcd" for s, _, _ in typed(names))
    row = next(r for r in names.relations if r.source == "kubelet" and r.type == "runsOn")
    assert "Runs on" in row.evidence.text and row.evidence.line == 12


def test_choosing_with_a_selector_is_selecting_and_routing_verbs_route(names):
    assert ("networkpolicy", "selects", "pod") in typed(names)
    # finding a Node is not said to be by labels: nothing is claimed
    assert not said_in(names, "finds a Node")
    assert ("service", "routesTo", "pod") in typed(names)


def test_an_acronym_used_alone_is_still_its_spelled_out_name(names):
    """"BMS" on its own line is the Battery Management System, not a second concept."""
    bms = next(c for c in names.concepts.values() if c.label == "Battery Management System")
    assert "BMS" in bms.alt_labels
    assert not any(c.label == "BMS" for c in names.concepts.values())


def test_counts_inputs_and_delivery_frames(names):
    ids = {c.label: c.id for c in names.concepts.values()}
    assert (ids["Solar Panel"], "contains", ids["Photovoltaic Cell"]) in typed(names)
    assert (ids["Grid-Tie Inverter"], "routesTo", ids["Utility Grid"]) in typed(names)
    assert (ids["Daily Yield"], "uses", ids["Peak Sun Hours"]) in typed(names)
