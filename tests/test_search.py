"""Search behaviour, specified on a small hand-written corpus held in RAM."""

from __future__ import annotations

import re

import pytest

from ingest.model import Block, Concept, Evidence, Note, Section
from search import SearchIndex
from search.analysis import split_word
from search.spelling import allowed_typos


def _section(anchor, title, text, *, line, breadcrumb=(), concept=None, concepts=()):
    blocks = [Block("paragraph", t, line + 1 + i, line + 1 + i) for i, t in enumerate(text)]
    return Section(
        anchor=anchor, title=title, level=2, breadcrumb=tuple(breadcrumb), line=line,
        end_line=line + len(text), blocks=blocks, concept=concept, concepts=list(concepts),
    )


def _concept(cid, label, path, anchor, definition, line, alt=(), ko=None):
    return Concept(
        id=cid, label=label, alt_labels=set(alt),
        translations={"ko": ko} if ko else {},
        definition=Evidence(definition, path, line) if definition else None,
        sections=[(path, anchor)] if anchor else [],
    )


WORKLOADS = "k8s/workloads.md"
NETWORK = "k8s/network.md"
MISC = "misc/scratch.md"


def corpus() -> tuple[list[Note], dict[str, Concept]]:
    workloads = Note(
        path=WORKLOADS, title="Workloads", meta={"tags": ["k8s", "workloads"]},
        sections=[
            _section("pod", "1. Pod", [
                "A group of one or more Containers. The smallest unit of execution.",
                "Each Pod gets a unique Pod IP. Containers inside a Pod share the network.",
            ], line=1, concept="pod", concepts=["pod", "container"]),
            _section("specrestartpolicy", "spec.restartPolicy", [
                "Always: Always restart on termination (default)",
                "Never: Never restart",
                "OnFailure: Restart only on failure (no restart on normal termination)",
            ], line=10, breadcrumb=("1. Pod",), concepts=["pod", "onfailure"]),
            _section("replicaset", "2. ReplicaSet", [
                "Keeps a stable set of replica Pods running at any given time.",
                "A ReplicaSet uses a selector to find the Pods it manages.",
            ], line=20, concept="replicaset", concepts=["replicaset", "pod"]),
            _section("deployment", "3. Deployment", [
                "Manages ReplicaSets and provides declarative rolling updates for Pods.",
                "k rollout undo deployment/web rolls back to the previous revision.",
            ], line=30, concept="deployment", concepts=["deployment", "replicaset", "pod"]),
            _section("statefulset", "4. StatefulSet", [
                "Like a Deployment but Pods keep a sticky identity and stable storage.",
                "Each Pod of a StatefulSet claims a PersistentVolumeClaim from a template.",
            ], line=40, concept="statefulset", concepts=["statefulset", "pod", "pvc"]),
            _section("scheduling", "Scheduling", [
                "Use nodeSelector to pin Pods to nodes that carry matching labels.",
                "Rolling updates replace Pods a few at a time.",
            ], line=50, concepts=["pod"]),
        ],
    )
    network = Note(
        path=NETWORK, title="Network", meta={"tags": "network"},
        sections=[
            _section("service", "5. Service", [
                "A Service is a stable Endpoint in front of unstable Pods, like a reverse proxy.",
                "Run k get svc -n kube-system to see CoreDNS.",
            ], line=1, concept="service", concepts=["service", "pod"]),
            _section("node-selector", "Node selector", [
                "The node selector field constrains which nodes are eligible.",
            ], line=12),
            _section("dns", "Service DNS", [
                "myservice.default.svc.cluster.local resolves to the cluster IP.",
            ], line=20, breadcrumb=("5. Service",), concepts=["service"]),
        ],
    )
    misc = Note(
        path=MISC, title="Scratch", meta={},
        sections=[
            _section("html", "Raw HTML", [
                "Never paste <script>alert('x')</script> & friends into a page.",
            ], line=1),
            _section("korean", "쿠버네티스 메모", [
                "파드는 컨테이너의 그룹이다. 서비스는 안정적인 엔드포인트를 제공한다.",
            ], line=5),
        ],
    )
    concepts = {
        "pod": _concept("pod", "Pod", WORKLOADS, "pod", "A group of one or more Containers", 3,
                        ko="파드"),
        "replicaset": _concept("replicaset", "ReplicaSet", WORKLOADS, "replicaset",
                               "Keeps a stable set of replica Pods running", 21, alt=["rs"]),
        "deployment": _concept("deployment", "Deployment", WORKLOADS, "deployment",
                               "Manages ReplicaSets and provides declarative rolling updates", 31,
                               alt=["deploy"]),
        "statefulset": _concept("statefulset", "StatefulSet", WORKLOADS, "statefulset",
                                "Pods with a sticky identity and stable storage", 41, alt=["sts"]),
        "service": _concept("service", "Service", NETWORK, "service",
                            "A stable Endpoint in front of unstable Pods", 2, alt=["svc"]),
        "onfailure": _concept("onfailure", "OnFailure", WORKLOADS, "specrestartpolicy",
                              "Restart only on failure (no restart on normal termination)", 13),
        "kubectl": _concept("kubectl", "kubectl", NETWORK, "service", None, 0, alt=["k"]),
        "pvc": _concept("pvc", "PersistentVolumeClaim", WORKLOADS, "statefulset",
                        "A request for storage", 42, alt=["pvc", "persistent volume claim"]),
        "container": _concept("container", "Container", WORKLOADS, None, None, 0),
    }
    return [workloads, network, misc], concepts
