"""Every setting kg reads, declared once: name, default, environment variable, help.

The README's settings table is generated from ``SETTINGS`` and a test keeps them equal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTES = REPO_ROOT / "data" / "notes"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    env: str
    help: str
    type: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting("store", ".kg", "KG_STORE", "Folder holding the built graph and index."),
    Setting(
        "base_uri",
        "http://127.0.0.1:8000/",
        "KG_BASE_URI",
        "Base of concept and note URIs minted at ingest (ends with /).",
    ),
    Setting(
        "docs_url",
        "/notes/{path}#{anchor}",
        "KG_DOCS_URL",
        "Pattern of result URLs; {path}, {anchor} and {line} are filled in.",
    ),
    Setting(
        "cors_origins",
        "",
        "KG_CORS_ORIGINS",
        "Comma-separated origins allowed to call the API from a browser; * for any.",
    ),
    Setting(
        "vocabulary",
        "",
        "KG_VOCABULARY",
        "Extra vocabulary files (YAML, os.pathsep-separated) merged over data/vocabulary.yaml.",
    ),
    Setting(
        "review",
        "",
        "KG_REVIEW",
        "The review file (decisions about what kg read); default kg-review.yaml in the "
        "notes folder.",
    ),
    Setting(
        "review_token",
        "",
        "KG_REVIEW_TOKEN",
        "Bearer token that lets POST /api/review (and the explorer's review buttons) "
        "write the review file and re-build the store; empty: read-only.",
    ),
    Setting(
        "max_file_bytes",
        10 * 1024 * 1024,
        "KG_MAX_FILE_BYTES",
        "Notes larger than this are skipped with a reason.",
        int,
    ),
    Setting(
        "max_table_rows",
        2000,
        "KG_MAX_TABLE_ROWS",
        "Rows of a markdown table read (at most 256 KB of it); the rest are skipped "
        "with a warning.",
        int,
    ),
    Setting(
        "max_evidence_chars",
        500,
        "KG_MAX_EVIDENCE_CHARS",
        "Evidence and definitions longer than this are cut around the concepts' names "
        "(marked with …).",
        int,
    ),
    Setting(
        "max_query_chars",
        500,
        "KG_MAX_QUERY_CHARS",
        "Longer search queries are refused with 400.",
        int,
    ),
    Setting("workers", 2, "KG_WORKERS", "gunicorn worker processes for kg serve.", int),
    Setting(
        "header_timeout",
        10.0,
        "KG_HEADER_TIMEOUT",
        "Seconds a client may take to send a request's headers to kg serve; slower "
        "ones are dropped (they never hold a worker thread meanwhile).",
        float,
    ),
    Setting(
        "graph_url",
        "",
        "KG_GRAPH_URL",
        "External SPARQL 1.1 endpoint holding the graph (e.g. http://127.0.0.1:7878 for "
        "oxigraph serve); empty keeps it in the build folder.",
    ),
    Setting(
        "sparql_timeout",
        5.0,
        "KG_SPARQL_TIMEOUT",
        "Seconds a /sparql query may run before it is stopped (503).",
        float,
    ),
    Setting(
        "sparql_max_rows",
        10000,
        "KG_SPARQL_MAX_ROWS",
        "Most solutions or triples a /sparql answer holds; more are cut off.",
        int,
    ),
    Setting(
        "sparql_max_memory",
        512,
        "KG_SPARQL_MAX_MEMORY",
        "MB of memory a /sparql query may use beyond the loaded graph; more is stopped (503).",
        int,
    ),
    Setting(
        "sparql_concurrency",
        1,
        "KG_SPARQL_CONCURRENCY",
        "/sparql requests each server process runs or queues at once; more get 503 with "
        "Retry-After (keep it below gunicorn's threads so other endpoints answer).",
        int,
    ),
)


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the environment, then explicit overrides (CLI flags, test config)."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = os.environ.get(setting.env)
        if raw is None or raw == "":
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.type(raw)
        except ValueError:
            raise ValueError(
                f"{setting.env}={raw!r} is not a valid {setting.type.__name__}"
            ) from None
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    return values


def vocabulary_files(value: str | list[str] | None) -> list[Path]:
    if not value:
        return []
    items = value.split(os.pathsep) if isinstance(value, str) else value
    return [Path(item) for item in items if item]


def markdown_table() -> str:
    """The settings table as the README shows it (a test keeps the two equal)."""
    rows = ["| Setting | Environment | Default | What it does |", "|---|---|---|---|"]
    for setting in SETTINGS:
        default = setting.default if setting.default != "" else "(none)"
        rows.append(f"| {setting.name} | `{setting.env}` | `{default}` | {setting.help} |")
    return "\n".join(rows)


def update_readme(readme: Path = REPO_ROOT / "README.md") -> None:
    """Rewrite the table between the settings-table markers of the README."""
    text = readme.read_text()
    head, rest = text.split("<!-- settings-table", 1)
    marker, rest = rest.split("-->", 1)
    _old, tail = rest.split("<!-- /settings-table -->", 1)
    readme.write_text(
        f"{head}<!-- settings-table{marker}-->\n{markdown_table()}\n<!-- /settings-table -->{tail}"
    )


if __name__ == "__main__":
    import sys

    if "--readme" in sys.argv:
        update_readme()
    else:
        print(markdown_table())
