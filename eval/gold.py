"""Gold files: what a careful reader expects the graph of a set of notes to hold.

A gold file (YAML, in ``eval/gold/``) names the notes it is about and lists

    notes: eval/notes/brewing.txt          # file or folder, relative to the repository
    concepts: [Wort, Mash Tun, ...]        # must-have concepts, by label or alias
    relations:                             # [source, type, target], with direction
      - [Wort, leadsTo, Boil]
    chains:                                # arrow chains the notes write; the first
      - [Mash, Lauter, Boil]               #   path between the ends must be exactly this
    related:                               # concepts a related list must include
      - {concept: ReplicaSet, includes: [Deployment, Pod], limit: 20}
    aliases:                               # spellings that must name the same concept
      Original Gravity: [OG]
    absent:                                # relations the notes deny or do not state
      - [Batch sparging, uses, sparge arm] #   ("does not use", passive voice, ...)

Types are those of ``ingest.relation_types.RELATION_TYPES`` other than co-mention. Labels are
resolved the way the API resolves a user's spelling (``ConceptGraph.resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.concept_graph import ConceptGraph
from ingest.model import Corpus
from ingest.relation_types import RELATION_TYPES

CO_MENTION = "related"
TYPED = frozenset(RELATION_TYPES) - {CO_MENTION}


class GoldError(ValueError):
    """A gold file that does not say what it should."""


@dataclass
class Related:
    concept: str
    includes: list[str]
    limit: int = 20


@dataclass
class Gold:
    name: str
    notes: list[str]
    concepts: list[str] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)
    chains: list[list[str]] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    absent: list[tuple[str, str, str]] = field(default_factory=list)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GoldError(f"{where}: expected a list of labels")
    return [v.strip() for v in value]


def _triples(items: Any, where: str) -> list[tuple[str, str, str]]:
    out = []
    for number, item in enumerate(items or [], 1):
        here = f"{where} {number}"
        if not isinstance(item, list) or len(item) != 3:
            raise GoldError(f"{here}: expected [source, type, target]")
        source, rtype, target = _strings(item, here)
        if rtype not in TYPED:
            raise GoldError(f"{here}: unknown relation type {rtype!r} "
                            f"(one of {', '.join(sorted(TYPED))})")
        out.append((source, rtype, target))
    return out


def load(path: Path) -> Gold:
    """Read and check one gold file; unknown relation types are an error."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GoldError(f"{path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise GoldError(f"{path}: expected a mapping")
    notes = data.get("notes")
    notes = [notes] if isinstance(notes, str) else notes
    gold = Gold(path.stem, _strings(notes, f"{path}: notes"),
                _strings(data.get("concepts") or [], f"{path}: concepts"))
    gold.relations = _triples(data.get("relations"), f"{path}: relation")
    gold.absent = _triples(data.get("absent"), f"{path}: absent relation")
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict):
        raise GoldError(f"{path}: aliases: expected a mapping of label to aliases")
    gold.aliases = {str(label): _strings(names, f"{path}: aliases of {label}")
                    for label, names in aliases.items()}
    for number, chain in enumerate(data.get("chains") or [], 1):
        chain = _strings(chain, f"{path}: chain {number}")
        if len(chain) < 2:
            raise GoldError(f"{path}: chain {number}: a chain has two concepts at least")
        gold.chains.append(chain)
    for number, item in enumerate(data.get("related") or [], 1):
        where = f"{path}: related {number}"
        if not isinstance(item, dict) or not isinstance(item.get("concept"), str):
            raise GoldError(f"{where}: expected {{concept, includes, limit}}")
        gold.related.append(Related(item["concept"], _strings(item.get("includes"), where),
                                    int(item.get("limit", 20))))
    return gold


def load_all(folder: Path) -> list[Gold]:
    return [load(path) for path in sorted(folder.glob("*.yaml"))]


@dataclass
class Score:
    """What one corpus got right of its gold, with the misses spelled out."""

    concepts: tuple[int, int] = (0, 0)  # found, expected
    relations: tuple[int, int] = (0, 0)
    relations_shown: tuple[int, int] = (0, 0)
    chains: tuple[int, int] = (0, 0)
    related: tuple[int, int] = (0, 0)
    aliases: tuple[int, int] = (0, 0)
    absent: tuple[int, int] = (0, 0)  # denied relations not extracted, denied relations
    misses: list[str] = field(default_factory=list)


def _ratio(found: int, total: int) -> str:
    return f"{found}/{total}" + (f" = {found / total:.2f}" if total else "")


def score(gold: Gold, corpus: Corpus, graph: ConceptGraph, shown=None, *,
          min_confidence: float = 0.0) -> Score:
    """Recall of concepts and typed relations (right type and direction), exactness of
    the first path for each chain, and the related lists. ``shown`` (a predicate on a
    relation) also counts the relations found among those shown by default; paths and
    related lists only walk typed edges at least ``min_confidence`` confident."""
    out = Score()
    typed: dict[tuple[str, str, str], list[Any]] = {}
    for relation in corpus.relations:
        if relation.type != CO_MENTION:
            typed.setdefault((relation.source, relation.type, relation.target), []).append(relation)
    pairs: dict[frozenset[str], set[str]] = {}
    for (source, rtype, target) in typed:
        pairs.setdefault(frozenset((source, target)), set()).add(f"{source} {rtype} {target}")

    found = 0
    for label in gold.concepts:
        if graph.resolve(label):
            found += 1
        else:
            out.misses.append(f"concept {label}")
    out.concepts = (found, len(gold.concepts))

    found = shown_found = 0
    for source, rtype, target in gold.relations:
        s, t = graph.resolve(source), graph.resolve(target)
        hits = typed.get((s, rtype, t), []) if s and t else []
        if hits:
            found += 1
            if shown is None or any(shown(r) for r in hits):
                shown_found += 1
            else:
                out.misses.append(f"hidden by default: {source} {rtype} {target}")
            continue
        if not (s and t):
            why = "unknown " + " and ".join(x for x, r in ((source, s), (target, t)) if not r)
        else:
            got = sorted(pairs.get(frozenset((s, t)), ()))
            why = ("found " + "; ".join(got)) if got else "no typed relation"
        out.misses.append(f"relation {source} {rtype} {target} ({why})")
    out.relations = (found, len(gold.relations))
    out.relations_shown = (shown_found, len(gold.relations))

    found = 0
    for chain in gold.chains:
        ids = [graph.resolve(label) for label in chain]
        if not all(ids):
            out.misses.append(f"chain {' -> '.join(chain)} (unknown concept)")
            continue
        # /api/path's default maxLength is 6 and its limit 8: a longer written chain is
        # asked for with room for all its hops, as a user would
        paths = graph.paths(ids[0], ids[-1], k=1, max_len=min(8, max(6, len(ids) - 1)),
                            min_confidence=min_confidence)
        nodes = [n["id"] for n in paths[0]["nodes"]] if paths else []
        if nodes == ids:
            found += 1
        else:
            got = " -> ".join(f"{e['from']} [{e['relation']}]" for e in paths[0]["edges"]) \
                + f" -> {nodes[-1]}" if paths else "no path"
            out.misses.append(f"chain {' -> '.join(chain)} (first path: {got})")
    out.chains = (found, len(gold.chains))

    found = total = 0
    for item in gold.related:
        cid = graph.resolve(item.concept)
        listed = {r["id"] for r in graph.related(cid, limit=item.limit,
                                                   min_confidence=min_confidence)} \
            if cid else set()
        for label in item.includes:
            total += 1
            if graph.resolve(label) in listed:
                found += 1
            else:
                out.misses.append(f"related of {item.concept} (limit {item.limit}) lacks {label}")
    out.related = (found, total)

    found = total = 0
    for label, names in gold.aliases.items():
        cid = graph.resolve(label)
        for name in names:
            total += 1
            other = graph.resolve(name)
            if cid and other == cid:
                found += 1
            else:
                out.misses.append(f"alias {name} of {label} resolves to {other or 'nothing'}")
    out.aliases = (found, total)

    clean = 0
    for source, rtype, target in gold.absent:
        s, t = graph.resolve(source), graph.resolve(target)
        if s and t and (s, rtype, t) in typed:
            out.misses.append(f"denied relation extracted: {source} {rtype} {target}")
        else:
            clean += 1
    out.absent = (clean, len(gold.absent))
    return out


def report(gold: Gold, result: Score) -> list[str]:
    lines = [f"  concepts {_ratio(*result.concepts)}   relations {_ratio(*result.relations)}"
             f"   shown by default {_ratio(*result.relations_shown)}"
             f"   chains exact {_ratio(*result.chains)}"
             + (f"   related lists {_ratio(*result.related)}" if result.related[1] else "")
             + (f"   aliases {_ratio(*result.aliases)}" if result.aliases[1] else "")
             + (f"   denied kept out {_ratio(*result.absent)}" if result.absent[1] else "")]
    lines += [f"    miss: {miss}" for miss in result.misses]
    return lines
