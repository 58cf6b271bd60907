"""Does this argv end by itself, and with which code? Confident answers only."""

import json

import pytest

from crashlint.knowledge.commands import (FINITE, FOREVER, UNKNOWN, classify, display, effective_argv, image_entry,
                                parse_script, shell_call, shell_script, shell_tokens, split_commands,
                                split_words)
from crashlint.settings.policy import load_policies

K = load_policies().knowledge


@pytest.mark.parametrize("argv, kind, seconds", [
    (["echo", "hi"], FINITE, 0),
    (["sleep", "30"], FINITE, 30),
    (["sleep", "2m"], FINITE, 120),
    (["sleep", "infinity"], FOREVER, None),
    (["tail", "-f", "/dev/null"], FOREVER, None),
    (["/bin/sh", "-c", "echo hi"], FINITE, 0),
    (["sh", "-c", "echo start; sleep 10; date"], FINITE, 10),
    (["sh", "-c", "while true; do echo hi; sleep 5; done"], FOREVER, None),
    (["bash", "-c", "while :; do sleep 1; done"], FOREVER, None),
    (["sh", "-c", "trap : TERM; sleep infinity & wait"], FOREVER, None),
    (["sh", "-c", "exec nginx -g 'daemon off;'"], UNKNOWN, None),
    (["sh", "-c", "exec \"$@\"", "--"], UNKNOWN, None),
    (["sh", "-c", "until nc -z db 5432; do sleep 1; done"], UNKNOWN, None),
    (["sh", "-ec", "echo hi"], FINITE, 0),
    (["bash", "-c", "--", "echo hi"], FINITE, 0),
    (["sh", "-e", "-c", "echo hi"], FINITE, 0),
    (["bash", "--login", "-c", "sleep 5"], FINITE, 5),
    (["sh"], FINITE, 0),
    (["sh", "script.sh"], UNKNOWN, None),
    (["busybox", "sleep", "5"], FINITE, 5),
    (["env", "A=1", "echo", "x"], FINITE, 0),
    (["./server", "--port", "80"], UNKNOWN, None),
    (["sleep", "$DELAY"], UNKNOWN, None),
    (["sh", "-c", "echo 'unterminated"], UNKNOWN, None),
    (["sh", "-c", "sleep 1d & wait"], FINITE, 86400),
    (["sh", "-c", "trap 'exit 0' TERM; sleep 9999999999d & wait"], FINITE, 9999999999 * 86400),
    (["sh", "-c", "sleep 5 & echo started"], FINITE, 0),
])
def test_classify(argv, kind, seconds):
    v = classify(argv, K)
    assert v.kind == kind
    if seconds is not None:
        assert v.seconds == seconds


def test_open_stdin_keeps_a_shell_alive():
    assert classify(["sh"], K, stdin_open=True).kind == FOREVER
    assert classify(["cat"], K, stdin_open=True).kind == FOREVER
    assert classify(["echo", "x"], K, stdin_open=True).kind == FINITE


def test_effective_argv_follows_docker_semantics():
    entry = {"entrypoint": ["curl"], "cmd": ["--help"]}
    assert effective_argv(None, None, entry) == ["curl", "--help"]
    assert effective_argv(None, ["-s", "x"], entry) == ["curl", "-s", "x"]
    assert effective_argv(["sh"], None, entry) == ["sh"]  # command drops the image CMD
    assert effective_argv(None, ["x"], None) is None  # unknown image, args only: unknown argv


def test_failing_commands_are_finite_but_failing():
    assert classify(["false"], K).failing
    assert classify(["sh", "-c", "echo failing; exit 3"], K).failing
    assert not classify(["sh", "-c", "exit 3; echo unreachable"], K).kind == "unknown"
    assert not classify(["sh", "-c", "false; echo recovered"], K).failing
    assert not classify(["sh", "-c", "echo done; exit 0"], K).failing


# --- exit codes: what `command-always-fails` relies on ------------------------------------------

@pytest.mark.parametrize("argv, code", [
    (["sh", "-c", "exit 1"], 1),
    (["false"], 1),
    (["/bin/false"], 1),
    (["sh", "-c", "exit 3"], 3),
    (["sh", "-c", "--", "exit 2"], 2),
    (["bash", "-c", "set -e; false; sleep infinity"], 1),
    (["sh", "-ec", "echo start; false; exec /app/server"], 1),
    (["bash", "-o", "errexit", "-c", "false; sleep infinity"], 1),
    (["bash", "-c", "set -euo pipefail\necho start\nfalse\necho never"], 1),
    (["sh", "-c", "echo 'config missing'; exit 3"], 3),
    (["sh", "-c", "for i in 1 2 3; do echo $i; sleep 1; done; exit 1"], 1),
    (["sh", "-c", "i=0; while [ $i -lt 3 ]; do sleep 1; i=$((i+1)); done; exit 7"], 7),
    (["sh", "-c", "false && echo never"], 1),
    (["sh", "-c", "echo a | false"], 1),
    (["sh", "-c", "(exit 6)"], 6),
    (["sh", "-c", "set -e; (exit 4); sleep infinity"], 4),
    (["sh", "-c", "exit 257"], 1),
    (["sh", "-c", "exec false"], 1),
    (["sh", "-c", "if true; then exit 2; fi; sleep infinity"], 2),
    (["sh", "-c", "sleep 5 & wait; exit 4"], 4),
    (["sh", "-c", "echo hi > /dev/null 2>&1; exit 1"], 1),
    (["sh", "-c", "echo 'a; exit 0' \"&& exit 0\"; exit 9"], 9),
    (["sh", "-c", "! true"], 1),
])
def test_commands_that_always_fail(argv, code):
    v = classify(argv, K)
    assert (v.kind, v.exit_code, v.failing) == (FINITE, code, True)


@pytest.mark.parametrize("argv", [
    ["sh", "-c", "exit 0"],
    ["true"],
    ["sh", "-c", "exit $CODE"],
    ["sh", "-c", './check; exit "$?"'],
    ["sh", "-c", "false || true"],
    ["sh", "-c", "./migrate || exit 1"],
    ["sh", "-c", "true || exit 1"],
    ["sh", "-c", "if [ -z \"$X\" ]; then exit 1; fi; exec /app/server"],
    ["sh", "-c", "trap 'exit 0' EXIT; exit 1"],
    ["bash", "-c", "false() { :; }; false"],
    ["sh", "-c", "false; sleep infinity"],
    ["sh", "-c", "false; echo recovered"],
    ["sh", "-c", "./server; exit 1"],
    ["sh", "-c", "exec /app/server; exit 1"],
    ["sh", "-c", ". /etc/profile; exit 1"],
    ["sh", "-c", "exit 256"],
    ["sh", "-c", "exit -1"],
    ["sh", "-c", "exit 1 | cat"],
    ["sh", "-c", "test -f /ready && exit 0; exit 1"],
    ["sh", "-c", "while true; do sleep 1; done; exit 1"],
    ["sh", "-c", "cat <<EOF\nexit 1\nEOF\nsleep infinity"],
    ["sh", "-c", "echo 'exit 1'"],
    ["sh", "-c", "set -e; mkdir /x; exit 1"],  # mkdir may fail first, with its own code
    ["sh", "-c", "echo 'unterminated; exit 1"],
    ["exit", "1"],  # no such program: the runtime cannot start it (StartError), not an exit code
])
def test_exit_code_unknown_or_zero(argv):
    assert not classify(argv, K).failing


# --- bounded loops ----------------------------------------------------------------------------

@pytest.mark.parametrize("script, seconds", [
    ("for f in a b c; do echo $f; done", 0),
    ("for i in $(seq 1 100); do echo $i; sleep 60; done", 6000),
    ("for i in `seq 5`; do sleep 2; done", 10),
    ("i=0; while [ $i -lt 10 ]; do sleep 1; i=$((i+1)); done", 10),
    ("i=1; while [ \"$i\" -le 10 ]; do sleep 1; i=$((i + 1)); done", 10),
    ("n=0; until [ $n -ge 4 ]; do sleep 1; n=$(expr $n + 1); done", 4),
    ("i=0; while [ $i -lt 3 ]; do sleep 1; let i++; done", 3),
    ("for f in /etc/*.conf; do echo $f; done", 0),  # a finite list of unknown length
])
def test_bounded_loops_end(script, seconds):
    v = classify(["sh", "-c", script], K)
    assert (v.kind, v.seconds) == (FINITE, seconds) and v.exit_code in (0, None) and not v.failing


@pytest.mark.parametrize("script, kind", [
    ("while true; do sleep 1; done", FOREVER),
    ("until false; do sleep 1; done", FOREVER),
    ("for i in 1 2 3; do echo $i; done; sleep infinity", FOREVER),
    ("i=0; while [ $i -lt 10 ]; do sleep 1; done", UNKNOWN),  # never incremented
    ("while [ $i -lt 10 ]; do sleep 1; i=$((i+1)); done", UNKNOWN),  # start unknown
    ("i=0; while [ $i -lt 10 ]; do [ -f x ] && continue; i=$((i+1)); done", UNKNOWN),
    ("i=0; while [ $i -lt 10 ]; do i=$((i+1)); i=0; done", UNKNOWN),
    ("i=0; while [ $i -ne 10 ]; do i=$((i+2)); done", UNKNOWN),
    ("for f in /docker-entrypoint.d/*.sh; do . \"$f\"; done; exec /app/server", UNKNOWN),
    ("for f in $FILES; do sleep infinity; done", UNKNOWN),  # maybe no round at all
])
def test_loops_without_a_certain_bound(script, kind):
    assert classify(["sh", "-c", script], K).kind == kind


# --- one quote-aware reader -------------------------------------------------------------------

def test_tokens_split_as_a_shell_does():
    assert list(shell_tokens("nginx -g 'daemon off;'")) == ["nginx", "-g", "daemon off;"]
    assert list(shell_tokens('echo "a;b" c\\ d')) == ["echo", "a;b", "c d"]
    assert list(shell_tokens("x=$(cat f; echo) y")) == ["x=$(cat f; echo)", "y"]
    assert list(shell_tokens("a 2>&1 >/dev/null")) == ["a", ">&", "1", ">", "/dev/null"]
    assert list(shell_tokens("a # c; d\nb")) == ["a", "\n", "b"]
    assert list(shell_tokens("echo \"$(echo \")\")\" z")) == ["echo", '$(echo ")")', "z"]
    assert shell_tokens("echo 'open") is None and shell_tokens('echo "$(open') is None


def test_literal_words_and_quoting():
    words = shell_tokens("exit \"3\" $CODE * {a,b} ~ if \"if\"")
    assert [(w, w.literal) for w in words[:6]] == [("exit", True), ("3", True), ("$CODE", False),
                                                   ("*", False), ("{a,b}", False), ("~", False)]
    assert not words[6].quoted and words[7].quoted


def test_here_document_bodies_are_not_commands():
    assert split_commands("cat > /f <<EOF\nexit 1\nEOF\necho after") == [["cat"], ["echo", "after"]]
    assert split_commands("cat <<-'END'\n\trm -rf /\n\tEND\necho ok") == [["cat"], ["echo", "ok"]]


def test_split_commands_keeps_its_shape_for_the_init_rules():
    assert split_commands("until nc -z db 5432; do sleep 2; done") == [
        ["until", "nc", "-z", "db", "5432"], ["do", "sleep", "2"], ["done"]]
    assert split_commands("nc -z db 5432 > /dev/null 2>&1 && echo ok") == [["nc", "-z", "db", "5432"], ["echo", "ok"]]
    assert split_commands("sleep 5 & wait") == [["sleep", "5", "&"], ["wait"]]


def test_split_words_only_when_certain():
    assert split_words("nginx -g 'daemon off;'") == ["nginx", "-g", "daemon off;"]
    assert split_words("python -c 'print(1)'") == ["python", "-c", "print(1)"]
    assert split_words("python $MAIN") is None and split_words("a && b") is None and split_words("ls *.py") is None


def test_display_reads_back_the_same():
    argv = ["sh", "-c", "nginx -g 'daemon off;'"]
    shown = display(argv)
    assert shlex_split(shown) == argv and "'daemon off;'" not in shown.split("-c ", 1)[1].split("'\"'\"'")[0]
    assert display(["sh", "-c", "a\nb\n"]) == "sh -c 'a\\nb'"
    assert display(["echo", "x" * 200], 40).endswith("...") and len(display(["echo", "x" * 200], 40)) == 40


def shlex_split(text):
    import shlex
    return shlex.split(text)


@pytest.mark.parametrize("argv, script_at, errexit", [
    (["sh", "-c", "x"], 2, False),
    (["/bin/bash", "-ec", "x"], 2, True),
    (["sh", "-c", "--", "x"], 3, False),
    (["sh", "-e", "-c", "x", "name", "arg1"], 3, True),
    (["sh", "-c", "-e", "x"], 3, True),
    (["bash", "-o", "errexit", "-c", "x"], 4, True),
    (["bash", "-o", "pipefail", "-ec", "x"], 4, True),
    (["bash", "-eo", "pipefail", "-c", "x"], 4, True),
    (["bash", "-e", "+o", "errexit", "-c", "x"], 5, False),
    (["bash", "-O", "extglob", "-c", "x"], 4, False),
    (["sh", "+x", "-c", "x"], 3, False),
    (["bash", "--login", "-c", "x"], 3, False),
    (["bash", "--rcfile", "/etc/rc", "-c", "x"], 4, False),
    (["exec", "sh", "-c", "x"], 3, False),
    (["env", "A=1", "B=2", "/bin/sh", "-c", "x"], 5, False),
    (["tini", "--", "sh", "-ec", "x"], 4, True),
    (["zsh", "-c", "x"], 2, False),
])
def test_shell_script_found_behind_every_option_form(argv, script_at, errexit):
    call = shell_call(argv, K)
    assert call is not None and call.script == script_at and call.errexit is errexit
    assert shell_script(argv, K) == (script_at, "x")


@pytest.mark.parametrize("argv, operands", [
    (["sh", "script.sh"], True),
    (["sh", "-e", "script.sh", "-c"], True),  # options end at the first operand: -c is an argument
    (["sh"], False),
    (["sh", "-c"], False),  # -c with no script
    (["sh", "-c", "--"], False),
    (["bash", "-o"], False),
])
def test_a_shell_without_a_script(argv, operands):
    call = shell_call(argv, K)
    assert call is not None and call.script is None and call.operands is operands
    assert shell_script(argv, K) is None


@pytest.mark.parametrize("argv", [[], ["python", "-c", "print(1)"], ["exec"], ["timeout", "5", "sh", "-c", "x"],
                                  ["shell", "-c", "x"], ["node", "sh", "-c", "x"]])
def test_no_shell(argv):
    assert shell_call(argv, K) is None and shell_script(argv, K) is None


def test_shell_finder_survives_odd_knowledge_and_long_wrapper_chains():
    assert shell_call(["sh", "-c", "x"], {}) is None  # no shells known: nothing is a shell
    assert shell_call(["sh", "-c", "x"], {"commands": ["sh"]}) is None
    assert shell_call(["exec"] * 100_000 + ["sh", "-c", "x"], K).script == 100_002


def test_parser_is_bounded_and_total():
    assert parse_script("( " * 5000 + "true" + " )" * 5000) is None  # nesting beyond the bound: unknown
    assert parse_script("(" * 5000 + "true" + ")" * 5000) is not None  # `((`: one arithmetic word
    assert parse_script("if true; then") is None and parse_script("; exit 1") is None
    assert classify(["sh", "-c", "exec " * 5000 + "false"], K).exit_code == 1
    assert classify(["sh", "-c", "sh -c " * 200 + "false"], K).kind in (FINITE, UNKNOWN)


# --- images --------------------------------------------------------------------------------

def test_keepalive_only_for_debug_images():
    assert image_entry("busybox:1.36", K, "run_to_completion")["keepalive"] == ["tail", "-f", "/dev/null"]
    for image in ("python:3.12", "node:22", "eclipse-temurin:21-jdk", "golang:1.22"):
        entry = image_entry(image, K, "run_to_completion")
        assert entry["runtime"] and "keepalive" not in entry, image
    for image in ("php:8.3-fpm", "php:8.3-apache", "praqma/network-multitool:latest"):
        assert image_entry(image, K, "run_to_completion") is None, image
    assert image_entry("php:8.3-cli", K, "run_to_completion")["runtime"] == "PHP"
    assert all(e.get("why") for e in K["images"]["run_to_completion"])


# --- what the rules print and fix -------------------------------------------------------------

def _findings(tmp_path, container_yaml: str, raw: dict | None = None):
    from crashlint.engine.api import lint_paths
    from crashlint.settings.config import load_settings
    path = tmp_path / "d.yaml"
    path.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}}\n"
        "  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers:\n" + container_yaml)
    return lint_paths([str(path)], load_settings(raw=raw or {})).findings


def test_python_without_command_gets_no_keepalive_fix(tmp_path):
    [f] = [f for f in _findings(tmp_path, "        - {name: api, image: 'python:3.12'}\n")
           if f.rule == "completes-immediately"]
    assert f.fix is None and "service's command is missing" in f.message and "tail -f" not in f.message
    [g] = [f for f in _findings(tmp_path, "        - {name: box, image: 'busybox:1.36'}\n")
           if f.rule == "completes-immediately"]
    assert g.fix == [{"op": "add", "path": "/spec/template/spec/containers/0/command",
                      "value": ["tail", "-f", "/dev/null"]}]


def test_messages_show_argv_that_reads_back(tmp_path):
    import shlex
    argv = ["sh", "-c", "echo 'daemon off;'; exit 1"]
    [f] = [f for f in _findings(tmp_path, f"        - name: c\n          image: busybox:1.36\n"
                                          f"          command: {json.dumps(argv)}\n")
           if f.rule == "command-always-fails"]
    shown = f.message.split("runs `", 1)[1].split("`, which", 1)[0]
    assert shlex.split(shown) == argv and "Exit Code: 1" in f.message


def test_duration_params_of_the_wrong_type_are_a_config_error():
    """Once kept silently at their default; now the config is refused, naming both keys
    (tests/lint/test_config_validation.py covers the file:line form)."""
    from crashlint.settings.config import ConfigError, load_settings
    raw = {"rules": {"completes-immediately": {"params": {"crashloop_window_seconds": "ten",
                                                          "keepalive_seconds": [1]}}}}
    with pytest.raises(ConfigError) as err:
        load_settings(raw=raw)
    assert "completes-immediately.params.crashloop_window_seconds: expected a number, got 'ten'" in str(err.value)
    assert "completes-immediately.params.keepalive_seconds: expected a number, got a list" in str(err.value)


def test_command_substitutions_are_judged_too():
    assert classify(["sh", "-c", "echo started at $(date); exit 1"], K).exit_code == 1
    assert classify(["sh", "-c", "x=`hostname`; exit 2"], K).exit_code == 2
    assert classify(["sh", "-c", "echo $(./server); exit 1"], K).kind == UNKNOWN  # may never return
    assert classify(["sh", "-c", "for h in $(./hosts); do :; done; exit 1"], K).kind == UNKNOWN
    assert classify(["sh", "-c", "x=$((1 + 2)); exit 6"], K).exit_code == 6  # arithmetic runs nothing
