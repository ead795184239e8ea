"""Markdown notes: CommonMark, front matter, code, tables, Hugo markup, line numbers."""

from __future__ import annotations

import pytest

from ingest.hugo import expand_shortcodes, split_heading_id
from ingest.markdown import FrontMatterError
from ingest.notes import parse_note

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def brewing():
    return parse_note((FIXTURES / "markdown" / "front-matter.md").read_text(), "brewing.md")


def test_front_matter_gives_title_and_tags(brewing):
    assert brewing.title == "Brewing notes"
    assert brewing.tags == ["coffee", "notes"]


def test_headings_become_sections_with_breadcrumbs_and_line_ranges(brewing):
    sections = {s.title: s for s in brewing.sections}
    grinders = sections["Kinds of Grinders"]
    assert grinders.breadcrumb == ("Brewing notes", "Pour-over", "Kinds of Grinders")
    assert grinders.level == 3 and grinders.line == 21
    assert sections["Pour-over"].end_line >= grinders.end_line


def test_blocks_keep_their_kind_and_lines(brewing):
    pour = next(s for s in brewing.sections if s.title == "Pour-over")
    kinds = [(b.kind, b.line) for b in pour.blocks]
    assert kinds == [("paragraph", 10), ("table", 12), ("code", 18)]
    assert pour.blocks[0].text == "A Pour-over is a brewing method that uses a Paper Filter."
    assert pour.blocks[1].text.splitlines()[2] == "Grind | medium-fine"


def test_hugo_shortcodes_are_reduced_to_their_text(brewing):
    text = " ".join(b.text for s in brewing.sections for b in s.blocks)
    assert "{{" not in text and "Espresso" in text


def test_a_lone_h1_titles_the_note():
    note = parse_note("# Pods\n\nA Pod is small.\n\n## Probes\n\n- livenessProbe: alive?\n", "p.md")
    assert note.title == "Pods"
    assert [s.title for s in note.sections] == ["Pods", "Probes"]
    assert note.sections[1].breadcrumb == ("Pods", "Probes")


def test_inline_placeholders_in_angle_brackets_are_kept():
    note = parse_note("- kubectl logs <podname>: show logs\n", "c.md")
    assert note.sections[0].blocks[0].text == "kubectl logs <podname>: show logs"


def test_malformed_front_matter_is_a_clear_error():
    with pytest.raises(FrontMatterError, match="front matter"):
        parse_note((FIXTURES / "markdown" / "bad-front-matter.md").read_text(), "bad.md")


def test_deep_nesting_does_not_break_the_parser():
    text = "".join("  " * depth + "- level\n" for depth in range(400))
    note = parse_note(text, "deep.md")
    assert note.sections


@pytest.mark.parametrize("front", [
    "title: T\ntags: [a, http://x]", "title: a\tb", "title: \ufeffT", "title: !x y",
    "? k\n: v", "d: >#\n  text", "date: 2019-06-15\nn: 08\ny: yes", "title: 파드\nw: 1.5"])
def test_front_matter_reads_as_pyyaml_safe_load_reads_it(front):
    """libyaml reads the front matter where it agrees with PyYAML, and only there."""
    yaml = pytest.importorskip("yaml")
    try:
        expected = yaml.safe_load(front)
    except yaml.YAMLError:
        with pytest.raises(FrontMatterError):
            parse_note(f"---\n{front}\n---\n# Body\n", "f.md")
        return
    assert parse_note(f"---\n{front}\n---\n# Body\n", "f.md").meta == expected


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x",
                                  "vbscript:x", "file:///etc/passwd"])
def test_links_markdown_it_refuses_stay_text(link):
    note = parse_note(f"See [this]({link}) now.\n", "l.md")
    assert note.sections[0].blocks[0].text == f"See [this]({link}) now."


# -- Hugo markup: what a reader sees, every line where it was ---------------------------
@pytest.mark.parametrize(("source", "shown"), [
    # text shortcodes: their text, or the glossary term they name made readable
    ('a {{< glossary_tooltip text="Pods" term_id="pod" >}} runs', "a Pods runs"),
    ('A Kubernetes {{< glossary_tooltip term_id="service" >}} that', "A Kubernetes service that"),
    ('a {{<glossary_tooltip term_id="container-runtime">}}', "a container runtime"),
    ('the {{< glossary_tooltip term_id="kube-proxy" >}}', "the kube-proxy"),
    ('see {{< link text="services" url="/docs/svc/" >}}.', "see services."),
    ('the {{< api-reference page="workload-resources/stateful-set-v1" >}} object',
     "the StatefulSet object"),
    ('{{% heading "whatsnext" %}}', "What's next"),
    ('{{% heading "prerequisites" %}}', "Before you begin"),
    # wrappers keep what they wrap
    ("{{< note >}}Keep this.{{< /note >}}", "Keep this."),
    ('{{% tab name="v1" %}}Keep this.{{% /tab %}}', "Keep this."),
    # what the note does not hold is dropped, with the space or brackets it leaves
    ('Ready {{< feature-state for_k8s_version="v1.24" state="stable" >}} now', "Ready now"),
    ('Ready ({{< feature-state state="beta" >}}) now', "Ready now"),
    ('version {{< skew currentVersion >}}.', "version."),
    ('{{< include "task-tutorial-prereqs.md" >}} Then', "Then"),
    ("- {{< version-check >}} check", "- check"),
    ("{{< comment >}}\nnot for readers\n{{< /comment >}}", "\n\n"),
])
def test_hugo_shortcodes_show_what_a_reader_sees(source, shown):
    assert expand_shortcodes(source) == shown


def test_a_shortcode_over_several_lines_keeps_every_line_break():
    source = 'set with {{< glossary_tooltip text="cones"\nterm_id="cone" >}}, says\nmore'
    shown = expand_shortcodes(source)
    assert shown.count("\n") == source.count("\n")
    assert " ".join(shown.split()) == "set with cones, says more"


def test_hugo_headings_print_in_the_language_of_the_note():
    korean = "## {{% heading \"whatsnext\" %}}\n\n" + "파드는 컨테이너의 그룹이다. " * 5
    assert parse_note(korean, "ko.md").sections[0].title == "다음 내용"


@pytest.mark.parametrize(("title", "split"), [
    ("Pod storage {#pod-storage}", ("Pod storage", "pod-storage")),
    ("Termination {##termination-with-sidecars}", ("Termination", "termination-with-sidecars")),
    ("소유자 {#소유자-레이블}", ("소유자", "소유자-레이블")),
    ("Plain title", ("Plain title", None)),
])
def test_a_heading_id_leaves_the_title(title, split):
    assert split_heading_id(title) == split


@pytest.fixture(scope="module")
def firing():
    """A Hugo page holding each family of shortcode the Kubernetes docs use."""
    return parse_note((FIXTURES / "hugo-site" / "concepts" / "firing.md").read_text(),
                      "concepts/firing.md")


def _blocks(note):
    return [(b.kind, b.line, b.text) for s in note.sections for b in s.blocks]


def test_heading_ids_anchor_their_section_and_never_reach_a_title(firing):
    titles = {s.title: s.anchor for s in firing.sections}
    assert titles["Stages of a firing"] == "stages"
    assert titles["Before you begin"] == "before-you-begin"
    assert titles["What's next"] == "whats-next"
    assert not any("{" in s.title for s in firing.sections)


def test_a_heading_id_already_taken_falls_back_to_the_title():
    note = parse_note("# T\n\n## Pods {#a}\n\nx\n\n## Nodes {#a}\n\ny\n", "t.md")
    assert [s.anchor for s in note.sections] == ["a", "nodes"]


def test_front_matter_prose_is_plain_text(firing):
    assert firing.title == "Firing pottery"
    assert firing.meta["description"] == "How a kiln turns clay into ceramic: heat, time and air."
    assert firing.meta["weight"] == 20


def test_shortcodes_leave_no_word_out_and_no_line_moved(firing):
    blocks = _blocks(firing)
    assert blocks[0] == ("paragraph", 8, (
        "Firing turns clay into ceramic in a kiln.\n"
        "A firing schedule, set with\ncones, says how fast the heat climbs."))
    assert ("paragraph", 15, "You need a kiln rated for cone.") in blocks
    assert ("paragraph", 20, "Open the lid only below 100 degrees.") in blocks
    assert ("paragraph", 40, "Read the FiringSchedule reference, or the\ncone chart today.") in blocks
    assert ("paragraph", 43, "A kiln at cone 6") in blocks  # a figure's caption


def test_code_shortcodes_become_code_blocks_and_comments_vanish(firing):
    blocks = _blocks(firing)
    assert ("code", 28, "graph LR;\n  Drying --> Bisque --> Glaze") in blocks
    assert ("code", 33, "cone: 6\nhold: 10m") in blocks
    text = " ".join(b[2] for b in blocks)
    assert "TODO" not in text and "overview" not in text and "<!--" not in text


def test_task_list_boxes_are_not_text(firing):
    items = [b[2] for b in _blocks(firing) if b[0] == "item"]
    assert items[:2] == ["candle the ware overnight", "load the kiln"]
