"""Runtime-mode test helpers: the recorded corpus and the real CLI, run in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crashlint.cli import main

CORPUS = Path(__file__).parents[1] / "fixtures" / "runtime" / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.json").is_file())


@dataclass
class Case:
    """One recorded cluster state: its dump, optional logs and manifests, and the expected verdicts."""

    name: str
    dir: Path
    expected: dict[str, Any]

    @property
    def items(self) -> list[dict[str, Any]]:
        return json.loads((self.dir / "cluster.json").read_text())["items"]

    @property
    def logs(self) -> dict[str, Any]:
        path = self.dir / "logs.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def args(self, *, offline: bool) -> list[str]:
        """The case's CLI arguments with its files made absolute; live runs drop --logs (the fake API serves them)."""
        out: list[str] = []
        raw = list(self.expected.get("args", []))
        i = 0
        while i < len(raw):
            a = raw[i]
            if a == "--logs":
                if offline:
                    out += [a, str(self.dir / raw[i + 1])]
                i += 2
                continue
            out.append(str(self.dir / a) if a.endswith((".json", ".yaml")) else a)
            i += 1
        return out


def load_case(name: str) -> Case:
    d = CORPUS / name
    return Case(name, d, json.loads((d / "expected.json").read_text()))


@pytest.fixture
def run_cli(capsys):
    """``run_cli(argv) -> (exit code, stdout, stderr)`` through ``crashlint.cli.main``."""
    def _run(argv: list[str]) -> tuple[int, str, str]:
        code = main(["runtime", *argv])
        out, err = capsys.readouterr()
        return code, out, err
    return _run
