"""Hugo markup in notes: shortcodes and heading ids, reduced to what a reader sees.

Docs sites written for Hugo (the Kubernetes docs among them) carry shortcodes
(``{{< glossary_tooltip text="Pod" term_id="pod" >}}``, ``{{< note >}}…{{< /note >}}``,
``{{% heading "whatsnext" %}}``) and heading ids (``## Pod storage {#pod-storage}``).
Hugo expands shortcodes before it renders the markdown, so ``expand_shortcodes`` runs
on the text before markdown-it, as Hugo's does; that is also the only way to follow a
shortcode written over several lines, and to keep its ``<``/``>`` from being read as
inline HTML. Every line stays where it was: a shortcode over three lines leaves its two
line breaks behind.

Each family found in the Kubernetes docs (English and Korean) is handled on purpose:

- text shortcodes become their text: ``glossary_tooltip`` and ``link`` their ``text``
  (a tooltip without one names its glossary term, the ``term_id`` made readable),
  ``api-reference`` the API object its page documents, ``heading`` the heading Hugo
  prints (``whatsnext`` → "What's next", in the note's language), ``figure`` its caption;
- wrappers keep what they wrap and drop themselves: ``note``, ``caution``, ``warning``,
  ``alert``, ``tabs``/``tab``, ``table``, ``example``;
- ``comment`` drops what it wraps;
- ``mermaid`` and ``highlight`` wrap code: on lines of their own they become a fenced
  code block, so their body is kept as code and never read as prose;
- the rest insert what the note does not hold (``feature-state``, ``skew``, ``param``,
  ``include``, ``code_sample``, ``codenew``, ``code``, ``version-check``,
  ``thirdparty-content``, ``glossary_definition`` …): they are dropped, and so is the
  space, or the brackets, they would leave behind.
"""

from __future__ import annotations

import re

# arguments run to the closing ">}}" or "%}}", quoted values whole (possessive: one pass)
_SHORTCODE = re.compile(
    r"\{\{(?P<open>[<%])\s*(?P<close>/)?\s*(?P<name>[\w-]+)"
    r"(?P<args>(?:[^{}\"%>]++|\"[^\"]*\"|[%>](?!\}\}))*+)[>%]\}\}"
)
_ARG = re.compile(r"(?:(?P<key>[\w-]+)\s*=\s*)?(?:\"(?P<quoted>[^\"]*)\"|(?P<bare>[^\s\"=]+))")
_COMMENT = re.compile(
    r"\{\{[<%]\s*comment\s*[>%]\}\}.*?\{\{[<%]\s*/\s*comment\s*[>%]\}\}", re.DOTALL
)
_HEADING_ID = re.compile(r"\s*\{#+(?P<id>[^\s{}]+)(?:\s+[^{}]*)?\}\s*$")
_HANGUL = re.compile("[가-힣]")
_DROPPED = "\x00"  # where a shortcode was dropped, until the space around it is tidied
_EMPTY_BRACKETS = re.compile(r"[ \t]*(?:\((?:[ \t]*\x00)+[ \t]*\)|\[(?:[ \t]*\x00)+[ \t]*\](?!\())")
_BEFORE_PUNCTUATION = re.compile(r"[ \t]*\x00+[ \t]*(?=[.,;:!?)\]])")
_LINE_START = re.compile(r"^([ \t]*(?:[-*+]|\d+[.)])?[ \t]*)\x00+[ \t]*")
_AFTER_SPACE = re.compile(r"(?<=[ \t])\x00+[ \t]+")

# What Hugo's ``heading`` shortcode prints, per language (the Kubernetes site's i18n).
HEADINGS = {
    "en": {
        "whatsnext": "What's next",
        "prerequisites": "Before you begin",
        "objectives": "Objectives",
        "cleanup": "Clean up",
        "seealso": "See also",
        "synopsis": "Synopsis",
        "options": "Options",
    },
    "ko": {
        "whatsnext": "다음 내용",
        "prerequisites": "시작하기 전에",
        "objectives": "목적",
        "cleanup": "정리하기",
        "seealso": "참고",
        "synopsis": "개요",
        "options": "옵션",
    },
}
WRAPPERS = frozenset("note caution warning alert tabs tab table example".split())
CODE_WRAPPERS = frozenset({"mermaid", "highlight"})


def expand_shortcodes(text: str) -> str:
    """The text with each Hugo shortcode replaced by what a reader sees of it, every
    line break kept (see the module docstring for each family)."""
    if "{{" not in text:
        return text
    if "comment" in text:
        text = _COMMENT.sub(_line_breaks, text)
    out: list[str] = []
    position = 0
    for match in _SHORTCODE.finditer(text):
        start = match.start()
        out.append(text[position:start])
        position = match.end()
        shown = _render(match, text)
        breaks = match.group(0).count("\n")
        if not breaks:
            out.append(shown)
        elif text[text.rfind("\n", 0, start) + 1 : start].strip():
            # in running prose the line breaks go before the text ("set with\ncones, …",
            # never "cones\n, …"); at the start of a line after it (no blank line is made)
            out.append("\n" * breaks + shown)
        else:
            out.append(shown + "\n" * breaks)
    out.append(text[position:])
    return _tidy_lines("".join(out))


def _line_breaks(match: re.Match[str]) -> str:
    return "\n" * match.group(0).count("\n")


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return (
        not text[line_start:start].strip()
        and not text[end : None if line_end < 0 else line_end].strip()
    )


def _tidy_lines(text: str) -> str:
    """``_tidy`` on each line where a shortcode was dropped, the others as they are."""
    found = text.find(_DROPPED)
    if found < 0:
        return text
    pieces: list[str] = []
    position = 0
    while found >= 0:
        start = text.rfind("\n", 0, found) + 1
        end = text.find("\n", found)
        end = len(text) if end < 0 else end
        pieces.append(text[position:start])
        pieces.append(_tidy(text[start:end]))
        position = end
        found = text.find(_DROPPED, end)
    pieces.append(text[position:])
    return "".join(pieces)


def _render(match: re.Match[str], text: str) -> str:
    """What a reader sees of one shortcode of ``text``; ``_DROPPED`` for nothing."""
    name = match.group("name").lower()
    closing = match.group("close") is not None
    args, positional = _arguments(match.group("args"))
    if name in CODE_WRAPPERS:
        if not _alone_on_line(text, match.start(), match.end()):
            return _DROPPED
        if closing:
            return "```"
        lang = "mermaid" if name == "mermaid" else (positional[0] if positional else "")
        return f"```{lang}"
    if closing or name in WRAPPERS:
        return _DROPPED
    if name == "heading" and positional:
        key = positional[0].lower()
        # the language a note is written in shows in its first lines
        language = note_language(text[:4000])
        return HEADINGS[language].get(key) or HEADINGS["en"].get(key) or key.capitalize()
    if name == "glossary_tooltip":
        return args.get("text") or readable_term_id(args.get("term_id", "")) or _DROPPED
    if name == "api-reference":
        return args.get("text") or _api_object(args.get("page", "")) or _DROPPED
    if name == "figure":
        return args.get("caption") or args.get("title") or _DROPPED
    return args.get("text") or _DROPPED  # ``link`` and any text-bearing shortcode we don't know


def _arguments(raw: str) -> tuple[dict[str, str], list[str]]:
    named: dict[str, str] = {}
    positional: list[str] = []
    for arg in _ARG.finditer(raw):
        value = arg.group("quoted") if arg.group("quoted") is not None else arg.group("bare")
        if arg.group("key"):
            named[arg.group("key").lower()] = " ".join(value.split())
        else:
            positional.append(value)
    return named, positional


def readable_term_id(term_id: str) -> str:
    """A glossary ``term_id`` as running text: ``container-runtime`` → "container runtime".

    Program names keep their hyphens (``kube-proxy``, ``cri-o``): a part of one letter, or
    a first part ``kube``, marks one."""
    parts = term_id.strip().split("-")
    if len(parts) > 1 and (parts[0].lower() == "kube" or min(map(len, parts)) <= 1):
        return term_id.strip()
    return " ".join(p for p in parts if p)


def _api_object(page: str) -> str:
    """``workload-resources/stateful-set-v1`` → "StatefulSet": the API object a reference
    page documents, as the Kubernetes site titles the page."""
    stem = page.rstrip("/").rsplit("/", 1)[-1]
    stem = re.sub(r"-v\d+(?:(?:alpha|beta)\d+)?$", "", stem)
    return "".join(part[:1].upper() + part[1:] for part in stem.split("-") if part)


def _tidy(line: str) -> str:
    """Take out the marks of dropped shortcodes on a line with the space or brackets they
    leave: "a {{< x >}} b" → "a b", "({{< x >}})" → "", "v{{< x >}}." → "v."."""
    if not line.replace(_DROPPED, "").strip():
        return ""  # a line that held only shortcodes (most often a wrapper's tag)
    line = _EMPTY_BRACKETS.sub(_DROPPED, line)
    line = _BEFORE_PUNCTUATION.sub("", line)
    line = _LINE_START.sub(r"\1", line)
    line = _AFTER_SPACE.sub("", line)
    return line.replace(_DROPPED, "")


def note_language(text: str) -> str:
    """ "ko" for a note written in Korean (more than a handful of Hangul syllables), else
    "en": enough to print Hugo's headings as the site does."""
    for count, _ in enumerate(_HANGUL.finditer(text), 1):
        if count > 20:
            return "ko"
    return "en"


def split_heading_id(title: str) -> tuple[str, str | None]:
    """``Pod storage {#pod-storage}`` → ("Pod storage", "pod-storage"); (title, None)
    for a heading without an id."""
    if "{#" not in title:
        return title, None
    match = _HEADING_ID.search(title)
    if match is None:
        return title, None
    return title[: match.start()].rstrip(), match.group("id")
