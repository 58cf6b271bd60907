#!/usr/bin/env python3
"""Coverage-guided fuzzing of the loader with atheris (libFuzzer), for a run by hand.

    pip install atheris
    python bench/atheris_loader.py -max_total_time=120 [CORPUS_DIR ...]

Every input goes through ``crashlint.sources.loader.load_text`` as YAML and as JSON, and the objects
it yields through the rules: the same property as ``tests/fuzz`` (no exception escapes, every
error names the file and a line >= 0, no rule crashes), but steered by the coverage libFuzzer
observes in the loader, the workload model and the rules instead of by a grammar. Any
libFuzzer flag works (``-runs=N``, ``-jobs=N``, ``-dict=FILE``); crashing inputs are written
as ``crash-*`` files in the working directory.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["crashlint"]):
    from crashlint.settings.config import load_settings
    from crashlint.engine.runner import Engine
    from crashlint.model.inventory import Inventory
    from crashlint.sources.loader import load_text
    from crashlint.rules import all_rules

    all_rules()  # imports every rule module here, so the rules are instrumented too
    ENGINE = Engine(load_settings(raw={}))


def test_one_input(data: bytes) -> None:
    for name in ("fuzz.yaml", "fuzz.json"):
        loaded = load_text(name, data)
        for err in loaded.errors:
            if err.file != name or err.line < 0 or not err.message:
                raise AssertionError(f"malformed load error: {err}")
        result = ENGINE.run(loaded.objects, Inventory.from_objects(loaded.objects))
        for err in result.errors:
            if "internal error in rule" in err.message:
                raise AssertionError(err.message)
        for f in result.findings:
            if f.line < 1 or f.column < 1:
                raise AssertionError(f"finding without a position: {f}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
