"""The ``kg`` command: ingest, serve, search, related.

Exit codes: 0 done; 1 nothing built or nothing found (with the reason); 2 bad usage;
3 built, but some files were skipped (each listed with its reason). ``kg lint``: 1 when
there are findings of the --fail-on severity or worse, 2 also for a missing or broken store.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

from ingest.model import Corpus
from ingest.vocabulary import VocabularyError, load_vocabulary
from service.errors import ServiceError

from .settings import DEFAULT_NOTES, load_settings, vocabulary_files
from .store import (
    Store,
    StoreError,
    build_store,
    build_version,
    current_inputs,
    ingest_lock,
    missing_build,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_WARNINGS = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.run(args)
    except (StoreError, VocabularyError, ValueError) as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130


EXAMPLES = """examples:
  kg ingest ~/notes --store ~/notes-kg      build the graph and the index
  kg serve --store ~/notes-kg --port 8000   the API, the explorer and the widget
  kg search "restart only on failure" --store ~/notes-kg
  kg related ReplicaSet --depth 2 --store ~/notes-kg
  kg path Deployment Node --store ~/notes-kg
  kg lint --store ~/notes-kg --fail-on warning   what the notes are missing (for CI)
  kg review --store ~/notes-kg              confirm or reject what kg read (kg-review.yaml)
"""


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kg")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Notes → knowledge graph → search.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kg {_version()}")
    sub = parser.add_subparsers(dest="command")

    ingest = sub.add_parser("ingest", help="build the graph and the index from notes")
    ingest.add_argument(
        "paths", nargs="*", type=Path, help=f"note files or folders (default: {DEFAULT_NOTES})"
    )
    _store_option(ingest)
    ingest.add_argument(
        "--vocabulary",
        action="append",
        default=None,
        metavar="FILE",
        help="your vocabulary YAML, merged over ours (repeatable)",
    )
    ingest.add_argument("--base-uri", help="base of concept URIs (env KG_BASE_URI)")
    ingest.add_argument("--workers", type=int, default=None, help="parser processes")
    ingest.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    ingest.add_argument(
        "--force",
        action="store_true",
        help="rebuild even when nothing changed since the last build",
    )
    ingest.add_argument(
        "--follow-links",
        action="store_true",
        help="follow symbolic links that stay inside the folders given",
    )
    ingest.add_argument(
        "--review",
        metavar="FILE",
        default=None,
        help="the review file (env KG_REVIEW; default kg-review.yaml in the notes folder)",
    )
    ingest.set_defaults(run=cmd_ingest)

    serve = sub.add_parser("serve", help="serve the API with gunicorn")
    _store_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (env KG_WORKERS)"
    )
    serve.add_argument(
        "--access-log", action="store_true", help="log every request on stderr (off by default)"
    )
    serve.set_defaults(run=cmd_serve)

    search = sub.add_parser("search", help="search sections and concepts")
    search.add_argument("query")
    _store_option(search)
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--kind", choices=("section", "concept"))
    search.add_argument("--json", action="store_true", help="print the API's JSON")
    search.add_argument(
        "--syntax",
        choices=("plain", "whoosh"),
        default="plain",
        help="whoosh: Whoosh's query language (title:probe AND kind:section)",
    )
    search.set_defaults(run=cmd_search)

    related = sub.add_parser("related", help="concepts related to a concept")
    related.add_argument("concept")
    _store_option(related)
    related.add_argument("--depth", type=int, default=1, choices=(1, 2, 3))
    related.add_argument("--relation", help="comma-separated relation types")
    related.add_argument("--limit", type=int, default=20)
    related.add_argument("--json", action="store_true", help="print the API's JSON")
    related.set_defaults(run=cmd_related)

    path = sub.add_parser(
        "path",
        help="how two concepts are connected",
        epilog="example: kg path Deployment Node --store ~/notes-kg",
    )
    path.add_argument("source", metavar="FROM")
    path.add_argument("target", metavar="TO")
    _store_option(path)
    path.add_argument(
        "-k",
        type=int,
        default=1,
        choices=range(1, 6),
        metavar="1..5",
        help="how many paths (default 1)",
    )
    path.add_argument("--json", action="store_true", help="print the API's JSON")
    path.set_defaults(run=cmd_path)

    lint = sub.add_parser(
        "lint",
        help="what the notes are missing: undefined concepts, cycles, orphan notes …",
        epilog="exit codes: 0 nothing at --fail-on or worse; 1 findings "
        "at --fail-on or worse; 2 bad usage, or no readable store",
    )
    _store_option(lint)
    lint.add_argument("--json", action="store_true", help="print the API's JSON (GET /api/lint)")
    lint.add_argument(
        "--fail-on",
        choices=("warning", "error"),
        default="error",
        help="exit 1 when there are findings this severe or worse (default error)",
    )
    lint.add_argument(
        "--severity",
        choices=("info", "warning", "error"),
        default="info",
        help="show only findings this severe or worse (default: all)",
    )
    lint.set_defaults(run=cmd_lint)
    review = sub.add_parser("review", help="confirm or reject what kg read, least sure first")
    _store_option(review)
    review.add_argument(
        "--review",
        metavar="FILE",
        default=None,
        help="the review file (default: the one the store was built with)",
    )
    review.add_argument("--list", action="store_true", help="print the queue, ask nothing")
    review.add_argument("--limit", type=int, default=20)
    review.add_argument("--json", action="store_true", help="with --list: as JSON")
    review.set_defaults(run=cmd_review)
    return parser


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", type=Path, default=None, help="store folder (env KG_STORE, default .kg)"
    )


def _store_path(args: argparse.Namespace) -> Path:
    return Path(args.store or load_settings()["store"])


# -- ingest ---------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    settings = load_settings({"base_uri": args.base_uri})
    store = _store_path(args)
    paths = args.paths or [DEFAULT_NOTES]
    corpus = run_ingest(
        paths,
        store,
        settings,
        vocabulary=args.vocabulary,
        workers=args.workers,
        progress=not args.quiet,
        force=args.force,
        follow_links=args.follow_links,
        review=args.review,
    )
    if corpus is None:
        counts = Store.manifest_of(store).get("counts", {})
        print(
            f"up to date {store}: nothing changed since the last build "
            f"({plural(counts.get('files', 0), 'file')}, "
            f"{plural(counts.get('concepts', 0), 'concept')}, "
            f"{plural(counts.get('relations', 0), 'relation')})"
        )
        return EXIT_WARNINGS if counts.get("errors") or counts.get("warnings") else EXIT_OK
    for error in corpus.errors:
        label = "skipped" if error.fatal else "warning"
        print(f"{label}: {error.path}: {error.reason}", file=sys.stderr)
    for finding in corpus.findings:
        if finding.kind == "stale-decision":  # a decision must never pass unnoticed
            print(f"warning: {finding.path}:{finding.line}: {finding.message}", file=sys.stderr)
    if not corpus.notes:
        print(
            f"kg: nothing built: no readable notes in {', '.join(map(str, paths))}; "
            f"the store at {store} is unchanged",
            file=sys.stderr,
        )
        return EXIT_FAILED
    counts = Store.manifest_of(store)["counts"]  # what build_store counted
    print(
        f"built {store}: "
        + ", ".join(
            plural(counts[key], key[:-1])
            for key in ("files", "sections", "concepts", "relations", "errors", "warnings")
        )
    )
    return EXIT_WARNINGS if corpus.errors else EXIT_OK


def run_ingest(
    paths: list[Path],
    store: Path,
    settings: dict[str, Any],
    *,
    vocabulary: list[str] | None = None,
    workers: int | None = None,
    progress: bool = False,
    force: bool = False,
    follow_links: bool = False,
    review: str | Path | None = None,
) -> Corpus | None:
    """Ingest and, when any note was read, publish a new build. Used by ingest and serve.

    Returns None when nothing changed since the current build (same notes, vocabulary,
    settings and code): the store is left as it is. Notes parsed by an earlier run are
    taken from the store's parse cache.
    """
    from common.memory import collector_paused
    from ingest.pipeline import Limits, ingest_sources, read_sources
    from ingest.review import apply_review, find_review, read_review

    files = vocabulary_files(vocabulary or settings["vocabulary"])
    vocab = load_vocabulary(files)
    review_file = (
        Path(review or settings.get("review") or "")
        if (review or settings.get("review"))
        else find_review(paths)
    )
    decisions = read_review(review_file) if review_file else None
    bar = _ProgressBar() if progress and sys.stderr.isatty() else None
    stage = _Stages(progress)
    with ingest_lock(store), collector_paused():
        stage("reading files")
        sources = read_sources(paths, settings["max_file_bytes"], follow_links=follow_links)
        limits = Limits(settings["max_table_rows"], settings["max_evidence_chars"])
        inputs = sources.fingerprint(
            vocab.fingerprint(),
            settings["base_uri"],
            settings["graph_url"],
            build_version(),
            repr(limits),
            decisions.digest if decisions else "",
        )
        if not force and current_inputs(store) == inputs:
            stage.end()
            return None
        stage(f"parsing and linking {plural(len(sources.items), 'file')}")
        corpus = ingest_sources(
            sources, vocab, workers=workers, progress=bar, cache=store / "cache", limits=limits
        )
        if decisions is not None:
            apply_review(corpus, decisions)
        if bar:
            bar.done()
        if corpus.notes:
            stage(f"writing the graph and the index ({plural(len(corpus.concepts), 'concept')})")
            build_store(
                store,
                corpus,
                base_uri=settings["base_uri"],
                extra={
                    "sources": [str(p.absolute()) for p in paths],
                    "inputs": inputs,
                    "follow_links": follow_links,
                    "vocabulary": [str(f.absolute()) for f in files],
                    "review": str(review_file.absolute()) if review_file else None,
                },
            )
        stage.end()
    return corpus


class _Stages:
    """One line on stderr per ingest stage, each with the time it took and the time since
    the start, so a long ingest never sits silent."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = self.last = time.monotonic()
        self.name: str | None = None

    def __call__(self, name: str) -> None:
        self.end()
        self.name = name
        if self.enabled:
            sys.stderr.write(f"kg: {name}…\n")
            sys.stderr.flush()

    def end(self) -> None:
        now = time.monotonic()
        if self.enabled and self.name is not None:
            sys.stderr.write(
                f"kg:   {self.name}: done in {now - self.last:.1f}s "
                f"({now - self.start:.1f}s elapsed)\n"
            )
            sys.stderr.flush()
        self.name, self.last = None, now


class _ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self) -> None:
        self.last = 0.0
        self.width = max(10, min(40, shutil.get_terminal_size().columns - 50))

    def __call__(self, done: int, total: int, path: str) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        filled = int(self.width * done / max(total, 1))
        name = path if len(path) <= 30 else "…" + path[-29:]
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {name:<30}"
        )
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r" + " " * (self.width + 50) + "\r")
        sys.stderr.flush()


# -- serve ----------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    served = serving_base_uri(args.host, args.port)
    settings = load_settings(
        {
            "workers": args.workers,  # URIs follow where we serve
            "base_uri": None if "KG_BASE_URI" in os.environ else served,
        }
    )
    store = _store_path(args)
    problem = missing_build(store)
    if problem is not None:
        # Only the default store, where nothing is yet, is ours to build: any other
        # folder may be the user's (a typo, a store with a broken link), never written.
        explicit = args.store is not None or bool(os.environ.get("KG_STORE"))
        if explicit or (store.exists() and any(store.iterdir())):
            raise StoreError(problem)
        print(f"kg: no store at {store}; building it from {DEFAULT_NOTES}", file=sys.stderr)
        corpus = run_ingest([DEFAULT_NOTES], store, settings)
        if corpus is not None and not corpus.notes:
            print("kg: could not build the default corpus", file=sys.stderr)
            return EXIT_FAILED
    busy = _port_problem(args.host, args.port)
    if busy:
        print(f"kg: {busy}", file=sys.stderr)
        return EXIT_FAILED
    warning = base_uri_warning(Store.manifest_of(store).get("base_uri"), served)
    if warning:
        print(warning, file=sys.stderr)
    env = dict(os.environ, KG_STORE=str(store.resolve()))
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:kg.gunicorn_conf",
        "--workers",
        str(settings["workers"]),
        "--bind",
        f"{args.host}:{args.port}",
        *(["--access-logfile", "-"] if args.access_log else []),
        "wsgi:app",
    ]
    print(f"kg: serving {store} at http://{args.host}:{args.port}", file=sys.stderr)
    os.execvpe(command[0], command, env)
    return EXIT_OK  # not reached


def _port_problem(host: str, port: int) -> str | None:
    """Why gunicorn could not listen on ``host:port`` (None: it can), found before it
    starts, so that a busy port is one line and not a retry loop in gunicorn's log."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot listen on {host}: {exc.strerror}"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            return (
                f"cannot listen on {host}:{port}: {exc.strerror}; choose another port with --port"
            )
    return None


def serving_base_uri(host: str, port: int) -> str:
    """The base URI of concepts served at ``host:port`` (loopback for a wildcard bind)."""
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def base_uri_warning(base_uri: str | None, served: str) -> str | None:
    """A loud warning when the store's concept URIs are on a loopback address other than
    the one served (they would not dereference); None when they match or point
    elsewhere (a public name in front of a proxy)."""
    if not base_uri or base_uri == served:
        return None
    host = urllib.parse.urlsplit(base_uri).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        return None
    return (
        f"kg: WARNING: the concept URIs of this store start with {base_uri}, but it is "
        f"served at {served}: they will not dereference here. Ingest again with "
        f"KG_BASE_URI={served} (or the public address in front of kg serve)."
    )


# -- search and related ---------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    from service.answers import search_response

    if not args.query.strip():
        print('kg: search needs some words, e.g. kg search "pod restart"', file=sys.stderr)
        return EXIT_USAGE
    store = Store.open(_store_path(args))
    settings = load_settings()
    try:
        body = search_response(
            store,
            settings,
            {
                "q": args.query,
                "limit": str(args.limit),
                "syntax": args.syntax,
                **({"kind": args.kind} if args.kind else {}),
            },
        )
    except ServiceError as exc:  # a kind, or a query the syntax refuses
        print(f"kg: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(body, indent=1, ensure_ascii=False))
        return EXIT_OK if body["total"] else EXIT_FAILED
    if body.get("didYouMean"):
        print(f"(no results for {args.query!r}; showing {body['didYouMean']!r})")
    if not body["results"]:
        print(f"no results for {args.query!r}")
        return EXIT_FAILED
    for number, result in enumerate(body["results"], 1):
        if result["kind"] == "concept":
            # a concept is named by its label (its id only in brackets)
            label = store.graph.label_in(result["id"], "en") or result["title"]
            crumbs = f"{label} ({result['id']})" if label != result["id"] else label
        else:
            crumbs = " › ".join(result.get("breadcrumb") or [result["title"]])
        where = (
            f"{result['source']['path']}:{result['source']['line']}" if result.get("source") else ""
        )
        print(f"{number:2}. [{result['kind']}] {crumbs}  ({where})")
        print(f"    {_terminal(result.get('snippet', ''))}")
    print(plural(body["total"], "result"))
    return EXIT_OK


def cmd_related(args: argparse.Namespace) -> int:
    from service.answers import related_response

    store = Store.open(_store_path(args))
    params = {"depth": str(args.depth), "limit": str(args.limit)}
    if args.relation:
        params["relation"] = args.relation
    try:
        body = related_response(store, args.concept, params)
    except ServiceError as exc:
        print(f"kg: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(body, indent=1, ensure_ascii=False))
        return EXIT_OK
    concept = body["concept"]
    print(f"{concept['label']} ({concept['id']})")
    for item in body["related"]:
        arrow = "→" if item["direction"] == "out" else "←"
        print(
            f"  {arrow} {item['relation']:<12} {item['label']:<28} d={item['distance']} "
            f"score={item['score']:.2f}"
        )
        for evidence in item.get("evidence", [])[:1]:
            print(f"      “{evidence['text'][:90]}” {evidence['path']}:{evidence['line']}")
    if not body["related"]:
        print("  (no related concepts)")
    return EXIT_OK


def cmd_path(args: argparse.Namespace) -> int:
    from service.answers import path_response

    store = Store.open(_store_path(args))
    try:
        body = path_response(store, {"from": args.source, "to": args.target, "k": str(args.k)})
    except ServiceError as exc:
        print(f"kg: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(body, indent=1, ensure_ascii=False))
        return EXIT_OK if body["found"] else EXIT_FAILED
    if not body["found"]:
        print(f"no path from {args.source!r} to {args.target!r} within 6 steps")
        return EXIT_FAILED
    for number, found in enumerate(body["paths"], 1):
        labels = {node["id"]: node["label"] for node in found["nodes"]}
        print(f"{number}. " + " → ".join(node["label"] for node in found["nodes"]))
        for edge in found["edges"]:
            print(f"     {labels[edge['source']]} {edge['relation']} {labels[edge['target']]}")
            for evidence in (edge.get("evidence") or [])[:1]:
                print(f"       “{evidence['text'][:90]}” {evidence['path']}:{evidence['line']}")
    return EXIT_OK


# -- lint -----------------------------------------------------------------------------
def cmd_lint(args: argparse.Namespace) -> int:
    from graph.lint import at_least
    from service.lint import lint_body, store_findings

    root = _store_path(args)
    try:
        problem = missing_build(root)
        if problem is not None:
            raise StoreError(problem)
        store = Store.open(root)
        if store.rejected is not None:  # lint the build that is current, or say why not
            raise StoreError(store.rejected["reason"])
        findings = store_findings(store)
    except StoreError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failing = at_least(findings, args.fail_on)
    if args.json:
        print(json.dumps(lint_body(findings, severity=args.severity), indent=1, ensure_ascii=False))
        return EXIT_FAILED if failing else EXIT_OK
    shown = at_least(findings, args.severity)
    groups: dict[str, list[Any]] = {}
    for finding in shown:  # most severe kind first, as lint sorts them
        groups.setdefault(finding.kind, []).append(finding)
    for kind, group in groups.items():
        print(f"{kind} ({group[0].severity}, {len(group)}):")
        for f in group:
            print(f"{f.path}:{f.line}: {f.kind}: {f.message}" + (f" ({f.hint})" if f.hint else ""))
        print()
    counts = {
        level: sum(f.severity == level for f in findings) for level in ("error", "warning", "info")
    }
    print(
        f"{plural(len(findings), 'finding')}: {plural(counts['error'], 'error')}, "
        f"{plural(counts['warning'], 'warning')}, {counts['info']} info"
        + (f" ({len(findings) - len(shown)} not shown)" if len(shown) < len(findings) else "")
        + f"; {len(failing)} at --fail-on {args.fail_on} or worse"
    )
    return EXIT_FAILED if failing else EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from service.review import review_queue

    from .review import review_path
    from .review_prompt import print_queue, run_review

    store_dir = _store_path(args)
    store = Store.open(store_dir)
    path = review_path(store_dir, args.review)
    items = review_queue(store, path, limit=args.limit)
    if args.list:
        if args.json:
            print(json.dumps({"review": str(path), "queue": items}, indent=1, ensure_ascii=False))
        else:
            print_queue(items)
        return EXIT_OK
    return run_review(store_dir, path, items)


def _terminal(snippet: str) -> str:
    """<mark> as bold on a terminal, entities decoded."""
    import html

    bold, reset = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("*", "*")
    return html.unescape(snippet.replace("<mark>", bold).replace("</mark>", reset))


def run() -> None:
    """The ``kg`` command. After an ingest the process holds a million small objects;
    freeing them one by one on the way out is work for nothing, so the process ends at
    once, its output flushed."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
