"""init-container-waits-forever: an init loop waits for a host nothing defines, with no way out.

``until nc -z db 5432; do sleep 2; done`` is the usual way to hold a pod until its database
answers. When ``db`` is no Service of the pod's namespace — a typo, a Service in another
namespace, a dependency that was never deployed — the loop spins for ever: the pod sits in
``Init:0/1`` with no crash, no event and no restart to alert anyone. Loops with a bound (a
counter, ``seq``, an elapsed-time check, or ``timeout N sh -c '...'`` around the whole loop)
give up and fail visibly, so they are not reported; a per-attempt timeout such as ``nc -w 2``
or ``timeout 2 nc ...`` inside the loop bounds one try, not the wait. Only when the linted set
defines Services at all: otherwise the input is partial and every host would look missing.
"""

from __future__ import annotations

from collections.abc import Iterator

from crashlint.knowledge.commands import display
from crashlint.model.findings import Hit
from crashlint.knowledge.hosts import is_defined, known_namespaces, pod_resolves_elsewhere, probe_host, service_ref
from crashlint.knowledge.initscripts import program_of
from crashlint.rules import RuleContext
from crashlint.model.workloads import Workload

ID = "init-container-waits-forever"
CROSS_OBJECT = True  # reads other objects: it needs the whole set (or the kustomize build)


def check(wl: Workload, ctx: RuleContext) -> Iterator[Hit]:
    inv = ctx.inventory
    if not inv.defines_any("Service"):
        return
    init_kb = ctx.knowledge.get("init") or {}
    probes = set(init_kb.get("probes") or ())
    heads = set(init_kb.get("bounded_heads") or ())
    words = set(init_kb.get("bounded_words") or ())
    fragments = tuple(init_kb.get("bounded_fragments") or ())
    ns = wl.obj.namespace or "default"
    namespaces = known_namespaces(inv)
    domain = ctx.params["cluster_domain"]
    always = list(ctx.params["always_present"])
    local = pod_resolves_elsewhere(wl.spec)
    if local is None:
        return
    for c in wl.init_containers:
        if c.is_sidecar:
            continue
        prog = program_of(c, ctx.knowledge)
        if prog is None or prog.commands is None or prog.argv[0].rsplit("/", 1)[-1] == "timeout":
            continue
        if not prog.loops or _bounded(prog.commands, heads, words, fragments):
            continue
        reported: set[str] = set()
        # The probe may be the loop's condition or sit in its body (`while true; do nc -z db 5432
        # && break; sleep 2; done`): every command of a looping script is a candidate.
        for cmd in prog.commands:
            if not cmd or cmd[0].rsplit("/", 1)[-1] not in probes:
                continue
            host = probe_host(cmd)
            ref = service_ref(host, ns, namespaces, domain) if host else None
            if ref is None or ref.host in reported or ref.host in local or is_defined(ref, inv, always):
                continue
            reported.add(ref.host)
            name, svc_ns = ref.candidates[0]
            yield Hit(c.at(*prog.where), (
                f"init container '{c.name}' loops on `{display(cmd)}` until host '{host}' answers, but the "
                f"linted files define no Service '{name}' in namespace '{svc_ns}', and the loop has no bound: "
                f"the pod would wait in Init:0/1 forever, with no crash or event to show why. Fix the host "
                f"(`name.namespace` for another namespace), or bound the wait (a retry counter, or "
                f"`timeout 300 sh -c '...'` around the loop) so it fails visibly."),
                container=c.name)



def _bounded(commands: list[list[str]], heads: set[str], words: set[str], fragments: tuple[str, ...]) -> bool:
    """A counter, ``seq``/``for`` loop or elapsed-time test anywhere in the script."""
    return any((cmd and cmd[0] in heads) or any(tok in words or any(f in tok for f in fragments) for tok in cmd)
               for cmd in commands)
