"""The ``kg`` command: ingest, serve, search, related.

Exit codes: 0 done; 1 nothing built or nothing found (with the reason); 2 bad usage;
3 built, but some files were skipped (each listed with its reason).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from ingest.model import Corpus
from ingest.vocabulary import VocabularyError, load_vocabulary

from .settings import DEFAULT_NOTES, load_settings, vocabulary_files
from .store import (
    Store,
    StoreError,
    build_store,
    build_version,
    current_build,
    current_inputs,
    ingest_lock,
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kg", description="Notes → knowledge graph → search.")
    sub = parser.add_subparsers(dest="command")

    ingest = sub.add_parser("ingest", help="build the graph and the index from notes")
    ingest.add_argument("paths", nargs="*", type=Path,
                        help=f"note files or folders (default: {DEFAULT_NOTES})")
    _store_option(ingest)
    ingest.add_argument("--vocabulary", action="append", default=None, metavar="FILE",
                        help="your vocabulary YAML, merged over ours (repeatable)")
    ingest.add_argument("--base-uri", help="base of concept URIs (env KG_BASE_URI)")
    ingest.add_argument("--workers", type=int, default=None, help="parser processes")
    ingest.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    ingest.add_argument("--force", action="store_true",
                        help="rebuild even when nothing changed since the last build")
    ingest.set_defaults(run=cmd_ingest)

    serve = sub.add_parser("serve", help="serve the API with gunicorn")
    _store_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, help="gunicorn workers (env KG_WORKERS)")
    serve.set_defaults(run=cmd_serve)

    search = sub.add_parser("search", help="search sections and concepts")
    search.add_argument("query")
    _store_option(search)
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--kind", choices=("section", "concept"))
    search.add_argument("--json", action="store_true", help="print the API's JSON")
    search.add_argument("--syntax", choices=("plain", "whoosh"), default="plain",
                        help="whoosh: Whoosh's query language (title:probe AND kind:section)")
    search.set_defaults(run=cmd_search)

    related = sub.add_parser("related", help="concepts related to a concept")
    related.add_argument("concept")
    _store_option(related)
    related.add_argument("--depth", type=int, default=1, choices=(1, 2, 3))
    related.add_argument("--relation", help="comma-separated relation types")
    related.add_argument("--limit", type=int, default=20)
    related.add_argument("--json", action="store_true", help="print the API's JSON")
    related.set_defaults(run=cmd_related)
    return parser


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, default=None,
                        help="store folder (env KG_STORE, default .kg)")


def _store_path(args: argparse.Namespace) -> Path:
    return Path(args.store or load_settings()["store"])


# -- ingest ---------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    settings = load_settings({"base_uri": args.base_uri})
    store = _store_path(args)
    paths = args.paths or [DEFAULT_NOTES]
    corpus = run_ingest(paths, store, settings, vocabulary=args.vocabulary,
                        workers=args.workers, progress=not args.quiet, force=args.force)
    if corpus is None:
        counts = Store.manifest_of(store).get("counts", {})
        print(f"up to date {store}: nothing changed since the last build "
              f"({counts.get('files', 0)} files, {counts.get('concepts', 0)} concepts, "
              f"{counts.get('relations', 0)} relations)")
        return EXIT_WARNINGS if counts.get("errors") or counts.get("warnings") else EXIT_OK
    for error in corpus.errors:
        label = "skipped" if error.fatal else "warning"
        print(f"{label}: {error.path}: {error.reason}", file=sys.stderr)
    if not corpus.notes:
        print(f"kg: nothing built: no readable notes in {', '.join(map(str, paths))}; "
              f"the store at {store} is unchanged", file=sys.stderr)
        return EXIT_FAILED
    counts = Store.manifest_of(store)["counts"]  # what build_store counted
    print(f"built {store}: {counts['files']} files, {counts['sections']} sections, "
          f"{counts['concepts']} concepts, {counts['relations']} relations, "
          f"{counts['errors']} errors, {counts['warnings']} warnings")
    return EXIT_WARNINGS if corpus.errors else EXIT_OK


def run_ingest(paths: list[Path], store: Path, settings: dict[str, Any], *,
               vocabulary: list[str] | None = None, workers: int | None = None,
               progress: bool = False, force: bool = False) -> Corpus | None:
    """Ingest and, when any note was read, publish a new build. Used by ingest and serve.

    Returns None when nothing changed since the current build (same notes, vocabulary,
    settings and code): the store is left as it is. Notes parsed by an earlier run are
    taken from the store's parse cache.
    """
    from ingest.memory import collector_paused
    from ingest.pipeline import ingest_sources, read_sources

    files = vocabulary_files(vocabulary or settings["vocabulary"])
    vocab = load_vocabulary(files)
    bar = _ProgressBar() if progress and sys.stderr.isatty() else None
    with ingest_lock(store), collector_paused():
        sources = read_sources(paths, settings["max_file_bytes"])
        inputs = sources.fingerprint(vocab.fingerprint(), settings["base_uri"],
                                     settings["graph_url"], build_version())
        if not force and current_inputs(store) == inputs:
            return None
        corpus = ingest_sources(sources, vocab, workers=workers, progress=bar,
                                cache=store / "cache")
        if bar:
            bar.done()
        if corpus.notes:
            build_store(store, corpus, base_uri=settings["base_uri"],
                        extra={"sources": [str(p) for p in paths], "inputs": inputs})
    return corpus


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
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {name:<30}")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r" + " " * (self.width + 50) + "\r")
        sys.stderr.flush()


# -- serve ----------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings({"workers": args.workers})
    store = _store_path(args)
    if current_build(store) is None:
        print(f"kg: no store at {store}; building it from {DEFAULT_NOTES}", file=sys.stderr)
        corpus = run_ingest([DEFAULT_NOTES], store, settings)
        if corpus is not None and not corpus.notes:
            print("kg: could not build the default corpus", file=sys.stderr)
            return EXIT_FAILED
    env = dict(os.environ, KG_STORE=str(store.resolve()))
    command = [sys.executable, "-m", "gunicorn", "-c", "python:kg.gunicorn_conf",
               "--workers", str(settings["workers"]), "--bind", f"{args.host}:{args.port}",
               "wsgi:app"]
    print(f"kg: serving {store} at http://{args.host}:{args.port}", file=sys.stderr)
    os.execvpe(command[0], command, env)
    return EXIT_OK  # not reached


# -- search and related ---------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    from api.errors import ApiError
    from api.views import search_response

    store = Store.open(_store_path(args))
    settings = load_settings()
    try:
        body = search_response(store, settings, {"q": args.query, "limit": str(args.limit),
                                                 "syntax": args.syntax,
                                                 **({"kind": args.kind} if args.kind else {})})
    except ApiError as exc:  # a query the syntax refuses
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
        crumbs = " › ".join(result.get("breadcrumb") or [result["title"]])
        where = f"{result['source']['path']}:{result['source']['line']}" if result.get("source") \
            else ""
        print(f"{number:2}. [{result['kind']}] {crumbs}  ({where})")
        print(f"    {_terminal(result.get('snippet', ''))}")
    print(f"{body['total']} results")
    return EXIT_OK


def cmd_related(args: argparse.Namespace) -> int:
    from api.errors import ApiError
    from api.views import related_response

    store = Store.open(_store_path(args))
    params = {"depth": str(args.depth), "limit": str(args.limit)}
    if args.relation:
        params["relation"] = args.relation
    try:
        body = related_response(store, args.concept, params)
    except ApiError as exc:
        print(f"kg: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(body, indent=1, ensure_ascii=False))
        return EXIT_OK
    concept = body["concept"]
    print(f"{concept['label']} ({concept['id']})")
    for item in body["related"]:
        arrow = "→" if item["direction"] == "out" else "←"
        print(f"  {arrow} {item['relation']:<12} {item['label']:<28} d={item['distance']} "
              f"score={item['score']:.2f}")
        for evidence in item.get("evidence", [])[:1]:
            print(f"      “{evidence['text'][:90]}” {evidence['path']}:{evidence['line']}")
    if not body["related"]:
        print("  (no related concepts)")
    return EXIT_OK


def _terminal(snippet: str) -> str:
    """<mark> as bold on a terminal, entities decoded."""
    import html

    bold, reset = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("*", "*")
    return html.unescape(snippet.replace("<mark>", bold).replace("</mark>", reset))


def run() -> None:
    """The ``kg`` command. After an ingest the process holds a million small objects;
    freeing them one by one on the way out took a tenth of a second for nothing, so
    the process ends at once, its output flushed."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
