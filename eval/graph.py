"""Graph quality: how much of what the graph says is true, and how much of the notes it keeps.

    python -m eval.graph                       # everything
    python -m eval.graph --corpus k8s-docs     # precision on the judged k8s-docs samples
    python -m eval.graph --corpus outline      # recall and paths on eval/notes
    python -m eval.graph --unjudged 20         # also print unjudged sample items, ready to fill
    python -m eval.graph --top-up              # append every unjudged sample item as "?"
    python -m eval.graph --wrong 20            # the sample items judged wrong, with why

Precision is measured on stable samples of ../shared/corpora/k8s-docs (see
``eval.sampling``) judged in ``eval/judged/*.tsv`` (the rubric is at the top of each
file); recall and path exactness against ``eval/gold/*.yaml``. Extraction runs
in-process with the same function ``kg ingest`` uses; no store is written.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from graph.concept_graph import ConceptGraph
from ingest.confidence import DEFAULT_MIN_CONFIDENCE
from ingest.model import Corpus, Relation
from ingest.pipeline import ingest_paths
from ingest.vocabulary import load_vocabulary
from kg.settings import REPO_ROOT

from . import gold as gold_files
from . import judgments
from .sampling import Estimate, estimate, ranked, stratified, unjudged_population, \
    weighted_precision, weighted_stderr

HERE = Path(__file__).resolve().parent
K8S_DOCS = REPO_ROOT.parent / "shared" / "corpora" / "k8s-docs"
JUDGED = HERE / "judged"
GOLD = HERE / "gold"
BASE_URI = "http://127.0.0.1:8000/"
CO_MENTION = gold_files.CO_MENTION

RELATION_SAMPLE = 300  # typed occurrences judged in all
RELATION_FLOOR = 25  # at least this many of each type (all, if it has fewer)
CONCEPT_SAMPLE = 100
TOP_CONCEPTS = 60
GLOSSARY_SAMPLE = 40
DEFAULT_THRESHOLD = DEFAULT_MIN_CONFIDENCE  # what the API shows unless asked for less

RELATION_RUBRIC = [
    "Typed relation occurrences of k8s-docs, judged one by one from the evidence sentence.",
    "",
    "RUBRIC. 1 = correct: the evidence sentence itself states this relation between these",
    "two concepts, in this direction, with the meaning of the type (ingest/relation_types.py",
    "RELATION_TYPES): broader = source is a kind of target; manages = source creates,",
    "controls or replicates target; uses = source uses, goes through, mounts or references",
    "target; contains = source contains, holds or groups target; runsOn = source runs on or",
    "is assigned to target; routesTo = source sends traffic to or stands in front of target;",
    "selects = source selects target by label or field; hasProperty = target is a field or",
    "property of source; hasValue = the field source takes the value target; inNamespace =",
    "source lives in namespace target; leadsTo = the text writes an explicit chain source ->",
    "target. 0 = anything else: wrong type, reversed, negated (\"does not use\"), a span",
    "that is not the concept meant (\"Ingress\" for \"Alibaba Cloud MSE Ingress\"), a word",
    "used in another sense, a relation read across clauses, or a pair the sentence does",
    "not relate. Strict: plausible-but-not-stated is 0; the reader must not need outside",
    "knowledge. The note column says why a 0 is a 0.",
    "How the rubric was applied: evidence from a code block (a manifest line) is read in",
    "its manifest; a \"Term: definition\" item is read under its heading (a condition type",
    "listed under \"Pod conditions\" is a kind of Pod condition); a heading breadcrumb",
    "(\"A › B\") states nothing by itself. A field belongs to the object whose own spec",
    "holds it (Service has targetPort through spec.ports), not to an object embedding a",
    "template of another kind (a container field in a Deployment's Pod template is the",
    "Pod's) nor to a section heading. inNamespace about an instance (\"the kube-dns",
    "ConfigMap in the kube-system namespace\") counts. A source or target that is an",
    "everyday word (Applications, Information, LIST as \"a list\") is a wrong span.",
    "",
    "Key: path, evidence, source, type, target (a changed span or sentence is a new item).",
    "Verdict ? = in the sample, not judged yet (python -m eval.graph --top-up adds them).",
]
CONCEPT_RUBRIC = [
    "Concepts of k8s-docs: a stable random sample and the most connected ones (by degree",
    "in the graph the API serves: distinct neighbours over typed and co-mention edges).",
    "",
    "RUBRIC. 1 = correct: a term the docs name as a thing - a Kubernetes object, component,",
    "field, feature, tool, standard, protocol, command or well-defined technical term",
    "(\"Pod\", \"spec.replicas\", \"kube-proxy\", \"TLS\", \"Eviction\"). 0 = not a concept,",
    "with a reason: everyday = an ordinary word or phrase that the docs do not name as a",
    "thing (\"Support\", \"Files\", \"Changes\", \"True\", \"Configure\"); fragment = a piece",
    "or run-on of a name or sentence (\"The Pod\", \"Kubernetes API server which\", \"HPA)\");",
    "other = anything else (say what in the note). Judged on the label, with its uses in",
    "the docs in mind; strict: a generic word that happens to be a field name somewhere",
    "(\"options\") is everyday unless its label shows the field (\"spec.options\").",
    "",
    "Key: id. Verdict ? = in a sample, not judged yet.",
]
GLOSSARY_RUBRIC = [
    "Definitions the graph gives the k8s-docs glossary terms (reference/glossary/*.md) that",
    "resolve to a concept: a stable sample, judged for what no automatic check can see.",
    "",
    "RUBRIC. 1 = the definition says what the term is: the term (or a pronoun for it) is",
    "the subject or the defined head, the sentence is whole and reads as the glossary",
    "means it. 0 = it defines something else, is a fragment or a sentence about another",
    "concept, or words are missing. Markup debris is checked automatically as well.",
    "",
    "Key: term, definition (a changed definition is a new item).",
]


# -- corpora -----------------------------------------------------------------------------
@dataclass
class Built:
    corpus: Corpus
    graph: ConceptGraph


def build(paths: list[Path]) -> Built:
    """Extract as ``kg ingest`` does (same vocabulary, same pipeline), in memory."""
    corpus = ingest_paths(paths, load_vocabulary())
    return Built(corpus, ConceptGraph.from_corpus(corpus, BASE_URI))


# -- relations ---------------------------------------------------------------------------
def confidence(relation: Relation) -> float | None:
    """The relation's confidence, when extraction gives one."""
    value = getattr(relation, "confidence", None)
    return None if value is None else float(value)


EdgeKey = tuple[str, str, str]  # source, type, target


def edge_confidences(graph: ConceptGraph) -> dict[EdgeKey, float]:
    """Each edge's confidence as the graph combined its readings: what the API filters by."""
    return {(e.source, e.relation, e.target): float(e.confidence) for e in graph.edges()}


def with_edge_confidence(relation: Relation, edges: dict[EdgeKey, float]) -> Relation:
    """The relation carrying its edge's confidence instead of its own reading's."""
    edge = edges.get((relation.source, relation.type, relation.target))
    return relation if edge is None else replace(relation, confidence=edge)


def shown_by_default(relation: Relation, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Whether the API shows this relation by default: typed, and confident enough
    when extraction says how confident it is. Give it its edge's confidence (see
    ``with_edge_confidence``): the API filters edges, not single readings."""
    if relation.type == CO_MENTION:
        return False
    value = confidence(relation)
    return value is None or value >= threshold


@dataclass(frozen=True)
class Occurrence:
    """One typed relation read in one sentence; ``key`` identifies it across runs."""

    key: tuple[str, ...]
    type: str
    relation: Relation
    row: dict[str, str]


def occurrences(corpus: Corpus, edges: dict[EdgeKey, float] | None = None
                ) -> dict[tuple[str, ...], Occurrence]:
    """Every typed occurrence by key, carrying its edge's confidence when ``edges`` has
    it; the same key read twice (the same sentence at two lines of a note) is one."""
    out: dict[tuple[str, ...], Occurrence] = {}
    for relation in corpus.relations:
        if relation.type == CO_MENTION:
            continue
        row = {"source": _label(corpus, relation.source), "type": relation.type,
               "target": _label(corpus, relation.target), "path": relation.evidence.path,
               "evidence": relation.evidence.text}
        key = judgments.RELATIONS.key_of(row)
        if key not in out:
            value = confidence(relation)
            shown = with_edge_confidence(relation, edges or {})
            edge = confidence(shown)
            row["note"] = f"line {relation.evidence.line}" + (
                f", confidence {value:.2f}" if value is not None else "") + (
                f" (edge {edge:.2f})" if edge is not None and shown is not relation else "")
            out[key] = Occurrence(key, relation.type, shown, row)
    return out


def _label(corpus: Corpus, cid: str) -> str:
    concept = corpus.concepts.get(cid)
    return concept.label if concept else cid


@dataclass
class RelationReport:
    estimates: dict[str, Estimate]
    shown: dict[str, Estimate]
    sample: list[Occurrence]
    unjudged: list[Occurrence]

    @property
    def precision(self) -> float | None:
        return weighted_precision(self.estimates)

    @property
    def shown_precision(self) -> float | None:
        return weighted_precision(self.shown)


def relation_report(found: dict[tuple[str, ...], Occurrence], verdicts: dict,
                    shown: Callable[[Relation], bool], *, size: int = RELATION_SAMPLE,
                    floor: int = RELATION_FLOOR) -> RelationReport:
    by_type: dict[str, list[tuple[str, ...]]] = {}
    for key, occurrence in found.items():
        by_type.setdefault(occurrence.type, []).append(key)
    drawn = stratified(by_type, size, floor)
    estimates, shown_estimates, sample = {}, {}, []
    for rtype in sorted(by_type, key=lambda t: (-len(by_type[t]), t)):
        keys = drawn[rtype]
        sample += [found[key] for key in keys]
        estimates[rtype] = estimate(len(by_type[rtype]), keys, verdicts)
        visible = [key for key in by_type[rtype] if shown(found[key].relation)]
        shown_estimates[rtype] = estimate(
            len(visible), [key for key in keys if shown(found[key].relation)], verdicts)
    unjudged = [o for o in sample if o.key not in verdicts]
    return RelationReport(estimates, shown_estimates, sample, unjudged)


def _p(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.2f}"


def print_relations(report: RelationReport, threshold: float) -> None:
    print("Typed-relation precision (k8s-docs; population-weighted, co-mention excluded)")
    print(f"  {'type':<12} {'N_t':>6} {'sample':>6} {'judged':>6} {'correct':>7} {'p_t':>5}"
          f"   {'shown N':>7} {'judged':>6} {'p':>5}")
    for rtype, e in report.estimates.items():
        s = report.shown[rtype]
        print(f"  {rtype:<12} {e.population:>6} {e.sampled:>6} {e.judged:>6} {e.correct:>7} "
              f"{_p(e.precision):>5}   {s.population:>7} {s.judged:>6} {_p(s.precision):>5}")
    total = sum(e.population for e in report.estimates.values())
    judged = sum(e.judged for e in report.estimates.values())
    stderr = weighted_stderr(report.estimates)
    spread = f" ± {1.96 * stderr:.2f} (95 %)" if stderr is not None else ""
    print(f"  overall: {_p(report.precision)}{spread} over {total} occurrences "
          f"({judged} judged of a sample of {len(report.sample)})")
    shown_total = sum(e.population for e in report.shown.values())
    stderr = weighted_stderr(report.shown)
    spread = f" ± {1.96 * stderr:.2f}" if stderr is not None else ""
    print(f"  shown by default (typed, confidence >= {threshold} where given): "
          f"{_p(report.shown_precision)}{spread} over {shown_total} occurrences")
    missing = unjudged_population(report.estimates)
    if missing:
        print(f"  NOTE: {missing} occurrences are of types with no judged item; "
              "the overall figure leaves them out")
    if report.unjudged:
        print(f"  {len(report.unjudged)} sample items are not judged yet "
              "(--unjudged N lists them, --top-up appends them)")


def print_thresholds(found: dict[tuple[str, ...], Occurrence], verdicts: dict) -> None:
    """Precision and population of what each confidence threshold would show: where to
    put the default."""
    parts = []
    for threshold in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9):
        report = relation_report(found, verdicts, lambda r, t=threshold: shown_by_default(r, t))
        shown = sum(e.population for e in report.shown.values())
        parts.append(f">= {threshold}: {_p(report.shown_precision)} ({shown})")
    print("  by confidence threshold: " + ", ".join(parts))


def print_wrong(report: RelationReport, verdicts: judgments.Judgments, count: int) -> None:
    """The sample items judged wrong, by type, with the judge's note: what to fix next."""
    by_type: dict[str, list[Occurrence]] = {}
    for occurrence in report.sample:
        if verdicts.verdicts.get(occurrence.key) is False:
            by_type.setdefault(occurrence.type, []).append(occurrence)
    for rtype, wrong in by_type.items():
        print(f"  wrong {rtype} ({len(wrong)}):")
        for o in wrong[:count]:
            note = verdicts.rows[o.key].get("note", "")
            print(f"    {o.row['source']} {rtype} {o.row['target']}: "
                  f"{o.row['evidence'][:140]!r} [{o.row['path']}; {note}]")


# -- concepts ----------------------------------------------------------------------------
def concept_keys(graph: ConceptGraph) -> list[dict[str, str]]:
    _total, items = graph.concepts(limit=len(graph))
    return items


def top_concepts(graph: ConceptGraph, count: int = TOP_CONCEPTS) -> list[dict[str, Any]]:
    """The most connected concepts as ``/api/graph`` without a focus shows them."""
    return graph.neighbourhood(None, limit=count)["nodes"]


def print_concepts(graph: ConceptGraph, verdicts: judgments.Judgments, figures: dict[str, Any]
                   ) -> list[dict[str, str]]:
    """Concept precision and the most connected concepts; returns the unjudged rows."""
    items = {item["id"]: item for item in concept_keys(graph)}
    sample = [items[cid] for cid in ranked(items)[:CONCEPT_SAMPLE]]
    keys = [(item["id"],) for item in sample]
    e = estimate(len(items), keys, verdicts.verdicts)
    reasons = Counter(verdicts.reason(k) or "?" for k in keys
                      if k in verdicts.verdicts and not verdicts.verdicts[k])
    print(f"Concept precision (k8s-docs, {len(items)} concepts): {_p(e.precision)} "
          f"({e.correct}/{e.judged} judged of a sample of {e.sampled}; wrong: "
          + ", ".join(f"{n} {r}" for r, n in reasons.most_common()) + ")")
    top = top_concepts(graph)
    top_keys = [(node["id"],) for node in top]
    judged = [k for k in top_keys if k in verdicts.verdicts]
    everyday = [k for k in judged if not verdicts.verdicts[k] and verdicts.reason(k) == "everyday"]
    wrong = [k for k in judged if not verdicts.verdicts[k]]
    labels = {node["id"]: node["label"] for node in top}
    print(f"  the {len(top)} most connected (degree = distinct neighbours, typed and "
          f"co-mention, as /api/graph): {len(judged)} judged, {len(wrong)} not concepts, "
          f"{len(everyday)} everyday words")
    figures["concepts"] = e.precision
    figures["everyday"] = len(everyday) if len(judged) == len(top) else None
    if everyday:
        print("    everyday: " + ", ".join(labels[k[0]] for k in everyday))
    other = [k for k in wrong if k not in everyday]
    if other:
        print("    other wrong: " + ", ".join(labels[k[0]] for k in other))
    rows: dict[str, dict[str, str]] = {}
    for item in sample:
        rows[item["id"]] = {"id": item["id"], "label": item["label"], "note": "sample"}
    for node in top:
        row = rows.setdefault(node["id"], {"id": node["id"], "label": node["label"]})
        row["note"] = ", ".join(filter(None, [row.get("note"), f"top-{len(top)}, degree "
                                              f"{node['degree']}"]))
    return [row for cid, row in rows.items() if (cid,) not in verdicts.verdicts]


# -- glossary ----------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_DEBRIS = [
    (re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"), "template markup"),
    (re.compile(r"\(\s*\)|\[\s*\]"), "empty brackets"),
    (re.compile(r"<!--|-->|</?[a-zA-Z][^>]*>"), "HTML"),
    (re.compile(r"\]\(|\]\["), "link markup"),
    # "A Kubernetes that identifies ...": a shortcode naming the noun was dropped
    (re.compile(r"\b(?:[Aa]n?|[Tt]he)\s+(?:Kubernetes\s+)?"
                r"(?:that|which|who|whose|of|and|or|is|are)\b"), "dangling article"),
    (re.compile(r"\b(?:[Aa]n?|[Tt]he)\s*[,.;:)]"), "dangling article"),
    (re.compile(r"\s[,.;:)]"), "space before punctuation (a dropped word)"),
    (re.compile(r"\(\s*[,.;]|,\s*,"), "dropped item"),
]


def definition_problems(text: str | None) -> list[str]:
    """What makes a definition unclean, by automatic check: empty, or markup debris."""
    if not text or len(text.split()) < 3:
        return ["empty"]
    return sorted({reason for pattern, reason in _DEBRIS if pattern.search(text)})


def glossary_terms(folder: Path) -> list[dict[str, Any]]:
    """Title, id and aliases from each glossary file's front matter."""
    out = []
    for path in sorted((folder / "reference" / "glossary").glob("*.md")):
        match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        meta = yaml.safe_load(match.group(1)) if match else None
        if isinstance(meta, dict) and meta.get("title"):
            aka = meta.get("aka") or []
            out.append({"file": path.name, "title": str(meta["title"]),
                        "id": str(meta.get("id") or ""),
                        "aka": [str(a) for a in (aka if isinstance(aka, list) else [aka])]})
    return out


def print_glossary(graph: ConceptGraph, verdicts: judgments.Judgments, figures: dict[str, Any]
                   ) -> list[dict[str, str]]:
    """Clean definitions of the glossary terms; returns the unjudged sample rows."""
    terms = glossary_terms(K8S_DOCS)
    resolved = []
    for term in terms:
        cid = next((c for c in (graph.resolve(k) for k in (term["title"], term["id"],
                                                            *term["aka"]) if k) if c), None)
        if cid:
            concept = graph.concept(cid) or {}
            text = (concept.get("definition") or {}).get("text") or ""
            resolved.append({"term": term["title"], "definition": text, "id": cid,
                             "problems": definition_problems(text)})
    clean = [r for r in resolved if not r["problems"]]
    print(f"Glossary definitions (k8s-docs): {len(resolved)} of {len(terms)} terms resolve; "
          f"{len(clean)} ({len(clean) / max(1, len(resolved)):.0%}) pass the automatic check")
    problems = Counter(p for r in resolved for p in r["problems"])
    if problems:
        print("  failing: " + ", ".join(f"{n} {p}" for p, n in problems.most_common()))
        print("    " + "; ".join(f"{r['term']} ({', '.join(r['problems'])})"
                                 for r in resolved if r["problems"]))
    by_term = {r["term"]: r for r in resolved}
    sample = [by_term[t] for t in ranked(by_term)[:GLOSSARY_SAMPLE]]
    keys = [judgments.GLOSSARY.key_of(r) for r in sample]
    judged = [(r, verdicts.verdicts[k]) for r, k in zip(sample, keys, strict=True)
              if k in verdicts.verdicts]
    says = sum(ok for _r, ok in judged)
    good = sum(ok and not r["problems"] for r, ok in judged)
    figures["glossary"] = good / len(judged) if judged else None
    if judged:
        print(f"  sample of {len(sample)}, {len(judged)} judged: says what the term is "
              f"{says}/{len(judged)}; clean (automatic check and judged) "
              f"{good}/{len(judged)} = {good / len(judged):.2f}")
    return [{"term": r["term"], "definition": r["definition"],
             "note": "; ".join(r["problems"])} for r, k in zip(sample, keys, strict=True)
            if k not in verdicts.verdicts]


# -- gold --------------------------------------------------------------------------------
def gold_for(corpus: str) -> list[gold_files.Gold]:
    found = gold_files.load_all(GOLD)
    if corpus == "all":
        return found
    if corpus == "outline":
        return [g for g in found if g.name.startswith("outline-")]
    return [g for g in found if g.name == corpus]


def print_gold(golds: list[gold_files.Gold], shown: Callable[[Relation], bool],
               figures: dict[str, Any]) -> None:
    """Recall, path exactness and the rest of each gold file, built from its notes."""
    totals = Counter()
    for gold in golds:
        paths = [(REPO_ROOT / p).resolve() for p in gold.notes]
        absent = [p for p in paths if not p.exists()]
        print(f"Gold {gold.name} ({', '.join(gold.notes)})")
        if absent:
            print(f"  skipped: {', '.join(map(str, absent))} is absent")
            continue
        built = build(paths)
        edges = edge_confidences(built.graph)
        # paths and related lists as the API gives them by default
        result = gold_files.score(gold, built.corpus, built.graph,
                                  lambda r: shown(with_edge_confidence(r, edges)),
                                  min_confidence=DEFAULT_MIN_CONFIDENCE)
        for line in gold_files.report(gold, result):
            print(line)
        figures[f"{gold.name} relations"] = result.relations
        figures[f"{gold.name} acceptance"] = tuple(
            sum(pair) for pair in zip(result.chains, result.related, result.aliases))
        if gold.name.startswith("outline-"):
            for name in ("concepts", "relations", "chains"):
                found, total = getattr(result, name)
                totals[name + "_found"] += found
                totals[name] += total
    if totals:
        parts = [f"{name} {totals[name + '_found']}/{totals[name]} = "
                 f"{totals[name + '_found'] / max(1, totals[name]):.2f}"
                 for name in ("concepts", "relations", "chains")]
        print("New outline notes, together: " + "   ".join(parts))
        for name in ("concepts", "relations", "chains"):
            figures[f"outline {name}"] = totals[name + "_found"] / max(1, totals[name])


# -- command -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.graph",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=["k8s-docs", "notes", "seed", "outline", "all"],
                        default="all")
    parser.add_argument("--unjudged", type=int, default=0, metavar="N",
                        help="print up to N unjudged sample items per judgment file")
    parser.add_argument("--top-up", action="store_true",
                        help="append every unjudged sample item to its judgment file as ?")
    parser.add_argument("--wrong", type=int, default=0, metavar="N",
                        help="print up to N sample relations judged wrong, per type")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help="confidence a relation needs to be shown by default")
    args = parser.parse_args(argv)

    def shown(relation: Relation) -> bool:
        return shown_by_default(relation, args.threshold)

    figures: dict[str, Any] = {}
    try:
        if args.corpus in ("k8s-docs", "all"):
            if not K8S_DOCS.exists():
                print(f"k8s-docs: skipped, {K8S_DOCS} is absent")
            else:
                evaluate_k8s_docs(args, shown, figures)
        if args.corpus != "k8s-docs":
            print_gold(gold_for(args.corpus), shown, figures)
    except (judgments.JudgmentError, gold_files.GoldError) as exc:
        print(f"eval.graph: {exc}", file=sys.stderr)
        return 2
    print_targets(figures)
    return 0


# The targets: (figure, what it must reach, how it reads). On data/notes and the
# seed notes the bar is the issue-2 acceptance kept; their relation recall has no bar.
TARGETS = [
    ("relations", 0.85, "typed-relation precision >= 0.85"),
    ("weakest type", 0.7, "every type >= 0.7"),
    ("shown", 0.9, "shown by default >= 0.9"),
    ("concepts", 0.9, "concept precision >= 0.9"),
    ("glossary", 0.9, "clean glossary definitions >= 0.9"),
    ("outline relations", 0.75, "outline relations >= 0.75"),
    ("outline concepts", 0.95, "outline must-have concepts >= 0.95"),
    ("outline chains", 1.0, "outline chains all exact"),
]


def print_targets(figures: dict[str, Any]) -> None:
    lines = []
    for name, bar, text in TARGETS:
        value = figures.get(name)
        if value is not None:
            lines.append(f"  [{'x' if value >= bar else ' '}] {text}: {value:.2f}")
    if figures.get("everyday") is not None:
        lines.append(f"  [{'x' if figures['everyday'] <= 2 else ' '}] at most 2 everyday "
                     f"words in the top {TOP_CONCEPTS}: {figures['everyday']}")
    for corpus in ("notes", "seed"):
        if f"{corpus} acceptance" in figures:
            # the issue-2 acceptance: written chains as the first path, related lists,
            # aliases; relation recall beyond it is a figure to watch, not a bar
            found, total = figures[f"{corpus} acceptance"]
            kept, gold = figures[f"{corpus} relations"]
            lines.append(f"  [{'x' if found == total else ' '}] {corpus}: issue-2 acceptance "
                         f"kept (chains, related lists, aliases): {found}/{total}; "
                         f"relation recall {kept}/{gold}")
    if lines:
        print("\nTargets (issue 12)")
        print("\n".join(lines))


def evaluate_k8s_docs(args: argparse.Namespace, shown: Callable[[Relation], bool],
                      figures: dict[str, Any]) -> None:
    """Precision on the judged k8s-docs samples; lists or appends the unjudged items."""
    built = build([K8S_DOCS])
    files = [
        (JUDGED / "relations-k8s-docs.tsv", judgments.RELATIONS, RELATION_RUBRIC),
        (JUDGED / "concepts-k8s-docs.tsv", judgments.CONCEPTS, CONCEPT_RUBRIC),
        (JUDGED / "glossary-k8s-docs.tsv", judgments.GLOSSARY, GLOSSARY_RUBRIC),
    ]
    read = [judgments.read(path, layout) for path, layout, _ in files]
    found = occurrences(built.corpus, edge_confidences(built.graph))
    report = relation_report(found, read[0].verdicts, shown)
    print_relations(report, args.threshold)
    if any(confidence(o.relation) is not None for o in found.values()):
        print_thresholds(found, read[0].verdicts)
    if args.wrong:
        print_wrong(report, read[0], args.wrong)
    figures["relations"] = report.precision
    figures["shown"] = report.shown_precision
    typed = [e.precision for e in report.estimates.values() if e.precision is not None]
    figures["weakest type"] = min(typed) if typed else None
    print()
    concept_rows = print_concepts(built.graph, read[1], figures)
    print()
    glossary_rows = print_glossary(built.graph, read[2], figures)
    print()
    pending = [[o.row for o in report.unjudged], concept_rows, glossary_rows]
    for (path, layout, rubric), rows in zip(files, pending, strict=True):
        lines = judgments.lines(layout, rows)
        if args.unjudged and lines:
            print(f"Unjudged in {path.relative_to(REPO_ROOT)} ({len(lines)}; "
                  f"first {min(args.unjudged, len(lines))}):")
            print("\n".join(lines[:args.unjudged]))
            print()
        if args.top_up:
            listed = judgments.pending_keys(path, layout)
            new = [line for row, line in zip(rows, lines, strict=True)
                   if layout.key_of(row) not in listed]
            added = judgments.append(path, rubric, layout, new)
            if added:
                print(f"{path.relative_to(REPO_ROOT)}: {added} items added as ?")


if __name__ == "__main__":
    raise SystemExit(main())
