"""Property-based tests of the note parsers (hypothesis): any text, in either form,
parses without an exception into sections and blocks whose lines stay inside the file,
the same text always gives the same outline, and a folder ingested twice gives the same
concepts and relations."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.concepts import collect
from ingest.notes import parse_note
from ingest.pipeline import ingest_paths

# CI runs the same examples every time; elsewhere each run explores new ones
DERANDOMIZE = bool(os.environ.get("CI"))
SETTINGS = settings(max_examples=200, deadline=None, database=None, derandomize=DERANDOMIZE,
                    suppress_health_check=[HealthCheck.too_slow])

WORDS = ["Pod", "Deployment", "ReplicaSet", "Service", "ConfigMap", "Node", "runs on",
         "manages", "uses", "->", "is a", "kind", "the", "containers", "파드는", "컨테이너의",
         "묶음이다", "yaml", "name:", "spec:", "`kubectl get pods`", "**bold**", "[link](x)",
         "1.", "2.3", "Appendix 1.", "<script>", "&amp;", "{{< glossary_tooltip text=\"Pod\" >}}"]
INDENTS = ["", " ", "  ", "    ", "\t", "        "]
MARKS = ["- ", "* ", "+ ", "• ", "◦ ", "▪ ", "1. ", "> ", "# ", "## ", "### ", "| ", ""]


@st.composite
def note_lines(draw) -> str:
    """Lines shaped like notes: indentation, bullets, headings, quotes, code fences,
    tables, YAML and Hangul, mixed with arbitrary text."""
    kind = draw(st.sampled_from(["structured", "structured", "structured", "any"]))
    if kind == "any":
        return draw(st.text(max_size=40))
    words = draw(st.lists(st.sampled_from(WORDS), max_size=6))
    special = draw(st.sampled_from(["", "", "", "```", "```yaml", "---", "|---|---|", "yaml",
                                    "key: value", "  - name: x", "    image: nginx", "..."]))
    return (draw(st.sampled_from(INDENTS)) + draw(st.sampled_from(MARKS)) + " ".join(words)
            + (special if not words else ""))


@st.composite
def notes(draw) -> str:
    lines = draw(st.lists(note_lines(), max_size=40))
    if draw(st.booleans()):
        front = draw(st.sampled_from(["title: T\ntags: [a, b]", "title: [oops", "- a\n- b",
                                      "", "tags: x", "title: 파드"]))
        lines = ["---", *front.split("\n"), "---", *lines]
    ending = draw(st.sampled_from(["\n", "", "\r\n", "\n\n"]))
    return "\n".join(lines) + ending


any_text = st.one_of(notes(), st.text(max_size=400))
suffixes = st.sampled_from(["note.md", "note.txt"])


def parse(text: str, path: str):
    """parse_note, where unreadable front matter (FrontMatterError) is the one allowed
    failure: ingest reports it as the file's reason."""
    from ingest.markdown import FrontMatterError

    try:
        return parse_note(text, path)
    except FrontMatterError:
        return None


@SETTINGS
@given(text=any_text, path=suffixes)
def test_any_text_parses_with_lines_inside_the_file(text, path):
    note = parse(text, path)
    if note is None:
        return
    lines = max(note.lines, 1)
    assert note.sections
    anchors = [s.anchor for s in note.sections]
    assert len(set(anchors)) == len(anchors)
    for section in note.sections:
        assert 1 <= section.line <= section.end_line <= lines, (section.title, section.line,
                                                                 section.end_line, lines)
        assert section.parent is None or section.parent in anchors
        for index, block in enumerate(section.blocks):
            assert 1 <= block.line <= block.end_line <= lines, (block, lines)
            assert block.parent is None or 0 <= block.parent < index
    collect(note)  # candidates for concepts never raise either


@SETTINGS
@given(text=any_text, path=suffixes)
def test_parsing_is_deterministic(text, path):
    first, second = parse(text, path), parse(text, path)
    assert (dataclasses.asdict(first) if first else None) == \
        (dataclasses.asdict(second) if second else None)


@SETTINGS
@given(text=notes())
def test_line_endings_do_not_change_the_outline(text):
    """CRLF and LF files of the same note give the same sections at the same lines."""
    lf = parse(text.replace("\r\n", "\n"), "note.txt")
    crlf = parse(text.replace("\r\n", "\n").replace("\n", "\r\n"), "note.txt")
    assert [(s.title, s.line, s.end_line) for s in lf.sections] == \
        [(s.title, s.line, s.end_line) for s in crlf.sections]


def _facts(corpus):
    concepts = {cid: (c.label, sorted(c.alt_labels), c.sections)
                for cid, c in corpus.concepts.items()}
    relations = sorted((r.source, r.type, r.target, r.evidence.path, r.evidence.line)
                       for r in corpus.relations)
    return concepts, relations


@settings(max_examples=15, deadline=None, database=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(notes(), suffixes), min_size=1, max_size=4))
def test_a_folder_ingested_twice_gives_the_same_graph(tmp_path_factory, vocabulary, texts):
    folder: Path = tmp_path_factory.mktemp("twice")
    for number, (text, name) in enumerate(texts):
        (folder / f"{number}-{name}").write_text(text, encoding="utf-8")
    first = ingest_paths([folder], vocabulary, workers=1)
    second = ingest_paths([folder], vocabulary, workers=1)
    assert _facts(first) == _facts(second)
    assert [dataclasses.asdict(n) for n in first.notes] == \
        [dataclasses.asdict(n) for n in second.notes]
