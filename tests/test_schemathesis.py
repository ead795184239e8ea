"""The API fuzzed against its own ``/openapi.json`` with schemathesis, in process (WSGI):
no answer is a 5xx, and every answer (status, content type, body) is the one the document
promises. Examples per operation are bounded so the suite stays fast."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from .conftest import build
from kg.settings import DEFAULT_NOTES

from api import openapi
from api.app import create_app
from ingest.vocabulary import load_vocabulary

MAX_EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    _, store = build([DEFAULT_NOTES], tmp_path_factory.mktemp("fuzz-store"), load_vocabulary())
    return create_app({"STORE": store, "TESTING": False, "store": str(store.root)})


# operations as (method, path), read from the document itself (the pytest plugin of
# schemathesis does not run under this pytest, so operations are driven by hand)
OPERATIONS = [(method.upper(), path) for path, item in openapi.paths().items()
              for method in item if method in ("get", "post")]


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_conforms_to_its_openapi_document(api_schema, method, path):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              derandomize=bool(os.environ.get("CI")),
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()
