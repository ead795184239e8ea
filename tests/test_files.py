"""Whatever is in a folder, discovery and reading report bad files and go on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.files import discover, read_text
from ingest.pipeline import ingest_paths


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_discovery_is_recursive_sorted_and_relative(tmp_path):
    write(tmp_path / "b.md", "# B")
    write(tmp_path / "sub" / "a.txt", "A")
    write(tmp_path / "sub" / "image.png", b"\x89PNG")
    write(tmp_path / ".hidden" / "c.md", "# C")
    files, errors = discover([tmp_path])
    assert [f.path for f in files] == ["b.md", "sub/a.txt"]
    assert errors == []


def test_a_missing_path_and_a_non_note_file_are_reported(tmp_path):
    picture = write(tmp_path / "x.png", b"\x89PNG")
    files, errors = discover([tmp_path / "nope", picture])
    assert files == []
    assert [e.reason.split(":")[0] for e in errors] == ["no such file or folder", "not a note"]


def test_symlink_loops_are_reported_not_followed_forever(tmp_path):
    write(tmp_path / "notes" / "a.md", "# A")
    os.symlink(tmp_path / "notes", tmp_path / "notes" / "loop")
    files, errors = discover([tmp_path / "notes"], follow_links=True)
    assert [f.path for f in files] == ["a.md"]
    assert [(e.path, e.fatal) for e in errors if "symlink loop" in e.reason] == [("loop", False)]


@pytest.fixture
def linked_notes(tmp_path: Path) -> Path:
    """A notes folder with links in it: to a note and a folder inside it, and to a file,
    a folder, a device and a /proc file outside it."""
    notes = tmp_path / "notes"
    write(notes / "a.md", "# A")
    write(notes / "sub" / "b.md", "# B")
    write(tmp_path / "outside" / "secret.md", "# Secret")
    os.symlink(notes / "a.md", notes / "alias.md")
    os.symlink(notes / "sub", notes / "same-sub")
    os.symlink(tmp_path / "outside" / "secret.md", notes / "secret.md")
    os.symlink(tmp_path / "outside", notes / "outside")
    os.symlink("/etc/passwd", notes / "passwd.md")
    os.symlink("/dev/zero", notes / "zero.md")
    os.symlink("/proc/self/status", notes / "status.txt")
    return notes


LEAVING = {"secret.md", "outside", "passwd.md", "zero.md", "status.txt"}


def test_symbolic_links_are_not_followed_by_default(linked_notes):
    files, errors = discover([linked_notes])
    assert [f.path for f in files] == ["a.md", "sub/b.md"]
    assert {e.path: e.fatal for e in errors} == dict.fromkeys(LEAVING | {"alias.md", "same-sub"},
                                                              True)
    assert all("symbolic link not followed" in e.reason for e in errors)


def test_followed_links_stay_inside_the_folder(linked_notes):
    files, errors = discover([linked_notes], follow_links=True)
    # a folder is read once, by the first path that reaches it
    assert [f.path for f in files] == ["a.md", "alias.md", "same-sub/b.md"]
    assert {e.path for e in errors if "leads out of the folder" in e.reason} == LEAVING
    assert {e.path for e in errors if "leads out of the folder" not in e.reason} == {"sub"}


def test_nothing_outside_the_folder_is_ingested(linked_notes, vocabulary):
    for follow_links in (False, True):
        corpus = ingest_paths([linked_notes], vocabulary, workers=1, follow_links=follow_links)
        texts = repr([note.sections for note in corpus.notes])
        assert "Secret" not in texts and "root:" not in texts and "VmRSS" not in texts
        assert {note.path for note in corpus.notes} & LEAVING == set()


def test_a_pseudo_file_is_not_read(tmp_path):
    text, error = read_text(Path("/proc/self/status"))
    assert text is None and "pseudo file" in error.reason
    assert read_text(write(tmp_path / "empty.md", ""))[0] == ""  # a real empty file is read


def test_problems_name_files_relative_to_the_folder_given(tmp_path, vocabulary):
    write(tmp_path / "notes" / "sub" / "bin.md", b"\x00\x01")
    write(tmp_path / "notes" / "bad-yaml.md", "---\ntitle: [x\n---\n# Body\n")
    corpus = ingest_paths([tmp_path / "notes"], vocabulary, workers=1)
    assert sorted(e.path for e in corpus.errors) == ["bad-yaml.md", "sub/bin.md"]


def test_binary_oversized_and_undecodable_files(tmp_path):
    binary = write(tmp_path / "bin.md", b"abc\x00def")
    large = write(tmp_path / "large.md", "x" * 2000)
    latin = write(tmp_path / "latin.md", "caf\xe9 \u2603".encode("latin-1", "replace"))
    korean = write(tmp_path / "korean.md", "파드는 컨테이너의 묶음".encode("cp949"))
    assert read_text(binary)[0] is None and "binary" in read_text(binary)[1].reason
    text, error = read_text(large, max_bytes=1000)
    assert text is None and "too large" in error.reason
    text, error = read_text(korean)
    assert text == "파드는 컨테이너의 묶음" and not error.fatal and "cp949" in error.reason
    text, error = read_text(latin)
    assert text is not None and not error.fatal


def test_an_unreadable_file_is_skipped_and_the_rest_ingests(tmp_path, vocabulary):
    write(tmp_path / "good.md", "# Pod\n\nA Pod runs containers.\n")
    write(tmp_path / "bad.md", "---\ntitle: [oops\n---\n# Bad\n")
    write(tmp_path / "empty.md", "")
    secret = write(tmp_path / "secret.md", "# Secret")
    secret.chmod(0)
    corpus = ingest_paths([tmp_path], vocabulary, workers=1)
    paths = sorted(note.path for note in corpus.notes)
    reasons = {Path(e.path).name: e.reason for e in corpus.errors}
    assert "good.md" in paths and "empty.md" in paths
    assert "front matter" in reasons["bad.md"]
    assert "bad.md" in paths  # the note itself is kept, its front matter is not
    if os.geteuid() != 0:  # root reads anything
        assert "unreadable" in reasons["secret.md"]


def test_a_file_name_with_a_line_break_is_skipped_with_a_one_line_reason(tmp_path):
    """Such a note was ingested, but its page could not be opened (404)."""
    write(tmp_path / "notes" / "a\nb.md", "# A")
    write(tmp_path / "notes" / "tab\there.md", "# T")
    write(tmp_path / "notes" / "fine.md", "# F")
    files, errors = discover([tmp_path / "notes"])
    assert [f.path for f in files] == ["fine.md"]
    assert sorted(e.path for e in errors) == ["a\\nb.md", "tab\\there.md"]
    assert all("line break or control character" in e.reason and e.fatal for e in errors)


def test_a_link_put_in_place_after_discovery_is_not_read(tmp_path):
    """The check is made on the file actually opened, not only when the folder is walked."""
    write(tmp_path / "notes" / "sub" / "a.md", "# A")
    write(tmp_path / "outside" / "a.md", "# Secret")
    files, errors = discover([tmp_path / "notes"])
    assert [f.path for f in files] == ["sub/a.md"] and errors == []
    (tmp_path / "notes" / "sub" / "a.md").unlink()
    (tmp_path / "notes" / "sub").rmdir()
    os.symlink(tmp_path / "outside", tmp_path / "notes" / "sub")  # swapped in meanwhile
    text, error = read_text(files[0].absolute, inside=files[0].inside)
    assert text is None and "leads out of the folder" in error.reason
