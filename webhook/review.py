"""AdmissionReview in, AdmissionReview out: the webhook's decision, free of HTTP.

The object of the request is linted by the same engine as the CLI; the inventory it sees is the
object itself plus what the cluster look-up found in the target namespace. Findings at the
deny level deny (in ``deny`` mode); the others come back as ``response.warnings``, which
``kubectl`` prints: whole sentences within the room the API server gives them (:data:`WARNING_RUNES`).

Every field of the request is hostile until checked: the uid and namespace are validated here
(a namespace reaches the look-up URLs), names are only logged bounded and JSON-escaped, and
the cluster look-ups check every name again before asking. A missing ConfigMap, Secret or
ServiceAccount denies only after a direct look-up confirmed the absence now (the cache may
predate a ``kubectl apply -f`` that creates it together with its Deployment). A rule that
raises, or rules cut by the time budget, never pass silently: they are named in a warning
(or deny, with ``rule_errors: deny``).
"""

from __future__ import annotations

import re
import time
from typing import Any, Protocol

from crashlint.engine.api import lint_objects, merge_inventory
from crashlint.webhook.lookups import LookupResult
from crashlint.model.findings import SEVERITY_RANK, Finding
from crashlint.model.inventory import Entry, Inventory
from crashlint.knowledge.k8snames import is_dns1123_label
from crashlint.model.document import Document
from crashlint.model.objects import K8sObject
from crashlint.model.nested import dig_map
from crashlint.model.record import Record
from crashlint.knowledge.references import entry_keys, iter_references
from crashlint.model.workloads import workload_of
from crashlint.webhook.settings import Loaded

API_VERSION = "admission.k8s.io/v1"
# What the ValidatingWebhookConfiguration sends; everything else is allowed untouched.
CHECKED_KINDS = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                           "ReplicationController", "Job", "CronJob"})
CHECKED_OPERATIONS = frozenset({"CREATE", "UPDATE"})
# The room the API server gives admission warnings (k8s.io/apiserver pkg/endpoints/filters/warning.go,
# since Kubernetes 1.19, unchanged through 1.34): once the warnings of one response pass
# truncateAtTotalRunes (4096) it cuts each to truncateItemRunes (256) runes, mid-word, and drops
# the ones that still do not fit. A warning with a control character is dropped outright
# (apimachinery util/net NewWarningHeader). So each warning is at most 256 runes, the response's
# at most 4096 in all, and neither is ever cut by the server.
WARNING_RUNES = 256
WARNINGS_TOTAL_RUNES = 4096
DENY_MESSAGE_CHARS = 4000
DEGRADED_WARNING = "crashlint: cluster look-ups unavailable; references to ConfigMaps/Secrets/ServiceAccounts not verified"
PARTIAL_WARNING = "crashlint: some cluster look-ups failed; those references were checked against the object only"
UNVERIFIED_WARNING = ("crashlint: cluster look-ups unavailable to confirm that referenced objects are missing; "
                      "not denied for them")
MAX_UID = 128
MAX_LOGGED = 253  # longest valid object name; longer request strings are cut before they reach a log


class BadReview(ValueError):
    """A body that is not an ``admission.k8s.io/v1`` AdmissionReview request (HTTP 400)."""


class Outcome(Record):
    """The response, plus what metrics and the access log need (never object contents)."""

    __slots__ = ("response", "decision", "kind", "operation", "namespace", "name", "dry_run", "rules", "lookup",
                 "lookup_error", "verified", "failed_rules", "skipped_rules")

    response: dict[str, Any]
    decision: str  # allowed | warned | denied | skipped | excluded | off | owned | error
    kind: str
    operation: str
    namespace: str
    name: str
    dry_run: bool
    rules: list[str]
    lookup: str  # none | fresh | stale | degraded
    lookup_error: str | None  # why look-ups were unavailable or partial (for the log, not the user)
    verified: int  # referenced objects asked for directly because the cached listing lacked them
    failed_rules: list[str]  # rules that raised
    skipped_rules: list[str]  # rules cut by the time budget

    def __init__(self, response: dict[str, Any], decision: str, kind: str = "", operation: str = "",
                 namespace: str = "", name: str = "", dry_run: bool = False, lookup: str = "none",
                 lookup_error: str | None = None, verified: int = 0) -> None:
        self.response = response
        self.decision = decision
        self.kind = kind
        self.operation = operation
        self.namespace = namespace
        self.name = name
        self.dry_run = dry_run
        self.rules = []
        self.lookup = lookup
        self.lookup_error = lookup_error
        self.verified = verified
        self.failed_rules = []
        self.skipped_rules = []


class Lookups(Protocol):
    """Cluster look-ups as the webhook uses them (:class:`crashlint.webhook.lookups.CachedLookup`)."""

    def lookup(self, namespace: str, budget: float | None = None) -> LookupResult: ...

    def verify(self, namespace: str, wanted: list[tuple[str, str]],
               budget: float | None = None) -> dict[tuple[str, str], Entry | None]: ...


def _bounded(value: Any) -> str:
    """A request string as it may appear in a log line or a metric: a str, and not too long."""
    text = value if isinstance(value, str) else ""
    return text if len(text) <= MAX_LOGGED else text[:MAX_LOGGED] + "..."


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
    uid = req.get("uid")
    if not isinstance(uid, str) or not uid:
        raise BadReview("AdmissionReview request has no 'uid'")
    if len(uid) > MAX_UID or not uid.isprintable():
        raise BadReview(f"request.uid is not a uid (printable, at most {MAX_UID} characters)")
    namespace = req.get("namespace")
    if namespace not in (None, "") and not is_dns1123_label(namespace):
        # The API server only sends namespaces it validated; anything else is a forged request
        # (``kube-system/secrets?x=`` once reached a look-up URL).
        raise BadReview("request.namespace is not a valid namespace name (RFC 1123 label)")
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


def _made_by_controller(req: dict[str, Any], meta: dict[str, Any], controllers: frozenset[str]) -> bool:
    """True for an owned object created by a controller, whose template was admitted already.

    Anyone who may create a Pod may write ``ownerReferences`` with ``controller: true``; only the
    API server's authenticated ``userInfo`` tells that a controller (not a person) sent it.
    """
    user = req.get("userInfo")
    username = user.get("username") if isinstance(user, dict) else None
    return _controlled(meta) and isinstance(username, str) and username in controllers


def _unsettled(obj: K8sObject, cluster: Inventory) -> list[tuple[str, str]]:
    """(kind, name) of each object the pod spec needs that the cached listing lacks, or lacks a key of.

    These are the negatives a rule would deny on; they are asked again before it may.
    """
    wl = workload_of(obj)
    if wl is None:
        return []
    ns = obj.namespace
    wanted: list[tuple[str, str]] = []

    def want(kind: str, name: Any, ref: Any = None) -> None:
        if not isinstance(name, str) or not name or (kind, ns) not in cluster.complete:
            return  # not listed completely: the rules only warn, nothing to confirm
        entry = cluster.get(kind, ns, name)
        if entry is None:
            wanted.append((kind, name))
        elif ref is not None and ref.key is not None:
            keys = entry_keys(entry, ref)
            if keys is not None and ref.key not in keys:
                wanted.append((kind, name))

    for ref in iter_references(wl):
        if not ref.optional:
            want(ref.kind, ref.name, ref)
    spec = wl.spec
    want("ServiceAccount", spec.get("serviceAccountName") or spec.get("serviceAccount"))
    pulls = spec.get("imagePullSecrets")
    for p in pulls if isinstance(pulls, list) else ():
        want("Secret", p.get("name") if isinstance(p, dict) else None)
    return list(dict.fromkeys(wanted))


def _object(data: dict[str, Any], namespace: str) -> K8sObject:
    """A K8sObject for the request's object; the request's namespace is authoritative on CREATE."""
    meta = dig_map(data, "metadata")
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
# A sentence ends at ". " before a capital or a backtick (not inside "1.4.2" or "e.g. x").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`])")
_ELLIPSIS = "\u2026"


def _balanced(text: str) -> bool:
    """No quote, code span or parenthesis left open: a cut there does not break a quoted name or a list in two."""
    return text.count("`") % 2 == 0 and text.count('"') % 2 == 0 and text.count("(") == text.count(")")


def _fit_body(body: str, room: int) -> str:
    """``body`` within ``room`` runes: whole sentences; else the first sentence up to a clause
    (``; ``) closed with a period; else up to a word, marked with an ellipsis. Never mid-word."""
    if len(body) <= room:
        return body
    sentences = _SENTENCE_END.split(body)
    kept = ""
    for sentence in sentences:
        joined = f"{kept} {sentence}" if kept else sentence
        if len(joined) > room:
            break
        kept = joined
    if kept:
        return kept
    first = sentences[0]
    clauses = first.split("; ")
    for n in range(len(clauses) - 1, 0, -1):
        head = "; ".join(clauses[:n]).rstrip(",:")
        if len(head) + 1 <= room and _balanced(head):
            return head + "."
    cut = first[:room - len(_ELLIPSIS) + 1]
    space = cut.rfind(" ")
    while space > 0 and not _balanced(cut[:space]):
        space = cut.rfind(" ", 0, space)
    if space <= 0:
        return ""
    return cut[:space].rstrip(" ,;:(") + _ELLIPSIS


def _short(f: Finding) -> str:
    """One admission warning for ``f``: ``crashlint RULE: [container 'c':] sentences. See `crashlint explain RULE`.``

    Within :data:`WARNING_RUNES`, so the API server never cuts it; shortened only between
    sentences, clauses or words (:func:`_fit_body`), and always ending with the hint that leads
    to the whole explanation. Control characters, which would make the API server drop the
    warning, become spaces.
    """
    hint = f" See `crashlint explain {f.rule}`."
    container = f" container '{f.container}':" if f.container and f"'{f.container}'" not in f.message[:60] else ""
    head = f"crashlint {f.rule}:{container} "
    if len(head) + len(hint) > WARNING_RUNES // 2:
        head = f"crashlint {f.rule}: "  # a name too long to leave room for the message
    head = _CONTROL.sub(" ", head)
    body = " ".join(_CONTROL.sub(" ", f.message).split())
    if body:
        body = (_fit_body(body, WARNING_RUNES - len(head) - len(hint))
                or "the message is too long for a warning; run `crashlint lint` on the manifest.")
    return (head + body).rstrip() + hint


def _finding_warnings(warned: list[Finding], limit: int, used: int) -> list[str]:
    """Warnings for ``warned``: at most ``limit`` of them, and only while the response's warnings
    (``used`` runes so far) stay within :data:`WARNINGS_TOTAL_RUNES`; the rest are counted in one line."""
    out: list[str] = []
    budget = WARNINGS_TOTAL_RUNES - used - 100  # room for the "more findings" line
    for f in warned[:limit]:
        text = _short(f)
        if len(text) > budget:
            break
        out.append(text)
        budget -= len(text)
    if len(out) < len(warned):
        out.append(f"crashlint: {len(warned) - len(out)} more finding(s); run `crashlint lint` on the manifest")
    return out


def _deny_message(findings: list[Finding]) -> str:
    lines = [f"crashlint: {len(findings)} setting(s) would make pods crash:"]
    for f in findings:
        where = f" container '{f.container}'" if f.container else ""
        lines.append(f"[{f.rule}]{where} at {f.path or '/'}: {f.message} (see `crashlint explain {f.rule}`)")
    text = "\n".join(lines)
    return text if len(text) <= DENY_MESSAGE_CHARS else text[:DENY_MESSAGE_CHARS - 3] + "..."


def _rule_problem_warnings(failed: list[str], skipped: list[str]) -> list[str]:
    out = []
    if failed:
        out.append(f"crashlint: rule(s) {', '.join(sorted(set(failed)))} failed on this object; "
                   f"their checks are missing from this answer")
    if skipped:
        out.append(f"crashlint: time budget exhausted; rule(s) {', '.join(sorted(set(skipped)))} not run")
    return out


def decide(req: dict[str, Any], loaded: Loaded, lookups: Lookups | None) -> Outcome:
    """The admission decision for one request (``req`` as returned by :func:`parse`)."""
    started = time.monotonic()
    uid = req["uid"]
    gvk = dig_map(req, "kind")
    kind = _bounded(gvk.get("kind"))
    operation = _bounded(req.get("operation"))
    namespace = req.get("namespace") or ""  # validated by parse()
    data = req.get("object")
    name = _bounded(req.get("name"))
    if isinstance(data, dict) and isinstance(data.get("metadata"), dict):
        name = name or _bounded(data["metadata"].get("name")) or _bounded(data["metadata"].get("generateName"))
    out = Outcome(allow(uid), "skipped", kind, operation, namespace, name, req.get("dryRun") is True)
    if kind not in CHECKED_KINDS or operation not in CHECKED_OPERATIONS or not isinstance(data, dict):
        return out
    wh = loaded.webhook
    if namespace in wh.excluded_namespaces:
        out.decision = "excluded"
        return out
    meta = dig_map(data, "metadata")
    labels = dig_map(meta, "labels")
    mode = wh.mode_for(namespace, labels)
    if mode == "off":
        out.decision = "off"
        return out
    if wh.skip_owned and _made_by_controller(req, meta, wh.controller_users):
        out.decision = "owned"  # its controller's template went through this webhook already
        return out

    obj = _object(data, namespace or "default")
    inventory = Inventory.from_objects([obj])
    warnings: list[str] = []
    if lookups is not None and wh.cluster_lookups:
        ns = obj.namespace or "default"
        found = lookups.lookup(ns, wh.lookup_budget_seconds)
        out.lookup = "degraded" if found.degraded else "stale" if found.stale else "fresh"
        out.lookup_error = found.degraded or "; ".join(found.problems) or None  # e.g. a 403 on Secrets
        if found.degraded:
            warnings.append(DEGRADED_WARNING)
        elif found.problems:
            warnings.append(PARTIAL_WARNING)
        unsettled = _unsettled(obj, found.inventory)
        if unsettled:
            spent = time.monotonic() - started
            budget = max(wh.lookup_budget_seconds - spent, min(0.5, wh.lookup_budget_seconds))
            settled = lookups.verify(ns, unsettled, budget)
            out.verified = len(settled)
            for key in unsettled:
                entry = settled.get(key)
                if entry is not None:
                    inventory.add(entry)  # found now: the copy in the request wins over the cached one
        merge_inventory(inventory, found.inventory)
        if unsettled:
            unconfirmed = {k for k in unsettled if k not in settled}
            for k in unconfirmed:
                inventory.complete.discard((k[0], ns))  # no error without a confirmed absence
            if unconfirmed:
                warnings.append(UNVERIFIED_WARNING)
    deadline = time.monotonic() + wh.lint_budget_seconds
    result = lint_objects([obj], loaded.settings, inventory, loaded.engine, deadline)
    findings = result.findings
    failed, skipped = list(result.failed_rules), list(result.skipped_rules)

    old_keys: set[tuple[str, str, str]] | None = None
    template_changed = True
    old = req.get("oldObject")
    if operation == "UPDATE" and isinstance(old, dict) and wh.update != "all":
        old_obj = _object(old, namespace or "default")
        old_inv = Inventory.from_objects([old_obj])
        merge_inventory(old_inv, inventory)  # same cluster view: only the change itself differs
        old_result = lint_objects([old_obj], loaded.settings, old_inv, loaded.engine, deadline)
        old_keys = {_key(f) for f in old_result.findings}
        skipped += old_result.skipped_rules  # an old finding not computed cannot excuse a new one
        failed += old_result.failed_rules
        template_changed = _pod_template(old) != _pod_template(data)
    out.failed_rules = sorted(set(failed))
    out.skipped_rules = sorted(set(skipped))
    warnings.extend(_rule_problem_warnings(out.failed_rules, out.skipped_rules))

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
    warnings.extend(_finding_warnings(warned, wh.max_warnings, sum(len(w) for w in warnings)))
    incomplete = bool(out.failed_rules or out.skipped_rules)
    if denying or (incomplete and mode == "deny" and wh.rule_errors == "deny"):
        message = _deny_message(denying) if denying else (
            "crashlint: the object could not be checked completely (" + "; ".join(
                _rule_problem_warnings(out.failed_rules, out.skipped_rules)) + "); denied by `rule_errors: deny`")
        out.response = _review(uid, False, warnings, message)
        out.decision = "denied"
    else:
        out.response = _review(uid, True, warnings)
        out.decision = "warned" if warned or incomplete else "allowed"
    return out
