"""A real ``kg serve`` (gunicorn) on loopback, as a user runs it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from .conftest import SEED_NOTES, needs_shared, running_server


def fetch(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory):
    needs_shared(SEED_NOTES)
    from .test_cli import kg

    store = tmp_path_factory.mktemp("served") / "seed-store"
    kg("ingest", SEED_NOTES, "--store", store, check_code=0)
    with running_server(store) as url:
        yield url


def test_acceptance_queries_on_the_users_notes(seed_server):
    status, path = fetch(seed_server + "/api/path?from=Deployment&to=Pod")
    assert status == 200
    assert [n["label"] for n in path["nodes"]] == ["Deployment", "ReplicaSet", "Pod"]
    assert path["edges"][0]["evidence"][0]["line"] == 76
    _, related = fetch(seed_server + "/api/concepts/replicaset/related")
    assert {"deployment", "pod"} <= {r["id"] for r in related["related"]}
    _, service = fetch(seed_server + "/api/concepts/Service/related?limit=50")
    assert {"coredns", "clusterip", "nodeport", "loadbalancer", "externalname"} <= {
        r["id"] for r in service["related"]}
    _, search = fetch(seed_server + "/api/search?q=" + quote("restart only on failure"))
    assert search["results"][0]["title"] == "spec.restartPolicy"
    _, svc = fetch(seed_server + "/api/concepts/svc")
    assert svc["id"] == "service"


def test_errors_over_http_are_json(seed_server):
    status, body = fetch(seed_server + "/api/concepts/nothing-like-this")
    assert status == 404 and body["error"]["code"] == "unknown_concept"
    status, body = fetch(seed_server + "/api/search?q=pod&limit=1000")
    assert status == 400 and body["error"]["code"] == "out_of_range"


def test_serve_builds_the_default_corpus_when_the_store_is_missing(tmp_path):
    with running_server(tmp_path / "fresh", timeout=120) as url:
        status, health = fetch(url + "/healthz")
        assert status == 200 and health["counts"]["files"] >= 10
