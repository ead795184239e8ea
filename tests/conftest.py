"""Shared fixtures: built stores (our notes, the user's seed notes), Flask clients, a real
server, and headless Chromium.

Stores are built once per session; tests that change data build their own in tmp_path.
Anything that needs ../shared skips with the reason when it is absent (a user's
checkout); CI has it, so there they run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from ingest.model import Corpus
from ingest.pipeline import ingest_paths
from ingest.vocabulary import load_vocabulary
from kg.settings import DEFAULT_NOTES, REPO_ROOT, load_settings
from kg.store import Store, build_store
from tests.serving import (  # noqa: F401 - the tests' helpers to run kg
    free_port,
    kg_command,
    running_server,
    start_server,
    stop_server,
    wait_healthy,
)

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = REPO_ROOT.parent / "shared"
SEED_NOTES = SHARED / "seeds" / "k8s-notes.txt"
K8S_DOCS = SHARED / "corpora" / "k8s-docs"
K8S_DOCS_KO = SHARED / "corpora" / "k8s-docs-ko"
BASE_URI = "http://127.0.0.1:8000/"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def needs_shared(path: Path) -> Path:
    """Skip (with the reason) unless the shared corpus file or folder exists."""
    if not path.exists():
        pytest.skip(f"{path} is absent: the real notes/docs live in ../shared (present in CI)")
    return path


@pytest.fixture(scope="session")
def vocabulary():
    return load_vocabulary()


def build(paths: list[Path], store: Path, vocabulary) -> tuple[Corpus, Store]:
    corpus = ingest_paths(paths, vocabulary, workers=1)
    build_store(store, corpus, base_uri=BASE_URI)
    return corpus, Store.open(store)


@pytest.fixture(scope="session")
def notes_build(tmp_path_factory, vocabulary) -> tuple[Corpus, Store]:
    """data/notes (our own notes) ingested into a store."""
    return build([DEFAULT_NOTES], tmp_path_factory.mktemp("notes-store"), vocabulary)


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory, vocabulary) -> tuple[Corpus, Store]:
    """The user's real notes (../shared/seeds/k8s-notes.txt) ingested into a store."""
    seed = needs_shared(SEED_NOTES)
    return build([seed], tmp_path_factory.mktemp("seed-store"), vocabulary)


@pytest.fixture(scope="session")
def k8s_docs_store(tmp_path_factory, vocabulary) -> Store:
    """The Kubernetes docs (../shared/corpora/k8s-docs) ingested once per session, their
    folder recorded as the build's source (note pages render the markdown from it)."""
    docs = needs_shared(K8S_DOCS)
    root = tmp_path_factory.mktemp("k8s-docs-store")
    build_store(root, ingest_paths([docs], vocabulary), base_uri=BASE_URI,
                extra={"sources": [str(docs)]})
    return Store.open(root)


@pytest.fixture(scope="session")
def notes_corpus(notes_build) -> Corpus:
    return notes_build[0]


@pytest.fixture(scope="session")
def seed_corpus(seed_build) -> Corpus:
    return seed_build[0]


def make_client(store: Store, **config):
    settings = {"store": str(store.root), **config}
    app = create_app({"STORE": store, "TESTING": True, **settings})
    return app.test_client()


@pytest.fixture(scope="session")
def client(notes_build):
    """A Flask test client over our notes."""
    return make_client(notes_build[1])


@pytest.fixture(scope="session")
def seed_client(seed_build):
    """A Flask test client over the user's seed notes."""
    return make_client(seed_build[1])


# -- a real server ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def live_server(notes_build) -> Iterator[str]:
    """``kg serve`` (gunicorn) over our notes, on a free loopback port."""
    with running_server(notes_build[1].root, KG_CORS_ORIGINS="*") as url:
        yield url


# -- headless Chromium ----------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright. Skips off CI when either is missing."""
    executable = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if executable is None or sync_playwright is None:
        missing = "chromium" if executable is None else "playwright"
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is not installed; .ci/run must install it")
        pytest.skip(f"{missing} is not installed (apt-get install chromium; pip install playwright)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def settings():
    return load_settings()
