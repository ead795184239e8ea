"""Links the author writes: wikilinks, Dataview inline fields, relation keys in front
matter and markdown links between notes, in both note forms. Each is an assertion
(confidence 1.0, evidence = the line), shown by default and never a co-mention; a link
to nothing is a finding for ``kg lint``.

The fixture notes are in tests/fixtures/links: a markdown folder (deployment.md writes
every syntax) and an outline note (services.txt) writing them on bullets.
"""

from __future__ import annotations

import shutil

import pytest
from rdflib import Literal, URIRef

from graph.concept_graph import ConceptGraph
from graph.rdf import corpus_quads, section_uri, note_uri
from graph.vocab import KG
from ingest.links import FIELD_NAMES, relation_of
from kg.settings import REPO_ROOT
from ingest.notes import parse_note
from ingest.pipeline import ingest_paths, ingest_sources, read_sources

from .conftest import BASE_URI, FIXTURES, build, make_client, running_server
from .test_incremental import assert_same_build, ingest

LINKS = FIXTURES / "links"


@pytest.fixture(scope="module")
def links_build(tmp_path_factory, vocabulary):
    return build([LINKS / "markdown", LINKS / "outline"], tmp_path_factory.mktemp("links"),
                 vocabulary)


@pytest.fixture(scope="module")
def corpus(links_build):
    return links_build[0]


@pytest.fixture(scope="module")
def links_client(links_build):
    return make_client(links_build[1])


def stated(corpus, source, rtype, target):
    """The explicit relations source --rtype--> target of the corpus."""
    return [r for r in corpus.relations if r.explicit and (r.source, r.type, r.target) == (
        source, rtype, target)]


# -- reading: what a note says, and what a reader sees ---------------------------------
def test_a_wikilink_reads_as_its_shown_text_everywhere():
    note = parse_note("# Deployment\n\nIt keeps its [[ReplicaSet|replica sets]] and "
                      "[[Pod]]s and [[Service#Ports]] up.\n", "deployment.md")
    text = note.sections[0].blocks[0].text
    assert text == "It keeps its replica sets and Pods and Service up."
    assert [(link.kind, link.target, link.anchor, link.line, link.text)
            for link in note.links] == [
        ("wikilink", "ReplicaSet", "", 3, text), ("wikilink", "Pod", "", 3, text),
        ("wikilink", "Service", "Ports", 3, text)]


def test_inline_fields_on_lines_and_bullets_in_both_forms():
    markdown = parse_note("# Pod\n\nruns on:: [[Node]]\n\n- uses:: [[ConfigMap]], Secret\n",
                          "pod.md")
    outline = parse_note("Pod\n  • runs on:: [[Node]]\n  • uses:: [[ConfigMap]], Secret\n",
                         "pod.txt")
    for note in (markdown, outline):
        assert sorted((link.kind, link.field, link.target, link.plain)
                      for link in note.links) == [
            ("field", "runs on", "Node", False), ("field", "uses", "ConfigMap", False),
            ("field", "uses", "Secret", True)]
        assert "uses:: ConfigMap, Secret" in note.sections[0].text


@pytest.mark.parametrize("text", [
    "# C++\n\nThe `std::vector` type and `[[NotALink]]` in code.\n",
    "# C++\n\n```cpp\nstd::vector<int> v;\n// uses:: [[Inside]]\n```\n",
    "# Shell\n\n```bash\nif [[ -f x ]]; then echo; fi\n```\n",
    "# IPv6\n\nThe address 2001:db8::1 and a::b in prose.\n",
])
def test_code_and_prose_colons_never_make_links(text):
    assert parse_note(text, "code.md").links == []


def test_outline_inline_code_is_no_link():
    note = parse_note("C++\n  • `std::map` and `[[Nope]]` stay code\n", "cpp.txt")
    assert note.links == []


def test_front_matter_relation_keys_aliases_and_docs_site_keys():
    note = parse_note('---\ntitle: Deployment\nweight: 10\ncontent_type: concept\n'
                      'tags: [workloads]\naliases: [Deploy, old-deployment-page]\n'
                      'broader: "[[Controller]]"\nrelated: [[Pod]]\n---\n\nText.\n',
                      "deployment.md")
    assert [(link.kind, link.field, link.target, link.line) for link in note.links] == [
        ("front matter", "broader", "Controller", 7), ("front matter", "related", "Pod", 8)]
    assert note.tags == ["workloads"] and note.meta["weight"] == 10


@pytest.mark.parametrize("name, expected", [
    ("runs on", ("runsOn", False, "")), ("runs_on", ("runsOn", False, "")),
    ("runsOn", ("runsOn", False, "")), ("kind of", ("broader", False, "")),
    ("is a", ("broader", False, "")), ("part of", ("contains", True, "")),
    ("Manages", ("manages", False, "")), ("owner", ("related", False, "owner")),
    ("reviewed  by", ("related", False, "reviewed by")),
])
def test_field_names_map_to_relation_types(name, expected):
    assert relation_of(name) == expected


def test_the_readme_lists_every_field_name_under_its_relation():
    readme = (REPO_ROOT / "README.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines()
            if line.startswith("| `") and line.count("|") == 4}
    for name, (rtype, _reversed) in FIELD_NAMES.items():
        cell = rows[rtype].split("|")[2 + _reversed]
        assert name in [written.strip() for written in cell.split(",")], (name, rtype)


# -- the corpus: what the links assert ----------------------------------------------------
def test_every_syntax_asserts_with_confidence_one_and_the_line_as_evidence(corpus):
    expected = [
        ("deployment", "broader", "controller", 3, 'broader: "[[Controller]]"'),
        ("deployment", "related", "pod", 4, "related: [[Pod]]"),
        ("deployment", "manages", "replicaset", 11, "manages:: ReplicaSet"),
        ("deployment", "uses", "configmap", 12, "uses:: ConfigMap, Secret"),
        ("deployment", "uses", "secret", 12, "uses:: ConfigMap, Secret"),
        ("deployment", "runsOn", "node", 13, "runs on:: Node"),
        ("container", "uses", "probe", 9, "used by:: Container"),  # reversed
        ("service", "routesTo", "pod", 3, "routes to:: Pod"),  # the outline form
        ("service", "selects", "pod", 4, "selects:: Pod"),
    ]
    for source, rtype, target, line, text in expected:
        found = stated(corpus, source, rtype, target)
        assert found, (source, rtype, target)
        assert (found[0].confidence, found[0].evidence.line, found[0].evidence.text) == (
            1.0, line, text)


def test_a_bare_wikilink_is_a_related_from_the_sections_concept(corpus):
    [outline] = stated(corpus, "service", "related", "ingress")
    assert outline.evidence.text == "see ingress rules too"
    [markdown] = stated(corpus, "probe", "related", "deployment")
    assert markdown.evidence.text == "The kubelet checks each container with a probe, see rollouts."


def test_a_bare_wikilink_beside_a_typed_link_of_the_pair_adds_nothing(corpus):
    # "keeps its [[ReplicaSet|replica sets]]" and "manages:: [[ReplicaSet]]"
    assert stated(corpus, "deployment", "manages", "replicaset")
    assert not stated(corpus, "deployment", "related", "replicaset")


def test_an_unknown_field_is_a_related_labelled_with_its_name(corpus):
    [owner] = stated(corpus, "deployment", "related", "platform-team")
    assert owner.label == "owner" and owner.evidence.text == "owner:: Platform Team"


def test_a_target_becomes_a_concept_when_a_note_heads_it(corpus):
    # "Platform Team" is a heading of a prose note (teams.md): alone it would not be a
    # concept, but the link says it names a thing
    assert ("markdown/teams.md", "platform-team") in corpus.concepts["platform-team"].sections


def test_a_link_to_nothing_is_a_dangling_link_finding(corpus):
    found = {(f.subject, f.path, f.line, f.severity) for f in corpus.findings
             if f.kind == "dangling-link"}
    assert found == {("Release Board", "markdown/deployment.md", 15, "error"),
                     ("Network Team", "outline/services.txt", 5, "error"),
                     ("Gateway Thing", "outline/services.txt", 11, "error")}
    assert "release-board" not in corpus.concepts
    finding = next(f for f in corpus.findings if f.subject == "Release Board")
    assert "Release Board" in finding.message and finding.hint


def test_aliases_are_altlabels_of_the_notes_concept_and_slugs_are_not(corpus):
    alt = corpus.concepts["deployment"].alt_labels
    assert "Deploy" in alt and "deploy-v1" not in alt


def test_markdown_links_link_notes_and_the_concepts_they_define(corpus):
    assert any((link.path, link.anchor, link.target, link.target_anchor) == (
        "markdown/deployment.md", "deployment", "markdown/workloads/pods.md", "probes")
        for link in corpus.note_links)
    [concept_link] = stated(corpus, "deployment", "related", "probe")
    assert concept_link.evidence.text == "The health checks are explained with the probes."


def test_a_wikilink_to_a_note_is_a_note_link(corpus):
    assert any((link.path, link.target) == ("outline/services.txt",
                                            "markdown/workloads/pods.md")
               for link in corpus.note_links)


def test_a_link_resolves_once_the_target_is_defined_elsewhere(tmp_path, vocabulary):
    notes = tmp_path / "notes"
    shutil.copytree(LINKS / "markdown", notes)
    (notes / "boards.md").write_text("# Boards\n\n- Release Board: the group that "
                                     "signs off a release\n")
    corpus = ingest_paths([notes], vocabulary, workers=1)
    assert stated(corpus, "deployment", "related", "release-board")[0].label == "reviewed by"
    assert not any(f.subject == "Release Board" for f in corpus.findings)


# -- the graph: explicit links are shown by default, never as co-mentions -----------------
def test_the_rdf_marks_explicit_statements_and_links_between_notes(corpus):
    quads = {(s, p, o) for s, p, o, _g in corpus_quads(corpus, BASE_URI)}
    statements = {s for s, p, o in quads if p == KG.linkLabel and o == Literal("owner",
                                                                                lang="en")}
    assert len(statements) == 1
    assert (statements.pop(), KG.explicit, Literal(True)) in quads
    assert (section_uri(BASE_URI, "markdown/deployment.md", "deployment"), KG.linksTo,
            section_uri(BASE_URI, "markdown/workloads/pods.md", "probes")) in quads
    assert (URIRef(note_uri(BASE_URI, "markdown/deployment.md")), KG.linksTo,
            URIRef(note_uri(BASE_URI, "markdown/controller.md"))) in quads


def test_the_concept_graph_reads_the_same_from_the_rdf_and_the_corpus(corpus):
    assert ConceptGraph.from_quads(corpus_quads(corpus, BASE_URI), BASE_URI) == \
        ConceptGraph.from_corpus(corpus, BASE_URI)


def test_explicit_related_is_drawn_by_default_and_co_mention_is_not(links_client):
    graph = links_client.get("/api/graph?focus=Deployment").get_json()
    edges = {(e["source"], e["relation"], e["target"]): e for e in graph["edges"]}
    owner = edges[("deployment", "related", "platform-team")]
    assert owner["explicit"] is True and owner["labels"] == ["owner"]
    assert owner["confidence"] == 1.0
    assert all(e.get("explicit") for e in graph["edges"] if e["relation"] == "related")
    more = links_client.get("/api/graph?focus=Deployment&coMention=true").get_json()
    assert any(e["relation"] == "related" and not e.get("explicit") for e in more["edges"])


def test_explicit_related_ranks_after_typed_and_before_co_mention(links_client):
    related = links_client.get("/api/concepts/Deployment/related?coMention=false").get_json()
    team = next(r for r in related["related"] if r["id"] == "platform-team")
    assert team["relation"] == "related" and team["explicit"] is True
    assert team["evidence"][0]["text"] == "owner:: Platform Team"
    page = links_client.get("/api/concepts/Deployment").get_json()["related"]
    team = next(i for i, r in enumerate(page) if r["id"] == "platform-team")
    co_mentions = [i for i, r in enumerate(page)
                   if r["relation"] == "related" and not r.get("explicit")]
    typed = [i for i, r in enumerate(page) if r["relation"] != "related"]
    assert co_mentions and all(team < i for i in co_mentions)
    assert typed and all(i < team for i in typed)


def test_a_path_through_an_explicit_link_is_no_co_mention_hop(links_client):
    found = links_client.get("/api/path?from=Deployment&to=Platform Team").get_json()
    assert found["found"] and [e["coMention"] for e in found["edges"]] == [False]


# -- incremental ingest ----------------------------------------------------------------
def corpus_facts(corpus):
    return (sorted((r.source, r.type, r.target, repr(r.evidence), r.explicit, r.label)
                   for r in corpus.relations),
            sorted(corpus.findings, key=repr), sorted(corpus.note_links, key=repr),
            {cid: (sorted(c.alt_labels), sorted(c.sections)) for cid, c in
             corpus.concepts.items()})


@pytest.mark.parametrize("edit", [
    ("boards.md", "# Boards\n\n- Release Board: the group that signs off a release\n"),
    ("release-board.md", "# Who signs releases\n\nThe people on call that week.\n"),
])
def test_defining_a_dangling_target_elsewhere_equals_a_full_rebuild(tmp_path, vocabulary,
                                                                    edit):
    notes = tmp_path / "notes"
    shutil.copytree(LINKS / "markdown", notes)
    cache, incremental = tmp_path / "cache", tmp_path / "incremental"
    before = ingest_sources(read_sources([notes]), vocabulary, workers=1, cache=cache)
    assert any(f.subject == "Release Board" for f in before.findings)
    ingest(notes, incremental)
    (notes / edit[0]).write_text(edit[1])  # deployment.md itself is unchanged

    again = ingest_sources(read_sources([notes]), vocabulary, workers=1, cache=cache)
    full = ingest_sources(read_sources([notes]), vocabulary, workers=1)
    assert corpus_facts(again) == corpus_facts(full)
    assert not any(f.subject == "Release Board" for f in again.findings)
    ingest(notes, incremental)
    ingest(notes, tmp_path / "full")
    assert_same_build(incremental, tmp_path / "full")


def test_a_field_line_is_no_sentence_naming_its_values_together(corpus):
    # "uses:: ConfigMap, Secret" says Deployment uses each; it does not say ConfigMap and
    # Secret have anything to do with each other
    assert not [r for r in corpus.relations if "::" in r.evidence.text and not r.explicit]


def test_the_explorer_lists_explicit_related_as_links_not_mentions(links_client):
    data = links_client.get("/api/explore/Deployment").get_json()
    groups = {(g["relation"], g["direction"]): g for g in data["groups"]}
    linked = groups[("related", "out")]
    assert linked["label"] == "links to"
    assert "platform-team" in [item["id"] for item in linked["items"]]
    mentioned = groups.get(("related", "both"), {"items": []})
    assert "platform-team" not in [item["id"] for item in mentioned["items"]]


@pytest.mark.browser
def test_the_explorer_draws_explicit_links_with_co_mentions_off(browser, links_build, tmp_path):
    from .test_explore import node, open_page

    with running_server(links_build[1].root) as url:
        page, problems = open_page(browser, 1280, 800)
        page.goto(url + "/explore/Deployment")
        page.wait_for_selector('#graph .node[data-id="platform-team"]')
        assert page.locator('#relation-filters input[value="related"]').is_checked() is False
        # owner:: [[Platform Team]]: drawn, and no co-mention is
        assert page.locator("#graph .edge.rel-related.explicit").count() >= 1
        assert page.locator("#graph .edge.rel-related:not(.explicit)").count() == 0
        assert node(page, "platform-team").count() == 1
        assert page.locator(".rel-group h3", has_text="links to").count() == 1
        page.screenshot(path=str(tmp_path / "explore-links-1280x800.png"))
        assert problems == []


def test_search_holds_the_shown_text_not_the_markup(links_client):
    found = links_client.get("/api/search?q=rolls out new versions&kind=section").get_json()
    snippet = found["results"][0]["snippet"]
    assert "replica sets" in snippet and "[[" not in snippet and "|" not in snippet


def test_a_plain_value_naming_nothing_is_only_a_warning(tmp_path, vocabulary):
    (tmp_path / "pod.md").write_text("# Pod\n\n- status:: draft\n- owner:: [[Nobody]]\n")
    corpus = ingest_paths([tmp_path], vocabulary, workers=1)
    assert {(f.subject, f.severity) for f in corpus.findings} == {
        ("draft", "warning"), ("Nobody", "error")}


def test_aliases_name_the_notes_subject_and_links_find_it_by_them(tmp_path, vocabulary):
    (tmp_path / "Release Train.md").write_text(
        "---\naliases: [RT, the train]\n---\n\nWe ship every second Tuesday.\n")
    (tmp_path / "deployment.md").write_text("# Deployment\n\n- part of:: [[RT]]\n")
    corpus = ingest_paths([tmp_path], vocabulary, workers=1)
    train = corpus.concepts["release-train"]
    assert {"RT", "the train"} <= train.alt_labels
    assert stated(corpus, "release-train", "contains", "deployment")
    assert corpus.findings == []


def test_a_link_to_a_heading_of_the_same_note_and_a_korean_target(tmp_path, vocabulary):
    (tmp_path / "pod.md").write_text("# Pod\n\nSee [[#Probes|the probes]] and [[서비스]].\n\n"
                                     "## Probes\n\n### Readiness Probe\n\nA check.\n")
    corpus = ingest_paths([tmp_path], vocabulary, workers=1)
    assert any((link.anchor, link.target, link.target_anchor) == ("pod", "pod.md", "probes")
               for link in corpus.note_links)
    assert stated(corpus, "pod", "related", "service")  # 서비스 is Service's Korean label
