"""The relation types, declared once: everything else reads this table.

Extraction emits the ids; the graph maps each to its predicate (SKOS where one exists,
our vocabulary otherwise; a CURIE here, made an rdflib term in :mod:`graph.vocab`); the
API ranks by this order and answers the wording; the explorer's colours and dash
patterns are served from it as a stylesheet. Plain strings only: ingest is the bottom
layer and knows no RDF library.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RelationType:
    """One relation type. ``label`` reads from source to target ("Deployment manages
    ReplicaSet"), ``inverse_label`` from target to source ("ReplicaSet managed by
    Deployment"). ``colour`` and ``colour_dark`` (light and dark schemes) keep 4.5:1
    contrast against the explorer's page and panel; ``dash`` is an SVG dash array, so
    types differ without colour too."""

    id: str
    predicate: str
    label: str
    inverse_label: str
    description: str
    colour: str
    colour_dark: str
    dash: str


# Strongest first. ``broader`` points from the narrower concept to the broader one.
RELATION_TYPES: dict[str, RelationType] = {
    t.id: t
    for t in (
        RelationType(
            "broader",
            "skos:broader",
            "is a kind of",
            "narrower (kinds of it)",
            "is a kind of (the target is the broader concept)",
            "#6d28d9",
            "#c4b5fd",
            "10 3",
        ),
        RelationType(
            "leadsTo",
            "kg:leadsTo",
            "leads to",
            "comes from",
            "an explicit chain in the notes, such as A -> B -> C",
            "#b91c1c",
            "#fca5a5",
            "none",
        ),
        RelationType(
            "manages",
            "kg:manages",
            "manages",
            "managed by",
            "creates, controls or replicates",
            "#1d4ed8",
            "#93c5fd",
            "none",
        ),
        RelationType(
            "uses",
            "kg:uses",
            "uses",
            "used by",
            "uses, goes through, mounts or references",
            "#047857",
            "#6ee7b7",
            "6 3",
        ),
        RelationType(
            "contains",
            "kg:contains",
            "contains",
            "contained in",
            "contains, holds or groups",
            "#9a4a06",
            "#fcd34d",
            "12 3 2 3",
        ),
        RelationType(
            "runsOn",
            "kg:runsOn",
            "runs on",
            "runs it",
            "runs on or is assigned to",
            "#0e6377",
            "#67e8f9",
            "4 2",
        ),
        RelationType(
            "routesTo",
            "kg:routesTo",
            "routes to",
            "gets traffic from",
            "sends traffic to or stands in front of",
            "#b0185a",
            "#f9a8d4",
            "8 2 2 2",
        ),
        RelationType(
            "selects",
            "kg:selects",
            "selects",
            "selected by",
            "selects by label or field",
            "#3f6a0c",
            "#bef264",
            "2 2",
        ),
        RelationType(
            "hasProperty",
            "kg:hasProperty",
            "has property",
            "property of",
            "has the field or property",
            "#7e22ce",
            "#d8b4fe",
            "1 3",
        ),
        RelationType(
            "hasValue",
            "kg:hasValue",
            "has value",
            "value of",
            "the field takes the value",
            "#8a3b12",
            "#fdba74",
            "3 3",
        ),
        RelationType(
            "inNamespace",
            "kg:inNamespace",
            "in namespace",
            "namespace of",
            "lives in the namespace",
            "#475569",
            "#cbd5e1",
            "14 4",
        ),
        RelationType(
            "related",
            "skos:related",
            "mentioned with",
            "mentioned with",
            "mentioned together (weakest, weighted by how often)",
            "#5b6473",
            "#a3adba",
            "2 5",
        ),
    )
}
