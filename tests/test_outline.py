"""The plain-text outline form (the user's real notes) parses into the same outline as
the equivalent markdown."""

from __future__ import annotations

import pytest

from ingest.notes import parse_note
from ingest.outline import parse_outline_events

from .conftest import FIXTURES, SEED_NOTES, needs_shared


def shape(note):
    return [(s.title, s.level, s.breadcrumb[1:],
             [(b.kind, b.depth, b.parent, b.text, b.lang) for b in s.blocks])
            for s in note.sections]


def test_outline_and_markdown_forms_give_the_same_outline():
    outline = parse_note((FIXTURES / "outline" / "git-notes.txt").read_text(), "git-notes.txt")
    markdown = parse_note((FIXTURES / "markdown" / "git-notes.md").read_text(), "git-notes.md")
    assert shape(outline) == shape(markdown)


def test_flush_left_lines_are_headings_and_numbering_is_dropped():
    note = parse_note("1. Pod\n\n  • A group of containers\n\nNamespace\n\n  • Partitions\n", "n.txt")
    assert [(s.title, s.level) for s in note.sections] == [("Pod", 2), ("Namespace", 2)]
    assert note.sections[0].breadcrumb == ("n", "Pod")


def test_a_flush_left_sentence_is_a_paragraph_not_a_heading():
    note = parse_note("Note: I keep these notes in Seoul, mostly on the subway.\n\n1. Pod\n", "n.txt")
    root = note.sections[0]
    assert root.blocks[0].kind == "paragraph"
    assert [s.title for s in note.sections[1:]] == ["Pod"]


def test_bullets_nest_by_indentation_and_label_bullets_head_sections():
    text = "Service\n\n  • Types of Services\n\n    • ClusterIP: internal only\n" \
           "      • reached from inside the cluster\n    • NodePort: a port on each node\n"
    note = parse_note(text, "n.txt")
    types = note.sections[-1]
    assert types.title == "Types of Services" and types.level == 3
    assert types.breadcrumb == ("n", "Service", "Types of Services")
    assert [(b.depth, b.parent) for b in types.blocks] == [(0, None), (1, 0), (0, None)]


def test_a_bare_language_word_starts_a_code_block_that_ends_at_the_next_bullet():
    text = ("ConfigMap\n\n  • Declared like this\n\n    yaml\n    kind: Pod\n    spec:\n"
            "    - name: x\n      image: y\n    • Mounted as a volume\n")
    events = parse_outline_events(text)
    code = next(e for e in events if e.kind == "code")
    assert code.lang == "yaml"
    assert code.text == "kind: Pod\nspec:\n- name: x\n  image: y"
    assert (code.line, code.end_line) == (6, 9)
    assert events[-1].kind == "item" and events[-1].text == "Mounted as a volume"


def test_flush_left_code_after_a_language_word_is_not_taken_for_headings():
    note = parse_note("Appendix\n\n  • Select\n\nyaml\napiVersion: v1\nkind: Pod\n", "n.txt")
    blocks = note.sections[-1].blocks
    assert blocks[-1].kind == "code" and blocks[-1].text == "apiVersion: v1\nkind: Pod"
    assert [s.title for s in note.sections] == ["Appendix"]


def test_line_numbers_point_at_the_lines_of_the_file():
    text = (FIXTURES / "outline" / "git-notes.txt").read_text()
    lines = text.splitlines()
    note = parse_note(text, "git-notes.txt")
    for section in note.sections:
        for block in section.blocks:
            first = lines[block.line - 1]
            assert block.text.split("\n")[0][:12] in first or block.kind == "code"
            assert 1 <= block.line <= block.end_line <= len(lines)


def test_the_users_real_notes_parse_into_the_expected_outline():
    text = needs_shared(SEED_NOTES).read_text()
    note = parse_note(text, "k8s-notes.txt")
    titles = [" › ".join(s.breadcrumb[1:]) for s in note.sections]
    for expected in ["Pod", "Pod › spec.restartPolicy", "Pod › Health Checks",
                     "Service › Types of Services", "Controller › ReplicaSet",
                     "Controller › Deployment", "Job › CronJob", "Namespace",
                     "ConfigMap, Secret › ConfigMap", "Appendix 1. Running Pods Only on Specific Nodes"]:
        assert expected in titles
    restart = next(s for s in note.sections if s.title == "spec.restartPolicy")
    assert [b.text.split(":")[0] for b in restart.blocks] == ["Always", "Never", "OnFailure"]
    codes = [b for s in note.sections for b in s.blocks if b.kind == "code"]
    assert len(codes) == 4 and all(b.lang == "yaml" for b in codes)
    assert codes[-1].text.splitlines()[-1].strip() == "disktype: ssd"


@pytest.mark.parametrize("text", ["", "\n\n", "•", "   • ", "yaml", "yaml\n", "\t\t•\tx"])
def test_degenerate_outlines_parse(text):
    note = parse_note(text, "x.txt")
    assert note.sections
