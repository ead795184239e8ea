"""Links the author writes, read where they are written: ``[[wikilinks]]``, Dataview
inline fields (``uses:: [[ConfigMap]]``), relation keys in front matter and markdown
links between notes.

Reading only records them (``Link``) and gives the text a reader sees (``[[Pod|pods]]``
reads "pods"); what a target names depends on the other notes, so links are resolved
once every note is linked (``ingest/link_resolution.py``). Code never holds a link:
code blocks are not read, and inline code is masked before the patterns run, so
``std::vector`` or ``[[ -f x ]]`` stay text.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any
from urllib.parse import unquote, urlsplit

from .model import Link

# [[Target]], [[Target|shown]], [[Target#Heading]], [[#Heading]]; ![[embed]] is an embed
WIKILINK = re.compile(
    r"(?<!!)\[\[(?P<target>[^\[\]|#\n]*)(?:#(?P<anchor>[^\[\]|\n]*))?"
    r"(?:\|(?P<shown>[^\[\]\n]*))?\]\]"
)
# ``name:: value`` on its own line (a list item's text is its line): a Dataview field. The
# name starts with a letter and is glued to the ``::``; the value follows a space.
FIELD = re.compile(r"^\s*(?P<name>[^\W\d_][\w \-]{0,40}?)::[ \t]+(?P<value>\S.*)$")
_CODE_MASK = "\x00"
_PLAIN_TARGET_CHARS = 80  # a plain-text field value longer than this is prose, not a name

# Field (and front matter key) names → (relation type, reversed). Names are compared
# folded (``field_key``): "runs on", "runs_on", "runsOn" and "RunsOn" are one name.
# ``reversed`` means the value is the subject: ``part of:: [[Pod]]`` says Pod contains
# this. README "Links you write" shows this table; a name not in it gives ``related``
# with the name kept as the relation's label.
FIELD_NAMES: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(
        ("broader", "kind of", "is a", "type of", "subclass of", "parent"), ("broader", False)
    ),
    **dict.fromkeys(("narrower", "kinds", "has kind"), ("broader", True)),
    **dict.fromkeys(("leads to", "next", "then"), ("leadsTo", False)),
    **dict.fromkeys(("manages", "creates", "controls", "owns"), ("manages", False)),
    **dict.fromkeys(("managed by", "created by", "controlled by", "owned by"), ("manages", True)),
    **dict.fromkeys(("uses", "mounts", "references", "depends on", "needs"), ("uses", False)),
    **dict.fromkeys(("used by", "mounted by", "referenced by"), ("uses", True)),
    **dict.fromkeys(
        ("contains", "has part", "has parts", "includes", "holds"), ("contains", False)
    ),
    **dict.fromkeys(("part of", "contained in", "member of"), ("contains", True)),
    **dict.fromkeys(("runs on", "runs in", "scheduled on", "assigned to"), ("runsOn", False)),
    **dict.fromkeys(("routes to", "sends to", "forwards to"), ("routesTo", False)),
    **dict.fromkeys(("selects",), ("selects", False)),
    **dict.fromkeys(("selected by",), ("selects", True)),
    **dict.fromkeys(("has property", "property", "has field", "field"), ("hasProperty", False)),
    **dict.fromkeys(("property of", "field of"), ("hasProperty", True)),
    **dict.fromkeys(("has value", "value", "values"), ("hasValue", False)),
    **dict.fromkeys(("in namespace", "namespace"), ("inNamespace", False)),
    **dict.fromkeys(("related", "see also", "see", "links", "link"), ("related", False)),
}


def field_key(name: str) -> str:
    """A field name folded for comparison: case, spaces, ``_`` and ``-`` ignored."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


_FIELDS = {field_key(name): kind for name, kind in FIELD_NAMES.items()}


def relation_of(name: str) -> tuple[str, bool, str]:
    """(relation type, reversed, label) a field name asserts: a known name gives its type
    and no label; any other name a ``related`` labelled with the name as written."""
    known = _FIELDS.get(field_key(name))
    if known is not None:
        return known[0], known[1], ""
    return "related", False, " ".join(name.split())


def is_relation_key(name: str) -> bool:
    """Does a front matter key name a relation (``broader:``, ``related:``, ``runs on:``)?
    Any other key (title, weight, tags …) keeps the meaning it has."""
    return field_key(name) in _FIELDS


@dataclass(slots=True)
class LinkReader:
    """Collects the links of one note while its text is read, line by line."""

    links: list[Link] = field(default_factory=list)

    def read(
        self,
        text: str,
        line: int,
        code: Iterable[tuple[int, int]] = (),
        hrefs: Iterable[tuple[int, str]] = (),
    ) -> str:
        """``text`` as a reader sees it (wikilinks replaced by their shown text), its first
        line being ``line``; the links it holds are kept. ``code`` are the (start, end)
        spans of inline code in ``text``, where nothing is a link; ``hrefs`` the markdown
        links met, as (position in ``text``, target as written)."""
        hrefs = list(hrefs)
        if "[[" not in text and "::" not in text:  # most text: at most markdown links
            if hrefs:
                lines = text.split("\n")
                starts = list(accumulate((len(raw) + 1 for raw in lines[:-1]), initial=0))
                for position, href in hrefs:
                    number = _line_index(starts, position)
                    self._markdown(href, line + number, lines[number].strip(), "")
            return text
        masked = text
        for start, end in code:
            masked = masked[:start] + _CODE_MASK * (end - start) + masked[end:]
        shown_lines: list[str] = []
        raws = text.split("\n")
        starts = list(accumulate((len(raw) + 1 for raw in raws[:-1]), initial=0))
        with_hrefs = {_line_index(starts, position) for position, _ in hrefs}
        fields: dict[int, str] = {}
        for number, (raw, mask) in enumerate(zip(raws, masked.split("\n"), strict=True)):
            shown, name = self._line(raw, mask, line + number, number not in with_hrefs)
            shown_lines.append(shown)
            if name:
                fields[number] = name
        for position, href in hrefs:
            number = _line_index(starts, position)
            self._markdown(href, line + number, shown_lines[number].strip(), fields.get(number, ""))
        return "\n".join(shown_lines)

    def _line(self, raw: str, mask: str, line: int, plain_too: bool) -> tuple[str, str]:
        """The line as shown, and the name of the field it is ("" if none)."""
        links = [m for m in WIKILINK.finditer(mask)]
        shown = _replace_links(raw, links)
        evidence = shown.strip()
        found = FIELD.match(mask)
        if found and _CODE_MASK not in found.group("name"):
            name = " ".join(found.group("name").split())
            for target, anchor, plain in _field_targets(
                raw, found.start("value"), links, plain_too
            ):
                self.links.append(Link("field", target, line, evidence, name, anchor, plain))
            return shown, name
        for match in links:
            target, anchor = _parts(raw, match)
            if target or anchor:
                self.links.append(Link("wikilink", target, line, evidence, "", anchor))
        return shown, ""

    def _markdown(self, href: str, line: int, evidence: str, name: str) -> None:
        target = link_path(href)
        if target is not None:
            self.links.append(Link("markdown", target[0], line, evidence, name, target[1]))


def _line_index(starts: list[int], position: int) -> int:
    """The line (0-based) holding ``position``, from the lines' first positions."""
    return max(0, bisect_right(starts, position) - 1)


def _parts(raw: str, match: re.Match[str]) -> tuple[str, str]:
    """(target, heading) of a wikilink, read from the unmasked text."""
    target = raw[match.start("target") : match.end("target")].strip()
    anchor = (
        raw[match.start("anchor") : match.end("anchor")].strip()
        if match.group("anchor") is not None
        else ""
    )
    return target, anchor


def _shown(raw: str, match: re.Match[str]) -> str:
    if match.group("shown") is not None and match.group("shown").strip():
        return raw[match.start("shown") : match.end("shown")].strip()
    target, anchor = _parts(raw, match)
    return target or anchor


def _replace_links(raw: str, links: list[re.Match[str]]) -> str:
    if not links:
        return raw
    out, at = [], 0
    for match in links:
        out.append(raw[at : match.start()])
        out.append(_shown(raw, match))
        at = match.end()
    out.append(raw[at:])
    return "".join(out)


def _field_targets(
    raw: str, start: int, links: list[re.Match[str]], plain_too: bool
) -> list[tuple[str, str, bool]]:
    """The targets of a field's value: its wikilinks, and (``plain_too``: unless the line
    holds markdown links, which are its targets then) each comma-separated part without
    one as a plain name (``uses:: ConfigMap, [[Secret]]``)."""
    targets: list[tuple[str, str, bool]] = []
    at = start
    pieces: list[str] = []
    for match in links:
        if match.start() < start:
            continue
        pieces.append(raw[at : match.start()])
        pieces.append("\x01")  # where a link was: that part is the link, not plain text
        targets.append((*_parts(raw, match), False))
        at = match.end()
    pieces.append(raw[at:])
    plain = [part.strip().strip("*_`\"'").strip() for part in "".join(pieces).split(",")]
    if plain_too:
        targets.extend(
            (part, "", True)
            for part in plain
            if part and "\x01" not in part and len(part) <= _PLAIN_TARGET_CHARS
        )
    return [target for target in targets if target[0] or target[1]]


def link_path(href: str) -> tuple[str, str] | None:
    """(note path, heading anchor) a markdown link points at, relative to the folder
    (not yet checked to exist), or None for a link out of the notes (a scheme, a host,
    a bare ``#anchor`` stays in the note: path ""), as written: ``note_candidates``
    says which notes it may mean."""
    parts = urlsplit(href.strip())
    if parts.scheme or parts.netloc:
        return None
    fragment = unquote(parts.fragment)
    path = unquote(parts.path)
    if not path:
        return ("", fragment) if fragment else None
    return path, fragment


def note_candidates(path: str, here: str) -> list[str]:
    """The note paths a link's path may mean, from the note at ``here``: the path itself,
    with ``.md``, or a folder's index page, as a docs site serves them. A docs-site path
    (``/docs/concepts/workloads/pods/``) is read from the docs folder."""
    if path.startswith("/"):
        path = re.sub(r"^/(?:[a-z]{2}(?:-[a-z]+)?/)?docs/", "", path).strip("/")
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(here), path)).strip("/")
    return [
        path,
        f"{path}.md",
        f"{path}/_index.md",
        f"{path}/index.md",
        f"{path.removesuffix('/')}.markdown",
    ]


# Hugo's ``aliases`` are old URLs of the page ("/docs/old/", "master-node-communication"),
# Obsidian's are other names of the note: a path or a slug is not a name.
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def front_matter_aliases(meta: dict[str, Any]) -> list[str]:
    """Obsidian's ``aliases:`` (or ``alias:``): other names of the note's concept."""
    found = meta.get("aliases", meta.get("alias"))
    names = _flat(found)
    return [name for name in names if "/" not in name and not _SLUG.fullmatch(name)]


def front_matter_links(meta: dict[str, Any], source: str, first_line: int) -> list[Link]:
    """Links of the front matter's relation keys (``broader: "[[Controller]]"``,
    ``related: [Pod, Service]``); ``source`` is the front matter's text, whose first
    line is ``first_line`` of the note (for each key's line and evidence)."""
    lines = source.split("\n")
    out: list[Link] = []
    for key, value in meta.items():
        if not isinstance(key, str) or not is_relation_key(key):
            continue
        at = next(
            (
                i
                for i, text in enumerate(lines)
                if re.match(rf"\s*['\"]?{re.escape(key)}['\"]?\s*:", text)
            ),
            0,
        )
        evidence = lines[at].strip() if lines else key
        if evidence.rstrip(":").strip("'\" ") == key:  # a block list below the key
            evidence = f"{key}: {', '.join(_flat(value))}"
        for name in _flat(value):
            links = list(WIKILINK.finditer(name))
            targets = [_parts(name, match) for match in links] if links else [(name, "")]
            out.extend(
                Link("front matter", target, first_line + at, evidence, key, anchor, not links)
                for target, anchor in targets
                if target or anchor
            )
    return out


def _flat(value: Any) -> list[str]:
    """Names in a front matter value: a string, or lists of them; YAML reads an unquoted
    ``[[Pod]]`` as a list in a list, which is the same name."""
    if isinstance(value, str):
        parts = [value] if "[[" in value else value.split(",")
        return [part.strip() for part in parts if part.strip()]
    if isinstance(value, list | tuple):
        return [name for item in value for name in _flat(item)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    return []
