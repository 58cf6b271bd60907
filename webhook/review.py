"""AdmissionReview in, AdmissionReview out: the webhook's decision, free of HTTP.

The object of the request is linted by the same engine as the CLI; the inventory it sees is the
object itself plus what the cluster look-up found in the target namespace. Findings at the
deny level deny (in ``deny`` mode); the others come back as ``response.warnings``, which
``kubectl`` prints, kept short because the API server truncates long or numerous warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..api import merge_inventory
from ..cluster import LookupResult
from ..findings import SEVERITY_RANK, Finding
from ..inventory import Inventory
from ..loader import Document
from ..model import K8sObject
from .settings import Loaded

API_VERSION = "admission.k8s.io/v1"
# What the ValidatingWebhookConfiguration sends; everything else is allowed untouched.
CHECKED_KINDS = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                           "ReplicationController", "Job", "CronJob"})
CHECKED_OPERATIONS = frozenset({"CREATE", "UPDATE"})
WARNING_CHARS = 120  # the API server's advice for admission warnings
DENY_MESSAGE_CHARS = 4000
DEGRADED_WARNING = "crashlint: cluster look-ups unavailable; references to ConfigMaps/Secrets/ServiceAccounts not verified"
PARTIAL_WARNING = "crashlint: some cluster look-ups failed; those references were checked against the object only"


class BadReview(ValueError):
    """A body that is not an ``admission.k8s.io/v1`` AdmissionReview request (HTTP 400)."""


@dataclass
class Outcome:
    """The response, plus what metrics and the access log need (never object contents)."""

    response: dict[str, Any]
    decision: str  # allowed | warned | denied | skipped | excluded | off | owned | error
    kind: str = ""
    operation: str = ""
    namespace: str = ""
    name: str = ""
    dry_run: bool = False
    rules: list[str] = field(default_factory=list)
    lookup: str = "none"  # none | fresh | stale | degraded
    lookup_error: str | None = None  # why look-ups were unavailable or partial (for the log, not the user)


Lookup = Callable[[str], LookupResult]


def parse(body: Any) -> dict[str, Any]:
    """The ``request`` of a v1 AdmissionReview, or BadReview saying what is wrong."""
    if not isinstance(body, dict):
        raise BadReview("expected a JSON object (an admission.k8s.io/v1 AdmissionReview)")
    if body.get("apiVersion") != API_VERSION or body.get("kind") != "AdmissionReview":
        raise BadReview(f"expected apiVersion {API_VERSION} and kind AdmissionReview, got "
                        f"{str(body.get('apiVersion'))[:60]!r} / {str(body.get('kind'))[:60]!r}")
    req = body.get("request")
    if not isinstance(req, dict):
        raise BadReview("AdmissionReview has no 'request' object")
    if not isinstance(req.get("uid"), str) or not req["uid"]:
        raise BadReview("AdmissionReview request has no 'uid'")
    return req


def _review(uid: str, allowed: bool, warnings: list[str], message: str | None = None) -> dict[str, Any]:
    resp: dict[str, Any] = {"uid": uid, "allowed": allowed}
    if not allowed:
        resp["status"] = {"code": 403, "reason": "Forbidden", "message": message or "denied by crashlint"}
    if warnings:
        resp["warnings"] = warnings
    return {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": resp}


def allow(uid: str, warnings: list[str] | None = None) -> dict[str, Any]:
    return _review(uid, True, warnings or [])


def _controlled(meta: dict[str, Any]) -> bool:
    refs = meta.get("ownerReferences")
    return isinstance(refs, list) and any(isinstance(r, dict) and r.get("controller") is True for r in refs)


def _object(data: dict[str, Any], namespace: str) -> K8sObject:
    """A K8sObject for the request's object; the request's namespace is authoritative on CREATE."""
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    data = {**data, "metadata": {**meta, "namespace": namespace}}
    return K8sObject(data, Document("admission", 0, 0, data), ())


def _key(f: Finding) -> tuple[str, str, str]:
    return f.rule, f.container or "", f.path


def _pod_template(data: Any) -> Any:
    spec = data.get("spec") if isinstance(data, dict) else None
    if not isinstance(spec, dict):
        return None
    if "jobTemplate" in spec:
        return spec.get("jobTemplate")
    return spec.get("template", spec)


def _short(f: Finding) -> str:
    container = f" container '{f.container}':" if f.container and f"'{f.container}'" not in f.message[:60] else ""
    text = f"crashlint {f.rule}:{container} {f.message}"
    return text if len(text) <= WARNING_CHARS else text[:WARNING_CHARS - 3].rstrip() + "..."


def _deny_message(findings: list[Finding]) -> str:
    lines = [f"crashlint: {len(findings)} setting(s) would make pods crash:"]
    for f in findings:
        where = f" container '{f.container}'" if f.container else ""
        lines.append(f"[{f.rule}]{where} at {f.path or '/'}: {f.message} (see `crashlint explain {f.rule}`)")
    text = "\n".join(lines)
    return text if len(text) <= DENY_MESSAGE_CHARS else text[:DENY_MESSAGE_CHARS - 3] + "..."


def decide(req: dict[str, Any], loaded: Loaded, lookup: Lookup | None) -> Outcome:
    """The admission decision for one request (``req`` as returned by :func:`parse`)."""
    uid = req["uid"]
    gvk = req.get("kind") if isinstance(req.get("kind"), dict) else {}
    kind = str(gvk.get("kind") or "")
    operation = str(req.get("operation") or "")
    namespace = str(req.get("namespace") or "")
    data = req.get("object")
    name = str(req.get("name") or "")
    if isinstance(data, dict) and isinstance(data.get("metadata"), dict):
        name = name or str(data["metadata"].get("name") or data["metadata"].get("generateName") or "")
    out = Outcome(allow(uid), "skipped", kind, operation, namespace, name, req.get("dryRun") is True)
    if kind not in CHECKED_KINDS or operation not in CHECKED_OPERATIONS or not isinstance(data, dict):
        return out
    wh = loaded.webhook
    if namespace in wh.excluded_namespaces:
        out.decision = "excluded"
        return out
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    mode = wh.mode_for(namespace, labels)
    if mode == "off":
        out.decision = "off"
        return out
    if wh.skip_owned and _controlled(meta):
        out.decision = "owned"  # its controller's template went through this webhook already
        return out

    obj = _object(data, namespace or "default")
    inventory = Inventory.from_objects([obj])
    warnings: list[str] = []
    if lookup is not None and wh.cluster_lookups:
        found = lookup(obj.namespace or "default")
        merge_inventory(inventory, found.inventory)
        out.lookup = "degraded" if found.degraded else "stale" if found.stale else "fresh"
        out.lookup_error = found.degraded or "; ".join(found.problems) or None  # e.g. a 403 on Secrets
        if found.degraded:
            warnings.append(DEGRADED_WARNING)
        elif found.problems:
            warnings.append(PARTIAL_WARNING)
    findings = loaded.engine.run([obj], inventory).findings

    old_keys: set[tuple[str, str, str]] | None = None
    template_changed = True
    old = req.get("oldObject")
    if operation == "UPDATE" and isinstance(old, dict) and wh.update != "all":
        old_obj = _object(old, namespace or "default")
        old_inv = Inventory.from_objects([old_obj])
        merge_inventory(old_inv, inventory)  # same cluster view: only the change itself differs
        old_keys = {_key(f) for f in loaded.engine.run([old_obj], old_inv).findings}
        template_changed = _pod_template(old) != _pod_template(data)

    deny_rank = SEVERITY_RANK[wh.deny_on]
    warn_rank = SEVERITY_RANK[wh.warn_on]
    denying: list[Finding] = []
    warned: list[Finding] = []
    for f in findings:
        rank = SEVERITY_RANK[f.severity]
        if rank < warn_rank and rank < deny_rank:
            continue
        carried = old_keys is not None and _key(f) in old_keys
        excused = carried and (wh.update == "introduced" or not template_changed)
        if mode == "deny" and rank >= deny_rank and not excused:
            denying.append(f)
        else:  # warn mode, below the deny level, or excused on UPDATE: still worth telling
            warned.append(f)
    out.rules = [f.rule for f in denying + warned]
    shown = [_short(f) for f in warned[:wh.max_warnings]]
    if len(warned) > wh.max_warnings:
        shown.append(f"crashlint: {len(warned) - wh.max_warnings} more finding(s); run `crashlint lint` on the manifest")
    warnings.extend(shown)
    if denying:
        out.response = _review(uid, False, warnings, _deny_message(denying))
        out.decision = "denied"
    else:
        out.response = _review(uid, True, warnings)
        out.decision = "warned" if warned else "allowed"
    return out

