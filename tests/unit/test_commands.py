"""Does this argv end by itself? Confident answers only."""

import pytest

from crashlint.commands import FINITE, FOREVER, UNKNOWN, classify, effective_argv
from crashlint.policy import load_policies

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
