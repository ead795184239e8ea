"""The label tables a concept graph resolves, suggests and spell-checks names with.

Built on first use (see ``ConceptGraph._labels``): normalising every label was a fifth
of a worker's start.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from ingest.text import label_key
from search.spelling import Vocabulary

from .records import ConceptRecord

SuggestEntry = tuple[str, int, int, str, str]  # key, tier (0 label, 1 alias), -degree, id, text


class LabelIndex(NamedTuple):
    id_key: dict[str, str]  # name key of an id -> the id
    label_key: dict[str, str]  # name key of a label -> the id
    alias_key: dict[str, str]  # name key of an alias or translation -> the id
    suggest_entries: list[SuggestEntry]  # sorted
    suggest_keys: list[str]  # the entries' keys, for bisect
    by_label: list[ConceptRecord]  # sorted by (casefolded label, id)
    spelling: Vocabulary  # every name key, for close spellings

    @classmethod
    def build(cls, concepts: Iterable[ConceptRecord], degree: dict[str, int]) -> LabelIndex:
        """Where two concepts share a name key, the better connected one (then the
        smaller id) has it."""
        id_key: dict[str, str] = {}
        label_key_: dict[str, str] = {}
        alias_key: dict[str, str] = {}
        entries: set[SuggestEntry] = set()

        def better(table: dict[str, str], key: str, cid: str) -> None:
            if not key:
                return
            current = table.get(key)
            if current is None or (-degree[cid], cid) < (-degree[current], current):
                table[key] = cid

        records = list(concepts)
        for rec in records:
            cid = rec.id
            better(id_key, label_key(cid), cid)
            better(label_key_, label_key(rec.label), cid)
            aliases = list(rec.alt) + list(rec.translations.values())
            for alias in aliases:
                better(alias_key, label_key(alias), cid)
            deg = -degree[cid]
            for tier, texts in ((0, [rec.label]), (1, aliases)):
                for text in texts:
                    for key in {label_key(text), text.strip().lower()}:
                        if key:
                            entries.add((key, tier, deg, cid, text))
        suggest_entries = sorted(entries)
        return cls(
            id_key,
            label_key_,
            alias_key,
            suggest_entries,
            [e[0] for e in suggest_entries],
            sorted(records, key=lambda c: (c.label.casefold(), c.id)),
            Vocabulary((key, 1) for key in {**id_key, **alias_key, **label_key_}),
        )
