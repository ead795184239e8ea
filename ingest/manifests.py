"""Relations read from Kubernetes manifests in code blocks.

Snippets in notes are often partial or mis-indented (``.....`` then a few keys), so the
YAML is read line by line rather than parsed: each ``key: value`` line is enough to say
"this Pod mounts a ConfigMap" or "restartPolicy is OnFailure".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .model import Evidence, Relation

_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w.\-]*):(?:\s+(?P<value>.*?))?\s*$")
_KIND = re.compile(r"^\s*kind:\s*[\"']?(?P<kind>[A-Z][A-Za-z0-9]+)", re.MULTILINE)

# keys whose presence means the object uses another kind of object
REFERENCE_KEYS: dict[str, tuple[str, str]] = {
    "configMap": ("uses", "ConfigMap"),
    "configMapRef": ("uses", "ConfigMap"),
    "configMapKeyRef": ("uses", "ConfigMap"),
    "secret": ("uses", "Secret"),
    "secretRef": ("uses", "Secret"),
    "secretKeyRef": ("uses", "Secret"),
    "secretName": ("uses", "Secret"),
    "persistentVolumeClaim": ("uses", "PersistentVolumeClaim"),
    "claimName": ("uses", "PersistentVolumeClaim"),
    "serviceAccountName": ("uses", "ServiceAccount"),
    "volumes": ("uses", "Volume"),
    "volumeMounts": ("uses", "Volume"),
    "containers": ("manages", "Container"),
    "initContainers": ("manages", "Init Container"),
    "nodeName": ("runsOn", "Node"),
    "tolerations": ("uses", "Toleration"),
    "affinity": ("uses", "Affinity"),
    "jobTemplate": ("manages", "Job"),
}

Resolve = Callable[[str], str | None]


def looks_like_manifest(lang: str, text: str) -> bool:
    return lang in ("yaml", "yml") or bool(_KIND.search(text)) or "apiVersion:" in text


def manifest_relations(text: str, first_line: int, path: str, subject: str | None,
                       resolve: Resolve, is_field: Callable[[str], bool]) -> Iterator[Relation]:
    """Relations of one YAML block. ``subject`` is used when the block names no ``kind``."""
    kind = _KIND.search(text)
    if kind:
        subject = resolve(kind.group("kind")) or subject
    if subject is None:
        return
    for offset, line in enumerate(text.splitlines()):
        match = _KEY_LINE.match(line)
        if not match:
            continue
        key, value = match.group("key"), (match.group("value") or "").strip().strip("\"'")
        evidence = Evidence(line.strip(), path, first_line + offset)
        field = resolve(key)
        if field and field != subject and is_field(field):
            yield Relation(subject, field, "hasProperty", evidence)
            if value[:1].isupper() and (target := resolve(value)) and target != field:
                yield Relation(field, target, "hasValue", evidence)
        if key in REFERENCE_KEYS:
            relation, label = REFERENCE_KEYS[key]
            target = resolve(label)
            if target and target != subject:
                yield Relation(subject, target, relation, evidence)
        if key == "nodeSelector":
            # the object runs on the Nodes whose labels the selector names
            node = resolve("Node")
            if field and node:
                yield Relation(field, node, "selects", evidence)
                if label := resolve("Label"):
                    yield Relation(field, label, "selects", evidence)
            elif node:
                yield Relation(subject, node, "runsOn", evidence)
