"""Where concepts come from in a note: headings, ``Term: definition`` items, code
identifiers, CamelCase names and manifest kinds.

Each is a ``Candidate``; extraction turns candidates and the vocabulary into the
lexicon. Deciding what is *not* a concept matters as much: headings like "Overview",
"Before you begin" or "States a Pod can have" name sections, not things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import is_camel, is_identifier
from .model import Block, Evidence, Note, Section, pickled_by_fields
from .subject import opens_with

# Headings that organise a text rather than name a thing.
GENERIC_HEADINGS = frozenset(
    """
overview introduction intro summary background motivation prerequisites requirements
example examples usage notes note tips tip caveats limitations alternatives troubleshooting
appendix references reference see also next steps what's next cleanup cleaning up
conclusion details detail characteristics features feature properties options
configuration setup installation install contents table of contents faq glossary
description descriptions purpose goals non-goals objectives concepts basics misc
miscellaneous other others todo questions answers history changelog status
before you begin how it works use cases use case best practices common patterns
related further reading resources links terminology definitions
""".split("\n")
)
_GENERIC_WORDS = frozenset(w for line in GENERIC_HEADINGS for w in line.split())
FUNCTION_WORDS = frozenset(
    """
a an the to of for with without in on at by from into onto about how what why when where
which who whose whom is are was were be been being do does did can could should would may
might must will shall you your we our us i my me it its this that these those there here
and or but not no yes if then than so as up down out over under via vs per each every all
some any only also just very more most less least let lets using use make create get set
run add remove delete update check see try
""".split()
)
TERM_STOPWORDS = frozenset(
    "example examples e.g eg i.e ie note notes tip warning caution important see also "
    "for example for instance default value result output input step usage why how".split()
)
_KINDS_OF = re.compile(
    r"^(?:(?:the\s+)?(?:types?|kinds?|sorts?|categories|variants|flavou?rs)\s+of\s+(?:the\s+)?"
    r"(?P<a>.+?)|(?P<b>.+?)\s+(?:types|kinds|variants))\s*$",
    re.IGNORECASE,
)
_TERM = re.compile(
    r"^\s*(?:\*\*|__)?(?P<term>[^:\n]{1,60}?)(?:\*\*|__)?\s*:\s+(?P<def>\S.*)$", re.DOTALL
)
_SPLIT_LIST = re.compile(r"\s*(?:,|/|&|\band\b|\bor\b|(?<=[가-힣])(?:와|과|및)(?=\s))\s*")
_KO_PAREN = re.compile(r"^([가-힣][가-힣 ]*?)\s*\(([^()]+)\)$")
# Korean headings that organise notes (정리 "summary", 메모 "memo", 타입 "types" ...)
_KO_GENERIC = re.compile(
    r"(?:^|\s)(?:정리|메모|개요|요약|참고|예시|예제|소개|목차|타입|종류|유형|"
    r"다음\s*내용|시작하기|용어|설정)$"
)
_DEFINED_AS = re.compile(
    r"(?:^|(?<=[.!?]\s))(?:(?:An?|The)\s+)?(?P<term>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,2})\s+"
    r"(?:is|are)\s+(?:an?|the|one)\s"
)
# a literal start: far quicker to look for than trying the pattern everywhere
_DEFINED_AS_HINT = re.compile(r"(?:^|[.!?]\s)(?:An?\s|The\s|[A-Z])")
# "the Symbol Table stores …", "a Helper T Cell": a run of capitalised words inside a
# sentence of an outline, how its author writes the name of a thing
_NAME_RUN = re.compile(
    "(?:"
    + "|".join(
        rf"(?<=\b{word}\s)"
        for word in (
            "the The a A an An of to in on by from and or with into each every its".split()
        )
    )
    + r"|(?<=[a-z,]\s))"
    r"(?P<run>(?:[A-Z][a-z]+|[A-Z]{1,6})(?:[ \-](?:[A-Z][a-z]+|[A-Z]{1,6}|\d+))+)\b(?![ \-][A-Z])"
)
_CHAIN_PART = re.compile(
    r"(?:^|[(\s,])(?P<a>[A-Z][\w\-]*(?:\s[A-Z][\w\-]*)?)\s*(?:->|→|=>)\s*"
    r"(?=(?P<b>[A-Z][\w\-]*(?:\s[A-Z][\w\-]*)?)\s*(?:$|[),.;]|->|→|=>))"
)
_CODE_KEY = re.compile(r"^[\s\-]*[\"']?([a-z][A-Za-z0-9]*)[\"']?\s*:", re.MULTILINE)
_ALIAS = re.compile(r"^(.+?)\s*\(([^()]+)\)$")
# a bullet that opens with a name of several capitalised words and goes on in lower
# case: "Recursive Descent Parser is a kind of LL Parser", "Graph Coloring is used …"
_OPENING_RUN = re.compile(
    r"^(?P<run>(?:[A-Z][a-z]+|[A-Z]{1,6})(?:[ \-](?:[A-Z][a-z]+|[A-Z]{1,6}|\d+))+)\s+"
    r"(?:is|are|was|were|can|has|have|does|uses?|[a-z]+s)\b"
)  # …and its verb follows
# front matter keys by which docs generators (Hugo, Jekyll, Docusaurus) place a page
_SITE_PAGE_KEYS = (
    "content_type",
    "weight",
    "layout",
    "type",
    "sidebar_position",
    "nav_order",
    "permalink",
)
_DESIGNATOR = re.compile(r"[A-Za-z]|[IVX]{1,4}|\d{1,2}")
_YAML_KIND = re.compile(r"^\s*kind:\s*[\"']?([A-Z][A-Za-z0-9]+)[\"']?\s*$", re.MULTILINE)


@pickled_by_fields
@dataclass(slots=True, frozen=True)
class Candidate:
    """A label that notes present as a concept.

    origin: heading | kinds (``Types of X``: X) | term | sentence ("A Branch is a ...") |
    chain (``A -> B``) | identifier | camel | manifest |
    capitalised (kept when seen at least twice) |
    acronym (``Intermediate Representation (IR)``: an alias of a concept named otherwise).
    definition: the defining text read with it, if any.
    """

    label: str
    origin: str
    path: str
    anchor: str
    definition: Evidence | None = None
    aliases: tuple[str, ...] = ()  # "Horizontal Pod Autoscaler (HPA)": HPA


def split_alias(text: str) -> tuple[str, str | None]:
    """``Horizontal Pod Autoscaler (HPA)`` → (``Horizontal Pod Autoscaler``, ``HPA``): a
    short name in parentheses after a term is another label of the same thing."""
    match = _ALIAS.match(text.strip())
    if match and (looks_like_alias(match.group(2)) or looks_like_alias(match.group(1))):
        return match.group(1).strip(), match.group(2).strip()
    return text, None


def looks_like_alias(text: str) -> bool:
    """An abbreviation or a short name: ``HPA``, ``PDB``, ``svc``, ``kube-proxy``."""
    words = text.split()
    return (
        1 <= len(words) <= 5
        and not any(w.lower() in FUNCTION_WORDS for w in words)
        and bool(re.fullmatch(r"[\w][\w .\-+]*", text))
    )


def kinds_of(title: str) -> str | None:
    """``Types of Services`` → ``Services``; None when the title is not such a list."""
    match = _KINDS_OF.match(title.strip().rstrip(":"))
    if not match:
        return None
    return (match.group("a") or match.group("b") or "").strip() or None


def heading_labels(title: str) -> list[str]:
    """The concept labels a heading names (possibly several: ``ConfigMap, Secret``)."""
    title = title.strip().strip("*_`").strip()
    if not title or title.endswith("?") or kinds_of(title):
        return []
    if is_identifier(title) or is_camel(title):
        return [title]
    # Korean docs write "파드(Pod)": the Korean term with its English name
    paren = _KO_PAREN.match(title)
    if paren:
        inner = heading_labels(paren.group(2))
        outer = [paren.group(1)] if looks_like_name(paren.group(1)) else []
        return outer + inner if inner or outer else []
    label, alias = split_alias(title)
    if alias:  # "Horizontal Pod Autoscaler (HPA)": the alias is not a second concept
        return heading_labels(label)
    parts = [p for p in _SPLIT_LIST.split(title) if p]
    if len(parts) > 1:
        labels = [p for part in parts for p in heading_labels(part)]
        return labels if len(labels) == len(parts) else []
    return [title] if looks_like_name(title) else []


def looks_like_name(text: str) -> bool:
    """A short noun phrase that can name a concept (not a sentence or a generic title)."""
    words = text.split()
    if not 1 <= len(words) <= 3 or text.lower() in GENERIC_HEADINGS or _KO_GENERIC.search(text):
        return False
    # a last letter or numeral tells members of a series apart: "Photosystem I",
    # "Chlorophyll a", "Level 2"
    body = words[:-1] if len(words) > 1 and _DESIGNATOR.fullmatch(words[-1]) else words
    if any(w.lower() in FUNCTION_WORDS for w in body):
        return False
    if all(w.lower() in _GENERIC_WORDS for w in words):
        return False
    if not re.fullmatch(r"[\w][\w .\-+#/’']*", text) or re.search(r"\d{3,}", text):
        return False
    first = words[0]
    # sentence-case or title-case phrases, identifiers; Hangul has no case
    return first[0].isupper() or first[0] >= "가" or is_identifier(first) or first.isupper()


def term_of(block: Block) -> tuple[str, str] | None:
    """``Term: definition`` items → (term, definition); None for other blocks."""
    if block.kind != "item":
        return None
    match = _TERM.match(block.text)
    if not match:
        return None
    term = split_alias(match.group("term").strip().strip("*_`").strip())[0].strip("*_`").strip()
    definition = match.group("def").strip()
    if not term or term.lower() in TERM_STOPWORDS or "<" in term or len(term.split()) > 4:
        return None
    if is_identifier(term) or is_camel(term) or looks_like_name(term):
        return term, definition
    # lower-case single words name things too in notes (``default``, ``kube-system``)
    if re.fullmatch(r"[a-z][a-z0-9\-]+", term) and term not in FUNCTION_WORDS:
        return term, definition
    # so do lower-case phrases (``pod disruption budget``) and digit-first names
    # (``2-phase commit``) when a definition follows
    words = term.split()
    if (
        2 <= len(words) <= 4
        and re.fullmatch(r"[a-z0-9][a-z0-9\- ]+", term)
        and not any(w in FUNCTION_WORDS for w in words)
        and (
            re.match(r"\d+-[a-z]", term) or re.match(r"(?:an?|the|one|\w+s)\b", definition.lower())
        )
    ):
        return term, definition
    return None


_DEFINING_VERB = (
    r"(?:is|are|was|lets?|allows?|provides?|gives?|enables?|describes?|defines?|"
    r"represents?|refers?|means?|holds?|stores?|controls?|manages?|runs?|"
    r"creates?|ensures?|specifies|acts|works|can|has|have)"
)


def defines(label: str, evidence: Evidence | None) -> bool:
    """Whether a sentence opens by saying what ``label`` is or does ("A ReplicaSet's
    purpose is …", "Ingress exposes …" does not count: only defining verbs).

    Stricter than ``ingest.subject.acts`` (any present-tense verb), which picks the best
    definition among concepts that exist: this one decides whether a heading becomes a
    concept at all, and with any verb list items under a heading ("Soft eviction
    thresholds …") turn into kinds of it."""
    if evidence is None:
        return False
    pattern = (
        rf"^(?:(?:a|an|the)\s+)?{re.escape(label)}(?:s|es)?(?:'s|’s)?\s+(?:\w+\s+)?"
        rf"{_DEFINING_VERB}\b"
    )
    return re.match(pattern, evidence.text, re.IGNORECASE) is not None


def is_outline(note: Note) -> bool:
    """Study notes written as an outline (in either form): mostly short bullets under
    headings, which name things, rather than paragraphs of prose under section titles.
    A page of a published docs site (its front matter sets how the site places it:
    Hugo's ``weight``, ``layout`` …) is prose, however many lists it has."""
    if any(key in note.meta for key in _SITE_PAGE_KEYS):
        return False
    items = paragraphs = 0
    for section in note.sections:
        for block in section.blocks:
            if block.kind == "item":
                items += 1
            elif block.kind == "paragraph":
                paragraphs += 1
    return items > 2 * paragraphs


def _term_alias(block: Block) -> str | None:
    match = _TERM.match(block.text)
    return split_alias(match.group("term").strip().strip("*_`").strip())[1] if match else None


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z가-힣\"(])", text)
    return text[: match.start()] if match else text


def collect(note: Note) -> list[Candidate]:
    """Every concept candidate in a note, in document order."""
    out: list[Candidate] = []
    outline = is_outline(note)
    # a page whose lead sentence says what its title is, is about that thing
    lead = next((b for s in note.sections[:1] for b in s.blocks if b.kind == "paragraph"), None)
    if (
        lead is not None
        and note.sections
        and looks_like_name(note.title)
        and defines(note.title, Evidence(first_sentence(lead.text), note.path, lead.line))
    ):
        out.append(Candidate(note.title, "title", note.path, note.sections[0].anchor))
    for section in note.sections:
        anchor = section.anchor
        if section is not note.sections[0] or section.level > 1:
            labels = heading_labels(section.title)
            alias = split_alias(section.title.strip().strip("*_`").strip())[1]
            for label in labels:
                out.append(
                    Candidate(
                        label,
                        "heading",
                        note.path,
                        anchor,
                        _heading_definition(note, section, labels),
                        (alias,) if alias and len(labels) == 1 else (),
                    )
                )
        for block in section.blocks:
            if block.kind == "code":
                for kind in _YAML_KIND.findall(block.text):
                    out.append(Candidate(kind, "manifest", note.path, anchor))
                # keys written in code: what makes an identifier in prose a code name
                for key in dict.fromkeys(_CODE_KEY.findall(block.text)):
                    if is_identifier(key):
                        out.append(Candidate(key, "code", note.path, anchor))
                continue
            term = term_of(block)
            if term:
                alias = _term_alias(block)
                out.append(
                    Candidate(
                        term[0],
                        "term",
                        note.path,
                        anchor,
                        Evidence(first_sentence(term[1]), note.path, block.line),
                        (alias,) if alias else (),
                    )
                )
            text = block.text
            # both patterns try every position; most blocks lack what they need
            if _DEFINED_AS_HINT.search(text):
                _sentence_candidates(block, note.path, anchor, out)
            if "->" in text or "→" in text or "=>" in text:
                _chain_candidates(text, note.path, anchor, out)
            _token_candidates(text, note.path, anchor, out)
            if " (" in text:
                _acronym_candidates(text, note.path, anchor, out)
            if outline and block.kind == "item":
                opening = _OPENING_RUN.match(text)
                if opening and looks_like_name(opening.group("run")):
                    out.append(Candidate(opening.group("run"), "capitalised", note.path, anchor))
                for run in _NAME_RUN.finditer(text):
                    label = run.group("run")
                    if looks_like_name(label):
                        out.append(Candidate(label, "capitalised", note.path, anchor))
        kinds = kinds_of(section.title)
        if kinds and looks_like_name(kinds[0].upper() + kinds[1:]):
            # "Index types" lists kinds of Index: the Index is a concept of the notes
            out.append(Candidate(kinds, "kinds", note.path, anchor))
    return out


def _sentence_candidates(block: Block, path: str, anchor: str, out: list[Candidate]) -> None:
    """Terms a sentence defines: ``A Branch is a ...``."""
    text = block.text
    for match in _DEFINED_AS.finditer(text):
        term = match.group("term")
        if looks_like_name(term):
            out.append(
                Candidate(
                    term,
                    "sentence",
                    path,
                    anchor,
                    Evidence(
                        first_sentence(text[match.start() :]),
                        path,
                        block.line + text.count("\n", 0, match.start()),
                    ),
                )
            )


# up to six words, then an acronym in parentheses: "an Intermediate Representation (IR)"
_SPELLED_OUT = re.compile(
    r"((?:[A-Za-z][\w]*(?:-[A-Za-z][\w]*)* ){0,5}[A-Za-z][\w]*(?:-[A-Za-z][\w]*)*) "
    r"\(([A-Z]{2,6})s?\)"
)


def _acronym_candidates(text: str, path: str, anchor: str, out: list[Candidate]) -> None:
    """``Intermediate Representation (IR)``: the acronym is another label of the words
    whose initials it spells (hyphenated words give one initial per part). It only adds
    a label to a concept the notes name otherwise; it never makes one."""
    for match in _SPELLED_OUT.finditer(text):
        words, acronym = match.group(1).split(" "), match.group(2)
        for count in range(min(len(words), len(acronym)), 0, -1):
            name = words[-count:]
            initials = "".join(part[0] for word in name for part in word.split("-"))
            if initials.upper() == acronym and name[0][0].isalpha():
                out.append(Candidate(" ".join(name), "acronym", path, anchor, aliases=(acronym,)))
                break


def _chain_candidates(text: str, path: str, anchor: str, out: list[Candidate]) -> None:
    """Both ends of each link of a chain: ``Deployment -> ReplicaSet -> Pod``."""
    for match in _CHAIN_PART.finditer(text):
        for term in (match.group("a"), match.group("b")):
            if looks_like_name(term):
                out.append(Candidate(term, "chain", path, anchor))


_AFTER_WORD = re.compile(r"[a-z,] $")
_BEFORE_CAPITAL = re.compile(r" [A-Z]")


# The tokens (``lexicon.TOKEN``) that may be an identifier, a CamelCase or a capitalised
# name: those that start with a letter and hold a capital or a dot, a sixth of them. Each
# match skips the text and the other tokens before the next such token inside the regex
# engine, token by token as TOKEN would cut them (possessive, so it never backtracks),
# and Python only sees the few that may count; the group is None at the end of the text.
_GOES_ON = r"(?:[A-Za-z0-9_]|[.\-](?=[A-Za-z0-9]))"  # what continues a token
NAMELIKE_TOKEN = re.compile(
    r"(?:[^A-Za-z0-9]++"  # between tokens, Hangul words included
    r"|[0-9]" + _GOES_ON + r"*+"  # a token that starts with a digit
    r"|[a-z][a-z0-9_]*+(?:-[a-z0-9][a-z0-9_]*+)*+(?!" + _GOES_ON + r"))*+"  # lower-case
    r"([A-Za-z]" + _GOES_ON + r"*+)?"
)


def _token_candidates(text: str, path: str, anchor: str, out: list[Candidate]) -> None:
    """Identifiers, CamelCase names and capitalised names among a block's tokens."""
    kind_of = _token_kind
    for match in NAMELIKE_TOKEN.finditer(text):
        token = match.group(1)
        if token is None:
            continue
        kind = kind_of(token)
        if kind is None:
            continue
        if (
            kind == "capitalised"
            and not token.isupper()
            and not _in_sentence(text, match.start(1), match.end(1))
        ):
            continue  # (an acronym is a name wherever it stands: "ABV is calculated …")
        out.append(Candidate(token, kind, path, anchor))


# Most tokens are everyday lower-case words, and the same few thousand words recur in
# every note: what a token can be is worked out once per distinct token.
@lru_cache(maxsize=1 << 14)
def _token_kind(token: str) -> str | None:
    """ "identifier", "camel", "capitalised" (if its context agrees) or None."""
    if is_identifier(token):
        return "identifier"
    if is_camel(token):
        return "camel"
    return "capitalised" if _could_be_capitalised(token) else None


def _could_be_capitalised(token: str) -> bool:
    """A word notes capitalise mid-sentence (``a Heap of Pages``, ``WAL``): how people write
    the names of things. Everyday words don't count; extraction keeps only those the notes
    capitalise more than once; an acronym may hold digits (``G3P``)."""
    if len(token) < 2 or not token[0].isupper() or not token.isascii():
        return False
    if not token.isalpha() and not (
        token.isalnum() and token.isupper() and sum(c.isalpha() for c in token) >= 2
    ):
        return False
    if not (token[1:].islower() or (token.isupper() and 2 < len(token) <= 8)):
        return False
    lowered = token.lower()
    if lowered in FUNCTION_WORDS or lowered in _GENERIC_WORDS or lowered in TERM_STOPWORDS:
        return False
    # verbs and adverbs, capitalised because they open a title
    return not (token[1:].islower() and lowered.endswith(("ing", "ed", "ly")))


def _in_sentence(text: str, start: int, end: int) -> bool:
    """Is the capitalised word at ``text[start:end]`` inside a sentence, not at its start
    nor in a Title Case run?"""
    if _BEFORE_CAPITAL.match(text, end):
        return False  # part of a Title Case run: the title of a page, not a name
    # inside a sentence: right after a lower-case word ("a Heap", "dead Tuples", "the WAL")
    return bool(_AFTER_WORD.search(text[max(0, start - 2) : start]))


def _heading_definition(note: Note, section: Section, labels: list[str]) -> Evidence | None:
    """The first sentence under a heading that names one concept (its ``labels``), if it
    reads as one. A bullet may leave its subject out ("Replicates Pods …"); prose under a
    heading defines it only with the concept as subject, or as "A …" or "An …" phrase:
    docs open sections with sentences about something else ("For some Services, …")."""
    if len(labels) != 1:
        return None
    for block in section.blocks:
        if block.kind not in ("paragraph", "item") or term_of(block):
            return None
        sentence = first_sentence(block.text)
        if (
            len(sentence.split()) < 3
            or block.kind == "paragraph"
            and not (opens_with(sentence, labels) or sentence.startswith(("A ", "An ")))
        ):
            return None
        return Evidence(sentence, note.path, block.line)
    return None
