"""Definition quality on the Kubernetes glossary: the share of glossary terms that
resolve to a concept and have a clean definition, and the failures by name.

    python -m eval.definitions                     # ../shared/corpora/k8s-docs
    python -m eval.definitions PATH --verbose      # another Hugo docs folder; print all

A glossary term is a file of ``reference/glossary/`` (``index.md`` lists them and is
none); it *resolves* when its front matter ``title`` (or ``id``) names a concept of the
ingested corpus. The rubric: a definition is *clean* when

1. it is not empty;
2. it carries no markup debris: shortcode braces, heading ids, HTML comments, empty
   brackets, a space before punctuation, double spaces, an article right before
   "that/which/is/of" (where a shortcode took a word out);
3. the term is its subject: it opens with the term, after an article or a setting such
   as "In Kubernetes," ("A Pod is …", "In Kubernetes, affinity is …"), or it was read
   from a glossary entry of the term, whose sentences are all about their term;
4. it says what the term is: opened by the term, it goes on with a copula or a defining
   verb ("is", "refers to", "provides" …), or — in the term's glossary entry, which
   defines it by authority — with any verb; read from the glossary without the term,
   it is a phrase of at least four words ("A repeating task (a Job) that runs on a
   regular schedule.").
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingest.model import Concept, Corpus, Evidence
from ingest.pipeline import ingest_paths
from ingest.text import label_key
from ingest.vocabulary import load_vocabulary
from kg.settings import REPO_ROOT

K8S_DOCS = REPO_ROOT.parent / "shared" / "corpora" / "k8s-docs"
GLOSSARY = Path("reference") / "glossary"

# empty brackets after a name or a dot are code (``List()``, ``spec.containers[]``)
_MARKUP = re.compile(r"\{\{[<%]|[>%]\}\}|\{#[^}]*\}|<!--|(?<![\w.\]])(?:\(\s*\)|\[\s*\](?!\w))")
_DEBRIS = re.compile(
    _MARKUP.pattern + r"|\}\}|-->|\]\(|\s[,.;:](?:\s|$)|\s{2,}"
    r"|\b(?:a|an|the)\s+(?:that|which|who|is|are|of|and|or)\b", re.IGNORECASE)
_ANY_VERB = re.compile(r"^\s*(?:\([^()]*\)\s*)?(?:will\s+|can\s+)?(?:not\s+)?[a-z]+s?\b")
# what may stand before the term in a sentence about it: an article, a setting phrase
_LEAD = re.compile(r"^(?:(?:in|within|for|on)\s+[\w\s-]{1,30},\s+)?(?:(?:a|an|the)\s+)?",
                   re.IGNORECASE)
_SAYS_WHAT = re.compile(
    r"^[\s*_`\"')]*(?:\([^()]*\)\s*)?,?\s*(?:(?:is|are|was)\b|refers?\s+to|means|describes|"
    r"represents|provides|lets|allows|enables|manages|runs|stores|holds|defines|"
    r"specifies|controls|is\s+used|(?:은|는|이란|란)\s)", re.IGNORECASE)


@dataclass(slots=True)
class Term:
    """A glossary entry: its file, its title and its id."""

    path: str
    title: str
    id: str


def glossary_terms(root: Path) -> list[Term]:
    terms = []
    for file in sorted((root / GLOSSARY).glob("*.md")):
        if file.stem in ("_index", "index"):
            continue
        text = file.read_text(encoding="utf-8")
        meta: dict = {}
        if text.startswith("---"):
            front = text.split("\n---", 1)[0][3:]
            meta = yaml.safe_load(front) or {}
        title = str(meta.get("title") or file.stem)
        terms.append(Term(str((GLOSSARY / file.name).as_posix()), title,
                          str(meta.get("id") or file.stem)))
    return terms


def _keys(corpus: Corpus) -> dict[str, str]:
    """Label key → concept id, over labels, aliases and translations (labels first)."""
    keys: dict[str, str] = {}
    for concept in corpus.concepts.values():
        keys.setdefault(label_key(concept.label), concept.id)
    for concept in corpus.concepts.values():
        for label in (*concept.alt_labels, *concept.translations.values()):
            keys.setdefault(label_key(label), concept.id)
    return keys


def resolve(term: Term, keys: dict[str, str]) -> str | None:
    for label in (term.title, term.id.replace("-", " ")):
        found = keys.get(label_key(label))
        if found:
            return found
    return None


def problem(concept: Concept, evidence: Evidence | None, titles: set[str]) -> str | None:
    """Why a definition is not clean, or None when it is. ``titles``: the titles of the
    glossary entries that name the concept."""
    if evidence is None or not evidence.text.strip():
        return "empty"
    text = evidence.text.strip()
    debris = _DEBRIS.search(text)
    if debris:
        return f"debris {debris.group(0)!r}"
    own_entry = evidence.path.startswith(f"{GLOSSARY.as_posix()}/")
    names = {concept.label, *titles, *concept.alt_labels, *concept.translations.values()}
    after = _after_term(text, names)
    if after is not None:
        if _SAYS_WHAT.match(after) or own_entry and _ANY_VERB.match(after):
            return None
        return "does not say what the term is"
    if not own_entry:
        return "the term is not the subject"
    return None if len(text.split()) >= 4 else "too short to say what the term is"


def _after_term(text: str, names: set[str]) -> str | None:
    """The text after the term, when the sentence opens with it (after an article or a
    setting phrase such as "In Kubernetes,")."""
    lead = _LEAD.match(text)
    rest = text[lead.end():] if lead else text
    rest = rest.lstrip("*_`\"'")
    for name in sorted(names, key=len, reverse=True):
        if name and rest[: len(name)].lower() == name.lower():
            tail = rest[len(name):]
            if not tail or not tail[0].isalnum() or tail[:1] == "s" and not tail[1:2].isalnum():
                return tail[1:] if tail[:1] == "s" else tail
    return None


def evaluate(corpus: Corpus, terms: list[Term]) -> tuple[int, list[tuple[Term, str | None, str]]]:
    """(how many resolve, the failures as (term, concept, reason))."""
    keys = _keys(corpus)
    resolved = 0
    failures = []
    glossary_of: dict[str, set[str]] = {}
    for term in terms:
        cid = resolve(term, keys)
        if cid is not None:
            glossary_of.setdefault(cid, set()).add(re.sub(r"\s*\([^()]*\)$", "", term.title))
    for term in terms:
        cid = resolve(term, keys)
        if cid is None:
            continue
        resolved += 1
        concept = corpus.concepts[cid]
        reason = problem(concept, concept.definition, glossary_of.get(cid, set()))
        if reason:
            failures.append((term, cid, reason))
    return resolved, failures




def debris(corpus: Corpus) -> dict[str, int]:
    """How many section titles, text blocks and definitions still hold markup: Hugo
    shortcodes and heading ids, HTML comments, empty brackets (code blocks excluded)."""
    titles = sum(1 for note in corpus.notes for s in note.sections if _MARKUP.search(s.title))
    blocks = sum(1 for note in corpus.notes for s in note.sections for b in s.blocks
                 if b.kind != "code" and _MARKUP.search(b.text))
    definitions = sum(1 for c in corpus.concepts.values()
                      for e in (getattr(c, "definitions", None) or {"": c.definition}).values()
                      if e is not None and _MARKUP.search(e.text))
    return {"titles": titles, "blocks": blocks, "definitions": definitions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", type=Path, default=K8S_DOCS)
    parser.add_argument("--verbose", action="store_true", help="print every definition")
    args = parser.parse_args(argv)
    if not (args.root / GLOSSARY).is_dir():
        print(f"no {GLOSSARY} under {args.root}", file=sys.stderr)
        return 1
    terms = glossary_terms(args.root)
    corpus = ingest_paths([args.root], load_vocabulary())
    resolved, failures = evaluate(corpus, terms)
    clean = resolved - len(failures)
    print(f"glossary terms: {len(terms)}, resolved to a concept: {resolved}, "
          f"clean definition: {clean} ({clean / max(resolved, 1):.1%})")
    print("markup debris left: " + ", ".join(f"{n} {what}" for what, n in debris(corpus).items()))
    for term, cid, reason in failures:
        definition = corpus.concepts[cid].definition
        shown = f"{definition.text[:110]!r} ({definition.path}:{definition.line})" \
            if definition else "—"
        print(f"  {term.title} [{cid}]: {reason}: {shown}")
    if args.verbose:
        for term in terms:
            cid = resolve(term, _keys(corpus))
            definition = corpus.concepts[cid].definition if cid else None
            print(f"{term.title}\t{cid}\t{definition.text if definition else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
