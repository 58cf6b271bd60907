"""API fidelity of CronJobs: what ``validateCronJobSpec`` and robfig/cron refuse, and near-misses it accepts."""

from __future__ import annotations

import pytest
from crashlint.knowledge.validation.cronjob import known_time_zones, schedule_problem
from server_answers import FIXTURES, assert_refused


@pytest.mark.skipif(not known_time_zones(), reason="no IANA tz database on this machine: every zone is accepted")
def test_a_zone_missing_from_the_tz_database_is_a_warning_not_an_error() -> None:
    assert_refused(FIXTURES / "cronjob" / "unknown-zone.yaml")


# robfig/cron v3 ParseStandard, case by case (parser.go): None where it parses, else its message.
PARSER_CASES = [
    ("* * * * *", None),
    ("? ? ? ? ?", None),
    ("0 0 * * SUN-SAT", None),
    ("0 0 * * sat-sun", "beginning of range (6) beyond end of range (0): sat-sun"),
    ("0 0 1 jan,Feb,MAR *", None),
    ("*-5 * * * *", None),  # '*' takes the whole range whatever follows its '-'
    ("+5 * * * *", None),  # strconv.Atoi takes a sign
    (", 0 * * *", None),  # empty list items are skipped
    ("5/15 * * * *", None),
    ("-5 * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ("*/-5 * * * *", "negative number (-5) not allowed: -5"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("99999999999999999999 * * * *", "value out of range"),
    ("0 0 * * * *", "expected exactly 5 fields, found 6: [0 0 * * * *]"),
    ("", "expected exactly 5 fields, found 0: []"),
    (" @daily", "expected exactly 5 fields, found 1: [@daily]"),  # '@' only as the first character
    ("@yearly", None), ("@annually", None), ("@monthly", None), ("@weekly", None), ("@daily", None),
    ("@midnight", None), ("@hourly", None),
    ("@hourly ", "unrecognized descriptor: @hourly "),
    ("@every", "unrecognized descriptor: @every"),
    ("@every 90s", None), ("@every 1.5h", None), ("@every -1s", None), ("@every 0", None),
    ("@every 1", 'time: missing unit in duration "1"'),
    ("@every .s", 'time: invalid duration ".s"'),
    ("@every 1 h", 'time: unknown unit " h" in duration "1 h"'),
    ("@every 3000000h", 'time: invalid duration "3000000h"'),
    # Huge inputs are refused with Go's words, never a Python error (int() refuses > 4300 digits).
    ("9" * 5000 + " * * * *", "value out of range"),
    ("0" * 5000 + "5 * * * *", None),
    ("@every " + "9" * 5000 + "s", "time: invalid duration"),
    ("@every 1." + "5" * 5000 + "s", None),
]


@pytest.mark.parametrize(("schedule", "problem"), PARSER_CASES)
def test_the_parser_follows_robfig_cron(schedule: str, problem: str | None) -> None:
    got = schedule_problem(schedule)
    assert (got is None) == (problem is None), got
    assert problem is None or problem in (got or "")
