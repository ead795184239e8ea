"""Bad and pathological notes through the real ``kg ingest``: each bad file is one line
(path and reason), the rest is built, the exit code says which (3 built with skipped
files, 1 nothing built), and every run ends in bounded time. Also: no request fails
while a re-ingest swaps the store under load (a short run of bench/load_swap)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from bench import load_swap
from kg.settings import DEFAULT_NOTES

from .conftest import kg_command

RUN_SECONDS = 120  # a guard against a hang only: speed is measured by python -m bench


def kg(*args: object, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess,
                                                                  float]:
    begin = time.monotonic()
    result = subprocess.run([*kg_command(), *map(str, args)], capture_output=True, text=True,
                            timeout=RUN_SECONDS, env=dict(os.environ, **(env or {})))
    return result, time.monotonic() - begin


def reported(stderr: str) -> dict[str, str]:
    """name → the one ``skipped:``/``warning:`` line about it."""
    lines: dict[str, str] = {}
    for line in stderr.splitlines():
        if line.startswith(("skipped: ", "warning: ")):
            path = line.split(": ", 2)[1]
            assert Path(path).name not in lines, f"reported twice: {line}"
            lines[Path(path).name] = line
    return lines


GOOD_MD = "# Pod\n\nA Pod is a group of containers. A Deployment manages a ReplicaSet.\n"
GOOD_TXT = "Service\n• A Service routes traffic to Pods.\n"


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text(GOOD_MD)
    (notes / "good.txt").write_text(GOOD_TXT)
    (notes / "binary.md").write_bytes(b"# x\x00\x01\x02\xff")
    (notes / "invalid-utf8.md").write_bytes(b"# Caf\xe9\n\nna\xefve \xff\xfe text\n")
    (notes / "oversized.md").write_text("# Big\n\n" + "word " * 2000)
    (notes / "front-matter.md").write_text("---\ntitle: [oops\n---\n# Bad\n")
    (notes / "not-a-mapping.md").write_text("---\n- a\n- b\n---\n# List\n")
    (notes / "empty.md").write_text("")
    os.mkfifo(notes / "fifo.md")  # opening it would wait for a writer forever
    (notes / "folder.md").mkdir()  # a folder named like a note is walked, not read
    (notes / "folder.md" / "inside.md").write_text("# Inside\n\nA Node runs Pods.\n")
    (notes / "sub").mkdir()
    os.symlink("..", notes / "sub" / "loop")
    return notes


def test_bad_files_are_one_line_each_and_the_rest_is_built(bad_folder, tmp_path):
    store = tmp_path / "store"
    result, _seconds = kg("ingest", bad_folder, "--store", store, "-q",
                         env={"KG_MAX_FILE_BYTES": "4096"})
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    lines = reported(result.stderr)
    assert "skipped:" in lines["binary.md"] and "binary" in lines["binary.md"]
    assert "warning:" in lines["invalid-utf8.md"] and "replaced" in lines["invalid-utf8.md"]
    assert "skipped:" in lines["oversized.md"] and "too large" in lines["oversized.md"]
    assert "limit 4096" in lines["oversized.md"]
    # unusable front matter is ignored, and the note kept
    assert "warning:" in lines["front-matter.md"] and "line 2" in lines["front-matter.md"]
    assert "warning:" in lines["not-a-mapping.md"] and "not a YAML mapping" in lines[
        "not-a-mapping.md"]
    assert "skipped:" in lines["fifo.md"] and "FIFO" in lines["fifo.md"]
    assert "skipped:" in lines["loop"] and "symbolic link not followed" in lines["loop"]
    assert f" {bad_folder}" not in result.stderr  # files are named relative to the folder
    # an empty note and a folder named x.md are no errors
    assert "empty.md" not in lines and "folder.md" not in lines
    assert set(lines) == {"binary.md", "invalid-utf8.md", "oversized.md", "front-matter.md",
                          "not-a-mapping.md", "fifo.md", "loop"}
    # good.md, good.txt, invalid-utf8.md, empty.md, folder.md/inside.md and the two
    # notes with bad front matter
    assert "built" in result.stdout and "7 files" in result.stdout
    assert "4 errors, 3 warnings" in result.stdout
    search, _ = kg("search", "Service", "--store", store, "--json")
    assert search.returncode == 0 and "good.txt" in search.stdout


def test_an_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root, which reads a chmod 0 file; the FIFO case covers "
                    "a file that cannot be read")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text(GOOD_MD)
    secret = notes / "secret.md"
    secret.write_text("# Secret\n")
    secret.chmod(0)
    result, _ = kg("ingest", notes, "--store", tmp_path / "store", "-q")
    assert result.returncode == 3
    assert "unreadable" in reported(result.stderr)["secret.md"]


def test_nothing_built_when_every_file_fails(bad_folder, tmp_path):
    store = tmp_path / "store"
    kg("ingest", DEFAULT_NOTES, "--store", store, "-q")
    before = (store / "current").resolve()
    for name in ("good.md", "good.txt", "invalid-utf8.md", "empty.md", "front-matter.md",
                 "not-a-mapping.md"):
        (bad_folder / name).unlink()
    (bad_folder / "folder.md" / "inside.md").unlink()
    result, _seconds = kg("ingest", bad_folder, "--store", store, "-q",
                         env={"KG_MAX_FILE_BYTES": "4096"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nothing built" in result.stderr and "unchanged" in result.stderr
    assert len(reported(result.stderr)) == 4
    assert (store / "current").resolve() == before
    assert not list((store / "builds").glob(".tmp-*"))


# -- pathological input ---------------------------------------------------------------------
LEVELS = 2000


def pathological_folder(root: Path) -> Path:
    notes = root / "notes"
    notes.mkdir()
    (notes / "good.md").write_text(GOOD_MD)
    # thousands of nesting levels, markdown and outline forms, several bullet marks
    (notes / "deep-dash.md").write_text("".join(f"{'  ' * i}- item {i}\n" for i in range(LEVELS)))
    (notes / "deep-ordered.md").write_text(
        "".join(f"{'   ' * i}1. item {i}\n" for i in range(LEVELS)))
    (notes / "deep-dash.txt").write_text("Deep\n" + "".join(
        f"{' ' * (i + 1)}- item {i}\n" for i in range(LEVELS)))
    (notes / "deep-bullet.txt").write_text("Deep\n" + "".join(
        f"{' ' * (i + 1)}{'•◦▪'[i % 3]} level {i}\n" for i in range(LEVELS)))
    # thousands of > levels, one line, and a staircase of them
    (notes / "deep-quote.md").write_text(">" * 5000 + " deep\n\n" + "".join(
        f"{'>' * i} quote {i}\n" for i in range(1, LEVELS)))
    # single lines of megabytes: prose with markup, and the inline parser's worst case
    (notes / "megaline.md").write_text(
        "# Mega\n\n" + "The quick brown fox [jumps](x) over *the* lazy `dog` again " * 50_000
        + "\n\nA Pod is the smallest unit.\n")
    (notes / "brackets.md").write_text("# Brackets\n\n" + "[" * 1_000_000 + "\n\n"
                                       + "![" * 500_000 + "\n")
    (notes / "megaline.txt").write_text("Mega\n" + "lorem ipsum dolor sit amet, " * 100_000
                                        + "\n• A Pod runs containers.\n")
    (notes / "yaml-forever.txt").write_text(
        "Config\nyaml\n" + "".join(f"{' ' * (i % 40)}key{i}: value\n" for i in range(50_000)))
    return notes


def test_pathological_notes_ingest_in_bounded_time(tmp_path):
    notes = pathological_folder(tmp_path)
    store = tmp_path / "store"
    result, _seconds = kg("ingest", notes, "--store", store, "-q", "--workers", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "10 files" in result.stdout
    # nesting is capped, not multiplied: a store stays near the size of its notes
    size = sum(p.stat().st_size for p in (store / "current").rglob("*") if p.is_file())
    notes_size = sum(p.stat().st_size for p in notes.iterdir())
    assert size < 5 * notes_size + 20_000_000, f"store {size} bytes for {notes_size} of notes"
    for query, path in (("smallest unit", "megaline.md"), ("runs containers", "megaline.txt"),
                        ("item 3", "deep-dash.txt"), ("level 5", "deep-bullet.txt")):
        found, _ = kg("search", query, "--store", store, "--json")
        assert found.returncode == 0 and path in found.stdout, (query, found.stdout[:500])


def test_nested_sections_are_capped_in_the_outline_form():
    from ingest.notes import parse_note
    from ingest.outline import MAX_DEPTH

    text = "Deep\n" + "".join(f"{' ' * (i + 1)}- item {i}\n" for i in range(LEVELS))
    note = parse_note(text, "deep.txt")
    assert max(len(s.breadcrumb) for s in note.sections) <= MAX_DEPTH + 3
    blocks = [b for s in note.sections for b in s.blocks]
    assert {b.text for b in blocks} >= {f"item {i}" for i in range(MAX_DEPTH + 5, LEVELS)}
    assert all(1 <= b.line <= b.end_line <= LEVELS + 1 for b in blocks)


# -- load while the store is swapped --------------------------------------------------------
def test_no_request_fails_while_a_reingest_swaps_the_store(tmp_path):
    """bench/load_swap for 8 s at concurrency 8 on data/notes, re-ingesting twice."""
    store = tmp_path / "store"
    load_swap.ingest(DEFAULT_NOTES, store)
    result = load_swap.run_load(store, DEFAULT_NOTES, seconds=8, concurrency=8, reingests=2)
    assert result["failed"] == 0, load_swap.report(result)
    assert [i["ok"] for i in result["ingests"]] == [True, True], result["ingests"]
    assert len(result["builds"]) == 3, result["builds"]  # the first, then one per re-ingest
    assert all(row["requests"] > 0 for row in result["endpoints"].values())


# -- damaged builds ---------------------------------------------------------------------------
def fetch(url: str) -> tuple[int, dict]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def damaged_copy(store: Path, name: str, graph: bytes | None = None) -> Path:
    """A copy of the current build with its concept graph cut in half (or ``graph``)."""
    import shutil

    build = store / "builds" / name
    shutil.copytree((store / "current").resolve(), build)
    path = build / "graph.json"
    path.write_bytes(graph if graph is not None else path.read_bytes()[: path.stat().st_size // 2])
    return build


def wait_for(check, seconds: float = 20.0):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_a_damaged_new_build_is_rejected_and_the_last_good_one_served(tmp_path, notes_build):
    import shutil

    from kg.store import publish
    from tests.serving import running_server

    store = tmp_path / "store"
    shutil.copytree(notes_build[1].root, store, symlinks=True)
    good = (store / "current").resolve().name
    with running_server(store) as url:
        publish(store, damaged_copy(store, "20990101T000000-damaged"))
        health = wait_for(lambda: (body := fetch(url + "/healthz")[1]).get("rejected") and body)
        assert health["status"] == "degraded" and health["build"] == good
        assert health["rejected"]["build"] == "20990101T000000-damaged"
        assert "unreadable" in health["rejected"]["reason"]
        for _ in range(6):  # every worker, every request: answers from the good build
            status, body = fetch(url + "/api/search?q=pod")
            assert status == 200 and body["total"] > 0


def test_a_server_started_on_a_damaged_build_serves_the_last_good_one(tmp_path, notes_build):
    """It used to make gunicorn exit at boot, again and again."""
    import shutil

    from kg.store import publish
    from tests.serving import running_server

    store = tmp_path / "store"
    shutil.copytree(notes_build[1].root, store, symlinks=True)
    good = (store / "current").resolve().name
    publish(store, damaged_copy(store, "20990101T000000-damaged", graph=b"[]"))
    with running_server(store) as url:
        for _ in range(6):
            status, health = fetch(url + "/healthz")
            assert status == 200 and health["build"] == good
            assert health["rejected"]["build"] == "20990101T000000-damaged"


def test_a_server_with_no_good_build_answers_503_and_recovers(tmp_path, notes_build):
    import shutil

    from kg.store import publish
    from tests.serving import free_port, start_server, stop_server

    store = tmp_path / "store"
    shutil.copytree(notes_build[1].root, store, symlinks=True)
    good = (store / "current").resolve()
    publish(store, damaged_copy(store, "20990101T000000-damaged", graph=b"[]"))
    aside = tmp_path / good.name
    good.rename(aside)
    port = free_port()
    server = start_server(store, port)
    url = f"http://127.0.0.1:{port}"
    try:
        answer = wait_for(lambda: _answer(url + "/healthz"), seconds=60)
        assert answer[0] == 503, answer
        assert answer[1]["error"]["code"] == "no_store"
        assert "unreadable" in answer[1]["error"]["message"]
        time.sleep(2)
        assert server.poll() is None, "kg serve exited"
        aside.rename(good)
        publish(store, good)
        assert wait_for(lambda: fetch(url + "/healthz")[0] == 200)
    finally:
        stop_server(server)


def _answer(url: str) -> tuple[int, dict] | None:
    try:
        return fetch(url)
    except OSError:
        return None


def test_a_build_that_does_not_open_is_never_published(tmp_path, notes_corpus, monkeypatch):
    from graph.concept_graph import ConceptGraph
    from kg.store import StoreError, build_store

    store = tmp_path / "store"
    build_store(store, notes_corpus, base_uri="http://127.0.0.1:8000/")
    before = (store / "current").resolve()
    monkeypatch.setattr(ConceptGraph, "save", lambda self, path: path.write_text("{"))
    with pytest.raises(StoreError, match="the concept graph failed.*nothing was published"):
        build_store(store, notes_corpus, base_uri="http://127.0.0.1:8000/")
    assert (store / "current").resolve() == before
    assert [p.name for p in (store / "builds").iterdir()] == [before.name]


def test_a_huge_table_is_cut_with_a_warning(tmp_path):
    """An 8 MB table took 52 s and 5.3 GB to ingest; its rows past the cap are skipped."""
    from ingest.markdown import MAX_TABLE_ROWS

    notes = tmp_path / "notes"
    notes.mkdir()
    rows = "".join(f"| cell {i} | Pod {i} | v{i} |\n" for i in range(250_000))
    (notes / "table.md").write_text("# Table\n\n| a | b | c |\n|---|---|---|\n" + rows
                                    + "\nA Pod is the smallest deployable unit.\n")
    assert (notes / "table.md").stat().st_size > 8_000_000
    store = tmp_path / "store"
    result, _seconds = kg("ingest", notes, "--store", store, "-q", "--workers", "1")
    assert result.returncode == 3, result.stderr[-2000:]
    line = reported(result.stderr)["table.md"]
    assert line.startswith("warning: table.md: table at line 3 cut after line ")
    assert f"{250_000 - MAX_TABLE_ROWS} more rows skipped" in line
    found, _ = kg("search", "smallest deployable unit", "--store", store, "--json")
    assert found.returncode == 0 and "table.md" in found.stdout
    found, _ = kg("search", "cell 1999", "--store", store, "--json")
    assert found.returncode == 0 and "table.md" in found.stdout


def test_evidence_from_a_sentence_of_megabytes_is_cut_around_the_match(tmp_path, vocabulary):
    """A 9 MB note without full stops made the Pod page 351 MB: every relation read from
    it carried the whole "sentence"."""
    from ingest.pipeline import MAX_EVIDENCE_CHARS, ingest_paths

    notes = tmp_path / "notes"
    notes.mkdir()
    filler = "lorem ipsum dolor sit amet " * 20_000
    (notes / "long.md").write_text(f"# Long\n\n{filler} a Deployment manages a ReplicaSet, "
                                   f"{filler} a Pod is the smallest deployable unit\n")
    corpus = ingest_paths([notes], vocabulary, workers=1)
    manages = [r for r in corpus.relations if r.type == "manages"
               and (r.source, r.target) == ("deployment", "replicaset")]
    assert manages, sorted({(r.source, r.type, r.target) for r in corpus.relations})[:20]
    for relation in corpus.relations:
        assert len(relation.evidence.text) <= MAX_EVIDENCE_CHARS + 2, relation
    text = manages[0].evidence.text
    assert "a Deployment manages a ReplicaSet" in text
    assert text.startswith("…") and text.endswith("…")
    for concept in corpus.concepts.values():
        assert concept.definition is None or len(concept.definition.text) <= \
            MAX_EVIDENCE_CHARS + 2


def test_memory_stays_bounded_over_store_swaps(tmp_path, notes_build, monkeypatch):
    """Each swap used to leave the old build's objects in memory for good (~48 MB a
    worker on k8s-docs): after 20 swaps at most the current build and the one before
    it are alive."""
    import gc
    import shutil
    import weakref

    from api.app import create_app
    from kg import store as store_module
    from kg.store import Store, publish

    store = tmp_path / "store"
    shutil.copytree(notes_build[1].root, store, symlinks=True)
    original = (store / "current").resolve()
    monkeypatch.setattr(store_module, "RELOAD_CHECK_SECONDS", 0.0)
    client = create_app({"store": str(store), "TESTING": True}).test_client()
    seen: list[weakref.ref] = []
    opened = Store._open_build.__func__

    def tracked(cls, root, build):  # noqa: ANN001, ANN202
        opened_store = opened(cls, root, build)
        seen.extend(weakref.ref(part) for part in (opened_store, opened_store.graph,
                                                   opened_store.index))
        return opened_store

    monkeypatch.setattr(Store, "_open_build", classmethod(tracked))
    frozen = []  # objects kept out of garbage collection, after each swap
    try:
        for number in range(20):
            build = store / "builds" / f"29990101T0000{number:02}-swap"
            shutil.copytree(original, build)
            publish(store, build)
            assert client.get("/healthz").get_json()["build"] == build.name
            assert client.get("/api/search?q=pod").status_code == 200
            assert client.get("/api/suggest?q=po").status_code == 200
            frozen.append(gc.get_freeze_count())
        # each swap froze ~4000 more objects (the old build's garbage) for good
        assert frozen[-1] <= frozen[1] * 1.2, frozen
        gc.collect()
        alive = [ref() for ref in seen if ref() is not None]
        assert len(seen) == 3 * 20
        assert len(alive) <= 3 * 2, alive
    finally:
        gc.unfreeze()  # the app froze what it held; let the test's stores go


def test_a_swap_frees_what_pages_kept_for_the_build_it_leaves(tmp_path, notes_build,
                                                              monkeypatch):
    """Pages keep indexes derived from a build's graph (``Store.derived``); they used to
    keep the old build's graph alive until a page that needs them was asked for again."""
    import gc
    import shutil
    import weakref

    from api.app import create_app
    from kg import store as store_module
    from kg.store import publish

    store = tmp_path / "store"
    shutil.copytree(notes_build[1].root, store, symlinks=True)
    monkeypatch.setattr(store_module, "RELOAD_CHECK_SECONDS", 0.0)
    client = create_app({"store": str(store), "TESTING": True}).test_client()
    try:
        assert client.get("/concepts").status_code == 200  # keeps the concept rows
        old_graph = weakref.ref(client.application.extensions["kg"]["store"].graph)
        build = store / "builds" / "29990101T000000-next"
        shutil.copytree((store / "current").resolve(), build)
        publish(store, build)
        assert client.get("/healthz").get_json()["build"] == build.name
        gc.collect()
        assert old_graph() is None
    finally:
        gc.unfreeze()  # the app froze what it held; let the test's stores go


def test_the_table_limit_is_a_setting_and_a_change_of_it_rebuilds(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    rows = "".join(f"| Pod {i} | runs {i} |\n" for i in range(300))
    (notes / "table.md").write_text("# Table\n\n| a | b |\n|---|---|\n" + rows)
    store = tmp_path / "store"
    for limit, skipped in (("100", 200), ("250", 50), ("1000", None)):
        result, _ = kg("ingest", notes, "--store", store, "-q",
                       env={"KG_MAX_TABLE_ROWS": limit})
        assert "up to date" not in result.stdout  # the parse cache is keyed by the limit
        if skipped is None:
            assert result.returncode == 0 and "table.md" not in result.stderr
        else:
            assert result.returncode == 3
            assert f"{skipped} more rows skipped" in reported(result.stderr)["table.md"]


def test_a_damaged_part_read_late_answers_503_and_shows_in_healthz(tmp_path, notes_build):
    import shutil

    from kg.store import Store

    from .conftest import make_client

    store = tmp_path / "store"
    shutil.copytree(notes_build[1].root, store, symlinks=True)
    (store / "current" / "notes.jsonl").write_text("{not json\n")
    client = make_client(Store.open(store))
    for _ in range(2):  # read once, then the reason is kept
        response = client.get("/notes/cluster/namespaces.md")
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "store_unreadable"
    assert client.get("/api/search?q=pod").status_code == 200  # the rest is served
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded" and "notes" in health["damaged"]
