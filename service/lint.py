"""The store's findings (``graph.lint``), filtered and paged: ``GET /api/lint`` and
``kg lint`` (``--json`` prints the same body).

The findings are computed once per build (``Store.derived``): on the Kubernetes docs
that is about a second's work, never a request's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from graph.lint import KINDS, SEVERITIES, at_least, lint
from ingest.model import Finding
from kg.store import Store

from . import params

DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 100, 1000, 1_000_000


def store_findings(store: Store) -> list[Finding]:
    """Every finding of the store's current build, most severe first."""
    return store.derived("lint", lambda: lint(store.graph, store.notes(), store.findings()))


def lint_body(
    findings: list[Finding],
    *,
    kinds: Iterable[str] | None = None,
    severity: str = SEVERITIES[0],
    limit: int | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """The answer: the findings of these kinds (None: all) this severe or worse, one
    page of them, and counts per kind and per severity of every finding of the build."""
    wanted = None if kinds is None else set(kinds)
    selected = [f for f in at_least(findings, severity) if wanted is None or f.kind in wanted]
    page = selected[offset:] if limit is None else selected[offset : offset + limit]
    by_severity = Counter(f.severity for f in findings)
    return {
        "total": len(selected),
        "offset": offset,
        "limit": limit,
        "counts": dict(sorted(Counter(f.kind for f in findings).items())),
        "severities": {level: by_severity.get(level, 0) for level in reversed(SEVERITIES)},
        "findings": [asdict(f) for f in page],
    }


def lint_response(store: Store, query: Mapping[str, str]) -> dict[str, Any]:
    """``lint_body`` with its choices read from parameters (``kind``, ``severity``,
    ``limit``, ``offset``)."""
    findings = store_findings(store)
    kinds = params.choices(query, "kind", sorted(set(KINDS) | {f.kind for f in findings}))
    severity = params.choice(query, "severity", SEVERITIES, SEVERITIES[0])
    limit = params.integer(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = params.integer(query, "offset", 0, 0, MAX_OFFSET)
    return lint_body(findings, kinds=kinds, severity=severity, limit=limit, offset=offset)
