"""Timing of dataset build / save / load and ConceptGraph queries on a synthetic corpus.

Run ``python -m graph.bench [n_notes]``; the numbers in ``graph.rdf``'s docstring came
from here. Kept in the package so the choice of N-Quads backend can be re-checked.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from rdflib import Dataset

from ingest.model import Concept, Corpus, Evidence, Note, Relation, Section

from . import rdf
from .concept_graph import ConceptGraph

BASE = "https://kg.example/bench/"


def synthetic_corpus(n_notes: int = 200, per_note: int = 10, seed: int = 7) -> Corpus:
    """A corpus shaped like real notes: sections naming concepts, typed and co-mention edges."""
    rng = random.Random(seed)
    types = ["broader", "leadsTo", "manages", "uses", "runsOn", "selects", "related", "related"]
    notes: list[Note] = []
    concepts: dict[str, Concept] = {}
    relations: list[Relation] = []
    n_concepts = n_notes * per_note
    for n in range(n_notes):
        path = f"notes/topic-{n:04d}.md"
        sections = []
        for s in range(per_note):
            cid = f"concept-{n * per_note + s}"
            line = 1 + s * 10
            sections.append(
                Section(cid, f"Concept {n * per_note + s}", 2, (f"Topic {n}", cid), line, line + 9,
                        concept=cid, concepts=[cid])
            )
            concepts[cid] = Concept(
                cid, f"Concept {n * per_note + s}", {f"c{n * per_note + s}"}, {"ko": f"개념 {cid}"},
                Evidence(f"{cid} is a thing.", path, line + 1), [(path, cid)],
            )
        notes.append(Note(path, f"Topic {n}", sections, lines=per_note * 10))
        for s in range(per_note * 3):
            src = f"concept-{n * per_note + rng.randrange(per_note)}"
            dst = f"concept-{rng.randrange(n_concepts)}"
            if src == dst:
                continue
            line = 1 + rng.randrange(per_note * 10)
            relations.append(Relation(src, dst, rng.choice(types),
                                      Evidence(f"{src} and {dst} at {line}.", path, line)))
    # Every concept mentioned by a relation must have a section: they all do here.
    return Corpus(notes, concepts, relations)


def _time(fn, repeat: int = 1) -> tuple[float, object]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _count(ds: Dataset) -> int:
    return sum(1 for _ in ds.quads((None, None, None, None)))


def main(argv: list[str] | None = None) -> None:
    """Print build/save/load timings for rdflib vs pyoxigraph N-Quads, and query latencies."""
    args = argv if argv is not None else sys.argv[1:]
    n_notes = int(args[0]) if args else 200
    corpus = synthetic_corpus(n_notes)
    t, ds = _time(lambda: rdf.corpus_to_dataset(corpus, BASE))
    print(f"build dataset: {t:.2f} s, {_count(ds)} quads")
    with tempfile.TemporaryDirectory() as tmp:
        ox_path = Path(tmp, "ox.nq")
        rl_path = Path(tmp, "rdflib.nq")
        t, _ = _time(lambda: rdf.save_dataset_oxigraph(ds, ox_path), 3)
        print(f"save pyoxigraph: {t:.2f} s ({ox_path.stat().st_size / 1e6:.1f} MB)")

        def rdflib_save() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ds.serialize(destination=str(rl_path), format="nquads", encoding="utf-8")

        t, _ = _time(rdflib_save, 3)
        print(f"save rdflib:     {t:.2f} s")
        t, loaded = _time(lambda: rdf.load_dataset(ox_path), 3)
        print(f"load pyoxigraph: {t:.2f} s, {_count(loaded)} quads")

        def rdflib_load() -> Dataset:
            fresh = Dataset()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                fresh.parse(str(rl_path), format="nquads")
            return fresh

        t, loaded2 = _time(rdflib_load, 3)
        print(f"load rdflib:     {t:.2f} s, {_count(loaded2)} quads")

        t, cg = _time(lambda: ConceptGraph.from_dataset(ds, BASE))
        print(f"ConceptGraph.from_dataset: {t:.2f} s")
        json_path = Path(tmp, "graph.json")
        t, _ = _time(lambda: cg.save(json_path), 3)
        print(f"ConceptGraph.save: {t * 1000:.0f} ms ({json_path.stat().st_size / 1e6:.1f} MB)")
        t, cg = _time(lambda: ConceptGraph.load(json_path), 3)
        print(f"ConceptGraph.load: {t * 1000:.0f} ms")

    ids = [f"concept-{i}" for i in range(0, n_notes * 10, 7)]
    for name, fn in [
        ("resolve", lambda i: cg.resolve(f"Concept {i[8:]}")),
        ("concept", lambda i: cg.concept(i)),
        ("suggest", lambda i: cg.suggest(f"Concept {i[8:10]}")),
        ("related d1", lambda i: cg.related(i, depth=1)),
        ("related d2", lambda i: cg.related(i, depth=2)),
        ("paths k1", lambda i: cg.paths(i, ids[0])),
        ("paths k3", lambda i: cg.paths(i, ids[0], k=3)),
        ("neighbourhood d2", lambda i: cg.neighbourhood(i, depth=2)),
    ]:
        samples = []
        for cid in ids[:200]:
            t0 = time.perf_counter()
            fn(cid)
            samples.append((time.perf_counter() - t0) * 1000)
        samples.sort()
        p99 = samples[int(len(samples) * 0.99) - 1]
        print(f"{name:18s} p50 {statistics.median(samples):.3f} ms  p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
