"""Markdown notes: CommonMark, front matter, code, tables, shortcodes, line numbers."""

from __future__ import annotations

import pytest

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
