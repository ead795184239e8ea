"""Definitions: the sentence that says what a concept is, from the best place that says
it (a glossary entry, a page's description or lead, a ``Term:`` item, "X is a …"), one
per language, clean of markup."""

from __future__ import annotations

import pytest
from rdflib import SKOS, Literal

from eval.definitions import debris, evaluate, glossary_terms
from graph import rdf
from graph.concept_graph import ConceptGraph
from ingest.model import Corpus
from ingest.pipeline import ingest_paths

from .conftest import FIXTURES, K8S_DOCS, needs_shared

SITE = FIXTURES / "hugo-site"
BASE = "http://kg.test/"


@pytest.fixture(scope="module")
def site(vocabulary) -> Corpus:
    """A small Hugo docs site about pottery, in English and Korean."""
    return ingest_paths([SITE], vocabulary, workers=1)


def test_a_glossary_entry_defines_its_term_by_its_lead_sentence_about_it(site):
    glaze = site.concepts["glaze"]
    assert glaze.definition.text == \
        "In pottery, a glaze is a glassy coating fused onto a pot in the kiln."
    assert (glaze.definition.path, glaze.definition.line) == ("reference/glossary/glaze.md", 10)


def test_a_glossary_lead_without_its_term_gives_way_to_the_short_description(site):
    kiln = site.concepts["kiln"].definition
    # the first sentence of the short_description, its shortcode reduced to its text,
    # cited at the front matter
    assert kiln.text == "A furnace that fires pottery at high temperature."
    assert (kiln.path, kiln.line) == ("reference/glossary/kiln.md", 1)


def test_without_a_short_description_the_glossary_lead_defines_the_term_as_it_stands(site):
    bisque = site.concepts["bisque-firing"].definition
    # the tooltip without text names its term: the word is not lost mid-sentence
    assert bisque.text == "Fires green ware once, slowly, before any glaze goes on."


def test_a_glossary_definition_outranks_a_term_item_elsewhere(site):
    # concepts/wedging.md has "- Glaze: the shiny stuff, see the glossary"
    assert site.concepts["glaze"].definition.path == "reference/glossary/glaze.md"


def test_the_glossary_index_page_is_no_term(site):
    assert "glossary" not in site.concepts


def test_a_page_description_about_its_concept_defines_it(site):
    pug = site.concepts["pug-mills"].definition
    # beats "A Pug Mill is also called a pugger." in the page body
    assert pug.text == "A pug mill is a machine that mixes and de-airs clay into a smooth log."
    assert pug.path == "concepts/pug-mills.md"


def test_a_page_lead_about_its_concept_outranks_a_sentence_under_a_heading(site):
    wedging = site.concepts["wedging"].definition
    assert wedging.text == \
        "Wedging is the kneading of clay by hand to even it out and push the air out."
    assert (wedging.path, wedging.line) == ("concepts/wedging.md", 5)


def test_a_sentence_that_only_leads_into_a_list_defines_nothing(site):
    # "## Cones" / "There are three cone ranges:"
    # (a prose heading nothing else defines is not even a concept)
    cones = site.concepts.get("cones")
    assert cones is None or cones.definition is None


def test_a_sentence_under_a_heading_that_opens_with_another_concept_is_not_its_definition(
        tmp_path, vocabulary):
    (tmp_path / "net.md").write_text(
        "# Net\n\n## Services\n\nPods come and go, so clients need a stable address.\n\n"
        "## ReplicaSet\n\n- Replicates Pods to keep their count.\n\n"
        "## StorageClass\n\n- A PersistentVolume can be made from it on demand.\n\n"
        "## Headless Service\n\nFor some Services you need no cluster IP.\n")
    corpus = ingest_paths([tmp_path], vocabulary, workers=1)
    assert corpus.concepts["service"].definition is None
    assert corpus.concepts["storageclass"].definition is None
    assert corpus.concepts["headless-service"].definition is None
    assert corpus.concepts["replicaset"].definition.text == "Replicates Pods to keep their count."


def test_a_page_lead_sentence_about_its_concept_says_what_it_does(tmp_path, vocabulary):
    (tmp_path / "services.md").write_text(
        "---\ntitle: Services\n---\n\n# Services\n\nPods come and go.\n"
        "A **Service** gives a group of Pods one stable address.\n")
    service = ingest_paths([tmp_path], vocabulary, workers=1).concepts["service"]
    assert (service.definition.text, service.definition.line) == \
        ("A Service gives a group of Pods one stable address.", 8)


def test_each_language_keeps_its_own_definition_and_english_is_the_default(site):
    glaze = site.concepts["glaze"]
    assert set(glaze.definitions) == {"en", "ko"}
    assert glaze.definitions["ko"].text == "유약은 가마에서 도자기 표면에 녹아 붙는 유리질 막이다."
    assert glaze.definition == glaze.definitions["en"]


def test_rdf_has_a_language_tagged_definition_per_language_and_the_view_keeps_english(site):
    dataset = rdf.corpus_to_dataset(site, BASE)
    glaze = rdf.concept_uri(BASE, "glaze")
    definitions = {o for _s, _p, o, _g in dataset.quads((glaze, SKOS.definition, None, None))}
    assert definitions == {
        Literal("In pottery, a glaze is a glassy coating fused onto a pot in the kiln.",
                lang="en"),
        Literal("유약은 가마에서 도자기 표면에 녹아 붙는 유리질 막이다.", lang="ko")}
    view = ConceptGraph.from_quads(rdf.corpus_quads(site, BASE), BASE)
    assert view == ConceptGraph.from_corpus(site, BASE)
    assert view.concept("glaze")["definition"]["path"] == "reference/glossary/glaze.md"


def test_no_markup_reaches_titles_text_or_definitions(site):
    assert debris(site) == {"titles": 0, "blocks": 0, "definitions": 0}


@pytest.mark.corpus
def test_nine_in_ten_kubernetes_glossary_terms_have_a_clean_definition(vocabulary):
    root = needs_shared(K8S_DOCS)
    corpus = ingest_paths([root], vocabulary)
    resolved, failures = evaluate(corpus, glossary_terms(root))
    assert resolved >= 120
    assert (resolved - len(failures)) / resolved >= 0.9, failures
    assert debris(corpus)["titles"] == 0
