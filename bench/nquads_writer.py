"""``python -m bench.nquads_writer``: our N-Quads writer against pyoxigraph's serializer on
the quads of the Kubernetes docs, alternating in one run (why graph/rdf.py writes its own
text; bench/results/2026-12-03-library.md).

* ours: ``corpus_nquads`` (the corpus walk and the string formatting);
* pyoxigraph: the same quads made as pyoxigraph terms from plain strings (IRIs memoised),
  then ``pyoxigraph.serialize`` (a lower bound: the corpus walk is not in it);
* ``pyoxigraph.serialize`` alone, on quads already made.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from bench.common import K8S_DOCS, median
from graph.rdf import corpus_nquads
from ingest.pipeline import ingest_paths
from ingest.vocabulary import load_vocabulary

BASE = "https://kg.example/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=K8S_DOCS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"bench.nquads_writer: skipped: {args.corpus} is absent")
        return 0
    corpus = ingest_paths([args.corpus], load_vocabulary())
    text = "".join(corpus_nquads(corpus, BASE)).encode("utf-8")
    quads = list(ox.parse(text, format=ox.RdfFormat.N_QUADS))
    rows = [(q.subject.value, q.predicate.value, q.object, q.graph_name.value) for q in quads]
    objects = [("iri", o.value) if isinstance(o, ox.NamedNode) else
               ("lit", o.value, o.language, o.datatype.value) for _, _, o, _ in rows]

    def ours() -> bytes:
        return "".join(corpus_nquads(corpus, BASE)).encode("utf-8")

    def terms_then_serialize() -> bytes:
        made: dict[str, ox.NamedNode] = {}

        def iri(value: str) -> ox.NamedNode:
            node = made.get(value)
            if node is None:
                node = made[value] = ox.NamedNode(value)
            return node

        out = []
        for (s, p, _, g), o in zip(rows, objects):
            if o[0] == "iri":
                obj = iri(o[1])
            elif o[2]:
                obj = ox.Literal(o[1], language=o[2])
            else:
                obj = ox.Literal(o[1], datatype=iri(o[3]))
            out.append(ox.Quad(iri(s), iri(p), obj, iri(g)))
        return ox.serialize(out, format=ox.RdfFormat.N_QUADS)

    def serialize_only() -> bytes:
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)

    same = serialize_only() == text
    variants = {"ours": ours, "pyoxigraph terms + serialize": terms_then_serialize,
                "pyoxigraph serialize alone": serialize_only}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, run in variants.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    print(f"{len(quads)} quads, {len(text) / 1e6:.1f} MB; pyoxigraph writes the same bytes: "
          f"{same}")
    for name, values in times.items():
        runs = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:30s} median {median(values):.2f} s   runs {runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
