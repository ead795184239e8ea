"""How far the graph believes an edge: one home for the priors and the formula.

Each reading of a relation carries the confidence its kind of evidence deserves (the
priors below and the frames' in ``ingest.patterns``). An edge read several times is
believed more, and more again when separate notes agree.
"""

from __future__ import annotations

from collections.abc import Iterable

# What the outline and the manifests say, by how they say it.
CHAIN = 0.9  # an arrow chain the author wrote: A -> B -> C
TYPES_OF = 0.9  # a "Types of X" list: each item is a kind of X
ENUMERATION = 0.75  # items or subsections listed under a category heading
FIELD_VALUE = 0.8  # values listed under a field ("restartPolicy" → OnFailure)
FIELD_OF = 0.75  # a field listed under the thing that has it
MANIFEST = 0.85  # a key of a Kubernetes manifest (kind: Pod … configMap:)
NAMESPACE_FLAG = 0.7  # "kubectl get svc -n kube-system shows CoreDNS"
SELECT_WITH = 0.7  # "select Pods with a label selector"
POSSESSIVE_FIELD = 0.7  # "the Job's spec.suspend"
CO_MENTION = 0.2  # named in the same sentence: never a typed claim
TOPIC_CO_MENTION = 0.1  # named under a heading about the other

# What the API shows unless asked for less: typed relations at least this confident.
# (0.65: the frames whose judged precision is below 0.7 — "in the X namespace", "routes
# to" — carry priors under it; see bench/results/2026-12-03-graph.md)
DEFAULT_MIN_CONFIDENCE = 0.65
IN_NAMESPACE = 0.6  # "the kube-proxy DaemonSet in the kube-system namespace"
# Each further reading of an edge in the same note moves it this much closer to 1.
_SAME_NOTE_FACTOR = 0.85
_CEILING = 0.99
# What the author said themselves (a relation the review file confirms): above the
# ceiling, which bounds what kg reads, not what the author decides.
CERTAIN = 1.0


def note_confidence(readings: Iterable[float]) -> float:
    """Confidence of a relation as one note states it, from its readings there:
    ``1 - (1 - best) * 0.85 ** (n - 1)``, so a note repeating itself adds a little."""
    values = list(readings)
    if not values:
        return 0.0
    if max(values) >= CERTAIN:
        return CERTAIN
    return round(
        min(_CEILING, 1.0 - (1.0 - max(values)) * _SAME_NOTE_FACTOR ** (len(values) - 1)), 4
    )


def edge_confidence(per_note: Iterable[float]) -> float:
    """Confidence of an edge from what each note says of it: a noisy-or,
    ``1 - prod(1 - c_note)``, so independent notes that agree add much more than one
    note repeating itself. Capped at 0.99, since no pattern reading is certain; a note
    statement the author confirmed (``CERTAIN``) makes the edge certain."""
    doubt = 1.0
    for value in per_note:
        if value >= CERTAIN:
            return CERTAIN
        doubt *= 1.0 - value
    return round(min(_CEILING, 1.0 - doubt), 4)
