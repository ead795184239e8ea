"""End to end through the real ``kg`` command."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict

import pytest

from ingest.pipeline import ingest_paths
from ingest.vocabulary import load_vocabulary
from kg.settings import DEFAULT_NOTES
from kg.store import note_record

from .conftest import FIXTURES, SEED_NOTES, kg_command, needs_shared


def kg(*args, check_code=None):
    result = subprocess.run([*kg_command(), *map(str, args)], capture_output=True, text=True,
                            timeout=300)
    if check_code is not None:
        assert result.returncode == check_code, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("cli") / "store"
    kg("ingest", FIXTURES / "outline", FIXTURES / "markdown" / "git-notes.md", "--store", store,
       check_code=0)
    return store


def test_ingest_prints_a_summary(tmp_path):
    result = kg("ingest", FIXTURES / "outline", "--store", tmp_path / "s", check_code=0)
    assert "2 files" in result.stdout and "concepts" in result.stdout and "relations" in result.stdout
    assert (tmp_path / "s" / "current" / "graph.nq").exists()


def test_bad_files_are_listed_and_the_rest_is_built(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Pod\n\nA Pod is a group of containers.\n")
    (notes / "broken.md").write_text("---\ntitle: [x\n---\n")
    (notes / "binary.md").write_bytes(b"\x00\x01\x02")
    result = kg("ingest", notes, "--store", tmp_path / "s", check_code=3)
    assert "built" in result.stdout and "2 files" in result.stdout  # broken.md is kept
    problems = [line for line in result.stderr.splitlines()
                if line.startswith(("skipped", "warning"))]  # the rest are ingest stages
    assert problems == [
        "skipped: binary.md: binary file (contains NUL bytes)",
        "warning: broken.md: malformed YAML front matter at line 2; front matter ignored"]


def test_nothing_built_keeps_the_previous_store(tmp_path, cli_store):
    store = tmp_path / "s"
    kg("ingest", FIXTURES / "outline", "--store", store, check_code=0)
    before = (store / "current").resolve()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = kg("ingest", empty, "--store", store, check_code=1)
    assert "nothing built" in result.stderr
    assert (store / "current").resolve() == before


def test_a_missing_path_is_a_one_line_reason(tmp_path):
    result = kg("ingest", tmp_path / "nope", "--store", tmp_path / "s", check_code=1)
    assert "no such file or folder" in result.stderr


def test_search_answers_like_the_api(cli_store):
    result = kg("search", "Blob", "--store", cli_store, check_code=0)
    assert "Blob" in result.stdout and "results" in result.stdout
    as_json = json.loads(kg("search", "Blob", "--store", cli_store, "--json",
                            check_code=0).stdout)
    assert as_json["results"][0]["kind"] in ("section", "concept")


def test_related_lists_typed_relations_with_evidence(cli_store):
    result = kg("related", "commit", "--store", cli_store, check_code=0)
    assert "Commit (commit)" in result.stdout
    assert "Tree" in result.stdout and "git-notes" in result.stdout
    unknown = kg("related", "zzzz", "--store", cli_store, check_code=1)
    assert "no concept named" in unknown.stderr


def test_search_without_a_store_says_how_to_build_one(tmp_path):
    result = kg("search", "pod", "--store", tmp_path / "none", check_code=1)
    assert "kg ingest" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_vocabulary_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "vocab.yaml"
    bad.write_text("concepts: 3\n")
    result = kg("ingest", FIXTURES / "outline", "--store", tmp_path / "s", "--vocabulary", bad,
                check_code=1)
    assert "vocab.yaml" in result.stderr and "Traceback" not in result.stderr


def test_the_seed_notes_ingest(tmp_path):
    seed = needs_shared(SEED_NOTES)
    result = kg("ingest", seed, "--store", tmp_path / "seed", check_code=0)
    assert "1 file," in result.stdout


def test_note_records_hold_every_field_of_the_parsed_note() -> None:
    """notes.jsonl is written by hand for speed; it must still be the whole dataclass."""
    corpus = ingest_paths([DEFAULT_NOTES], load_vocabulary())
    for note in corpus.notes:
        assert json.loads(json.dumps(note_record(note), default=str)) == \
            json.loads(json.dumps(asdict(note), default=str))


@pytest.mark.parametrize("how", ["read-only", "under a file"])
def test_a_store_that_cannot_be_written_is_a_one_line_error(tmp_path, how):
    if how == "read-only":
        if os.geteuid() == 0:
            pytest.skip("running as root, which writes anywhere; 'under a file' covers it")
        store = tmp_path / "store"
        kg("ingest", FIXTURES / "outline", "--store", store, check_code=0)
        for path in (store, *store.rglob("*")):
            path.chmod(path.stat().st_mode & ~0o222)
    else:
        (tmp_path / "file").write_text("")
        store = tmp_path / "file" / "store"
    result = kg("ingest", FIXTURES / "markdown" / "git-notes.md", "--store", store, "--force",
                check_code=1)
    assert result.stderr.startswith(f"kg: cannot write to the store {store}: ")
    assert len(result.stderr.splitlines()) == 1


def test_ingest_never_writes_into_a_folder_that_is_not_a_store(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.md").write_text("# Mine\n")
    result = kg("ingest", FIXTURES / "outline", "--store", folder, check_code=1)
    assert result.stderr == (f"kg: {folder} is not a kg store (it holds 'thesis.md'): "
                             "give --store a new or empty folder\n")
    assert [p.name for p in folder.iterdir()] == ["thesis.md"]


# -- friendly errors and output (issue 14) -----------------------------------------------
def test_an_empty_search_is_a_one_line_usage_error(cli_store):
    result = kg("search", "", "--store", cli_store, check_code=2)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "kg search" in result.stderr


def test_concept_results_print_the_label(cli_store):
    result = kg("search", "commit", "--kind", "concept", "--store", cli_store, check_code=0)
    first = result.stdout.splitlines()[0]
    assert "[concept] Commit (commit)" in first


def test_ingest_reports_each_stage_with_elapsed_time(tmp_path):
    result = kg("ingest", FIXTURES / "outline", "--store", tmp_path / "s", check_code=0)
    stages = [line for line in result.stderr.splitlines() if "done in" in line]
    assert [line.split(":")[1].strip() for line in stages][:1] == ["reading files"]
    assert any("parsing and linking" in line for line in stages)
    assert any("writing the graph and the index" in line for line in stages)
    assert all("elapsed" in line for line in stages)
    quiet = kg("ingest", FIXTURES / "outline", "--store", tmp_path / "q", "--quiet",
               check_code=0)
    assert "done in" not in quiet.stderr


def test_one_file_is_singular(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Pod\n\nA Pod is a group of containers.\n")
    result = kg("ingest", notes, "--store", tmp_path / "s", check_code=0)
    assert "1 file," in result.stdout and "1 files" not in result.stdout


def test_path_between_two_concepts(cli_store):
    result = kg("path", "commit", "tree", "--store", cli_store, check_code=0)
    assert result.stdout.startswith("1. Commit") and "Tree" in result.stdout
    unknown = kg("path", "commit", "zzzz", "--store", cli_store, check_code=1)
    assert "no concept named" in unknown.stderr and "Traceback" not in unknown.stderr


def test_version_and_help_with_examples():
    assert kg("--version", check_code=0).stdout.startswith("kg ")
    help_text = kg("--help", check_code=0).stdout
    assert "examples:" in help_text and "kg path" in help_text
