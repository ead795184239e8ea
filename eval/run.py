"""Search evaluation: MRR and hit@3 per query set, per Korean analyzer.

    python -m eval.run                 # every query set, every available analyzer
    python -m eval.run --analyzer bigram --set notes --verbose

Query sets are TSV files beside this script, ``queries-<set>.tsv``: ``query<TAB>expected``
where expected is one or more result ids separated by ``|`` (a section id
``path#anchor`` or a concept id); the first result whose id is expected counts. Lines
starting with ``#`` are comments. Sets and the corpus they search:

    notes          data/notes (English queries and Korean queries)
    notes-ko       data/notes (Korean queries)
    k8s-docs-ko    ../shared/corpora/k8s-docs-ko (skipped when absent)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ingest.pipeline import ingest_paths
from ingest.vocabulary import load_vocabulary
from kg.settings import DEFAULT_NOTES, REPO_ROOT
from search import korean
from search.analysis import reset
from search.index import SearchIndex

HERE = Path(__file__).resolve().parent
CORPORA = {
    "notes": DEFAULT_NOTES,
    "notes-ko": DEFAULT_NOTES,
    "k8s-docs-ko": REPO_ROOT.parent / "shared" / "corpora" / "k8s-docs-ko",
}


def read_queries(path: Path) -> list[tuple[str, set[str]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, _, expected = line.partition("\t")
        out.append((query.strip(), {e.strip() for e in expected.split("|") if e.strip()}))
    return out


def evaluate(index: SearchIndex, queries: list[tuple[str, set[str]]], verbose: bool = False
             ) -> dict[str, float]:
    rr = hits = 0.0
    for query, expected in queries:
        results = index.search(query, limit=10)["results"]
        rank = next((i for i, r in enumerate(results, 1) if r["id"] in expected), None)
        rr += 1.0 / rank if rank else 0.0
        hits += 1.0 if rank and rank <= 3 else 0.0
        if verbose and (rank is None or rank > 1):
            got = [r["id"] for r in results[:3]]
            print(f"    rank {rank}: {query!r} expected {sorted(expected)} got {got}")
    n = max(1, len(queries))
    return {"queries": len(queries), "mrr": rr / n, "hit@3": hits / n}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyzer", choices=[*korean.ANALYZERS, "all"], default="all")
    parser.add_argument("--set", action="append", help="query set name (default: all)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print misses")
    args = parser.parse_args(argv)
    modes = list(korean.ANALYZERS) if args.analyzer == "all" else [args.analyzer]
    if "kiwi" in modes and not korean.kiwi_available():
        print("kiwipiepy not installed: kiwi skipped", file=sys.stderr)
        modes.remove("kiwi")
    sets = args.set or sorted(p.stem[len("queries-"):] for p in HERE.glob("queries-*.tsv"))
    vocabulary = load_vocabulary()
    corpora: dict[Path, object] = {}
    print(f"{'set':<14}{'analyzer':<10}{'queries':>8}{'MRR':>8}{'hit@3':>8}{'index s':>9}")
    for mode in modes:
        os.environ["KG_KOREAN_ANALYZER"] = mode  # an explicit choice beats korean.mode_for
        korean.set_mode(mode)
        reset()
        indexes: dict[Path, tuple[SearchIndex, float]] = {}
        for name in sets:
            root = CORPORA.get(name)
            if root is None or not root.exists():
                print(f"{name:<14}{mode:<10}  skipped: {root} is absent")
                continue
            if root not in corpora:
                corpora[root] = ingest_paths([root], vocabulary, workers=1)
            if root not in indexes:
                corpus = corpora[root]
                start = time.perf_counter()
                index = SearchIndex.in_memory(corpus.notes, corpus.concepts)  # type: ignore[attr-defined]
                indexes[root] = (index, time.perf_counter() - start)
            index, seconds = indexes[root]
            scores = evaluate(index, read_queries(HERE / f"queries-{name}.tsv"), args.verbose)
            print(f"{name:<14}{mode:<10}{scores['queries']:>8}{scores['mrr']:>8.3f}"
                  f"{scores['hit@3']:>8.3f}{seconds:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
