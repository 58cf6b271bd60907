"""What the API server refuses in a CronJob's schedule and time zone (``pkg/apis/batch/validation``).

``validateCronJobSpec`` requires ``spec.schedule`` and checks it with ``validateScheduleFormat``,
which calls ``cron.ParseStandard`` of ``github.com/robfig/cron/v3`` (v3.0.1, vendored by every
supported Kubernetes version) and, on create, refuses any ``TZ`` in the schedule ("cannot use TZ
or CRON_TZ in schedule, use timeZone field instead", since Kubernetes 1.27, PR #116252).
``validateTimeZone`` checks ``spec.timeZone``.

The parser here follows robfig/cron's ``parser.go`` and ``spec.go`` exactly rather than using
``croniter`` (whose dialect differs: it accepts a 6th seconds field, ``7`` for Sunday, ``L`` and
``#``, all of which robfig refuses):

- a descriptor when the spec starts with ``@``: ``@yearly``, ``@annually``, ``@monthly``,
  ``@weekly``, ``@daily``, ``@midnight``, ``@hourly`` (exact, case-sensitive), or ``@every`` and a
  Go duration (``time.ParseDuration``: ``1h30m``, ``90s``);
- otherwise exactly 5 fields split on white space: minute 0-59, hour 0-23, day of month 1-31,
  month 1-12 or ``jan``-``dec``, day of week 0-6 or ``sun``-``sat`` (names in any case);
- a field is a comma-separated list (empty items are skipped) of ``*`` or ``?`` (the whole
  range, in any field) or ``N`` or ``N-M``, each optionally followed by ``/step``; ``N/step``
  means ``N-max/step``; numbers are Go ``strconv.Atoi`` integers (an optional sign, ASCII digits);
- the first error wins, with robfig's message, e.g. ``end of range (61) above maximum (59): 61``.

A schedule that parses but never fires (``0 0 30 2 *``) is accepted by the server and not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache

from crashlint.model.findings import Hit
from crashlint.model.objects import K8sObject
from crashlint.knowledge.validation._wording import filled_in_later, invalid, is_int, not_supported, required
from crashlint.knowledge.validation.metadata import decoded_by_api_server

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:
    from typing import Any

Bounds = tuple[int, int, dict[str, int]]

_MONTHS = {n: i + 1 for i, n in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                           "nov", "dec"))}
_DAYS = {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# minute, hour, day of month, month, day of week (robfig spec.go bounds).
FIELDS: tuple[Bounds, ...] = ((0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 6, _DAYS))
DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")

# The patterns are compiled when a CronJob is first checked (re's cache keeps them), and
# fractions is imported then: most lints have no CronJob, and every start paid 1.5 ms for them.
# Go's unicode.IsSpace, which strings.Fields splits on.
_GO_SPACE = "[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
_ATOI = r"[+-]?[0-9]+"
_INT64_MAX = 2**63 - 1
# time.ParseDuration units, in nanoseconds.
_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9,
          "h": 3600 * 10**9}
_DURATION_PART = r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)"


class ScheduleError(ValueError):
    """A schedule robfig/cron refuses, with its message."""


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _atoi(text: str) -> int:
    """``mustParseInt``: ``strconv.Atoi`` then a sign check."""
    if not re.fullmatch(_ATOI, text):
        raise ScheduleError(f"failed to parse int from {text}: strconv.Atoi: parsing {_go_quote(text)}: invalid syntax")
    # More than 19 significant digits never fits an int64 (and Python refuses int() of huge strings).
    digits = text.lstrip("+-").lstrip("0")
    num = (-1 if text.startswith("-") else 1) * int(digits or "0") if len(digits) <= 19 else _INT64_MAX * 2
    if not -_INT64_MAX - 1 <= num <= _INT64_MAX:
        raise ScheduleError(f"failed to parse int from {text}: strconv.Atoi: parsing {_go_quote(text)}: "
                            "value out of range")
    if num < 0:
        raise ScheduleError(f"negative number ({num}) not allowed: {text}")
    return num


def _int_or_name(text: str, names: dict[str, int]) -> int:
    named = names.get(text.lower())
    return named if named is not None else _atoi(text)


def _check_range(expr: str, bounds: Bounds) -> None:
    """``getRange``: ``*``/``?``/``N``/``N-M``, optionally ``/step``, within the field's bounds."""
    low, high, names = bounds
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    if low_and_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start = _int_or_name(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], names)
        else:
            raise ScheduleError(f"too many hyphens: {expr}")
    step = 1
    if len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if len(low_and_high) == 1:
            end = high
    elif len(range_and_step) > 2:
        raise ScheduleError(f"too many slashes: {expr}")
    if start < low:
        raise ScheduleError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ScheduleError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ScheduleError(f"step of range should be a positive number: {expr}")


def _check_duration(text: str) -> None:
    """Go's ``time.ParseDuration``: ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` or ``0``, within int64 nanoseconds."""
    rest = text[1:] if text[:1] in ("-", "+") else text
    if rest == "0":
        return
    if rest == "":
        raise ScheduleError(f"time: invalid duration {_go_quote(text)}")
    from fractions import Fraction

    total = Fraction(0)
    pos = 0
    while pos < len(rest):
        if not (rest[pos] == "." or rest[pos].isascii() and rest[pos].isdigit()):
            raise ScheduleError(f"time: invalid duration {_go_quote(text)}")
        m = re.compile(_DURATION_PART).match(rest, pos)
        assert m is not None  # the pattern matches the empty string
        whole, frac, unit = m.group(1), m.group(2), m.group(3)
        if not whole and not frac:
            raise ScheduleError(f"time: invalid duration {_go_quote(text)}")
        if unit == "":
            raise ScheduleError(f"time: missing unit in duration {_go_quote(text)}")
        if unit not in _UNITS:
            raise ScheduleError(f"time: unknown unit {_go_quote(unit)} in duration {_go_quote(text)}")
        if len(whole.lstrip("0")) > 20:  # beyond any int64 count of nanoseconds
            raise ScheduleError(f"time: invalid duration {_go_quote(text)}")
        frac = (frac or "")[:30]  # Go's leadingFraction stops adding digits past its precision too
        value = Fraction(int(whole.lstrip("0") or "0")) + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
        total += value * _UNITS[unit]
        if total > _INT64_MAX + 1:
            raise ScheduleError(f"time: invalid duration {_go_quote(text)}")
        pos = m.end()
    if total > _INT64_MAX and not text.startswith("-"):
        raise ScheduleError(f"time: invalid duration {_go_quote(text)}")


@lru_cache(maxsize=1024)
def schedule_problem(spec: str) -> str | None:
    """robfig/cron ``ParseStandard``'s error for ``spec``, or None when it parses.

    Cached: a repository's CronJobs share a handful of schedules. A ``TZ=``/``CRON_TZ=`` prefix,
    which robfig would strip, is not handled here: the server refuses any ``TZ`` in a new
    CronJob's schedule before it matters, and the caller says so instead.
    """
    try:
        if spec.startswith("@"):
            if spec in DESCRIPTORS:
                return None
            if spec.startswith("@every "):
                try:
                    _check_duration(spec[len("@every "):])
                except ScheduleError as exc:
                    raise ScheduleError(f"failed to parse duration {spec}: {exc}") from None
                return None
            raise ScheduleError(f"unrecognized descriptor: {spec}")
        fields = [f for f in re.split(_GO_SPACE, spec) if f]
        if len(fields) != 5:
            raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
        for text, bounds in zip(fields, FIELDS):
            for expr in (e for e in text.split(",") if e):
                _check_range(expr, bounds)
    except ScheduleError as exc:
        return str(exc)
    return None


_TZ_PART = r"[A-Za-z.\-_0-9+]{1,14}"


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    """The IANA zones Python knows (system tz database or the ``tzdata`` package); empty if none."""
    try:
        import zoneinfo
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # noqa: BLE001 - no tz database is "know nothing", never an error
        return frozenset()


def _time_zone_hits(tz: object) -> Iterator[Hit]:
    """``validateTimeZone``: a non-empty IANA name, written as the tz database names files.

    The server then loads the zone from its own tz database (Go's ``time.LoadLocation``). Python's
    database is used only to *accept*: a zone it lacks is a warning, since the server's copy may
    be newer (or older) than this machine's.
    """
    where = ("spec", "timeZone")
    if tz is None or not isinstance(tz, str) or filled_in_later(tz):
        return
    if tz == "":
        yield Hit(where, invalid(where, tz, "timeZone must be nil or non-empty string"), anchor="value")
        return
    for part in tz.split("/"):
        if part in (".", "..") or part.startswith("-") or not re.fullmatch(_TZ_PART, part):
            yield Hit(where, invalid(where, tz, f"unknown time zone {tz}"), anchor="value")
            return
    if tz.lower() == "local":
        yield Hit(where, invalid(where, tz, "timeZone must be an explicit time zone as defined in "
                                            "https://www.iana.org/time-zones"), anchor="value")
        return
    zones = known_time_zones()
    if zones and tz not in zones and tz != "UTC":
        yield Hit(where, f"timeZone '{tz}' is not in this machine's IANA tz database; if the API server's "
                  f"database lacks it too, it answers {invalid(where, tz, f'unknown time zone {tz}')} (names "
                  "are case-sensitive, e.g. Europe/Berlin)", anchor="value", severity="warning")


def _schedule_hits(spec: dict[str, object]) -> Iterator[Hit]:
    where = ("spec", "schedule")
    schedule = spec.get("schedule")
    if schedule is None or schedule == "":
        yield Hit(("spec",), f"{required(where)} (a CronJob needs a schedule)", anchor="key")
        return
    if not isinstance(schedule, str) or filled_in_later(schedule):
        return
    if "TZ" in schedule:  # strings.Contains(schedule, "TZ"), as validateScheduleFormat tests it
        detail = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
        yield Hit(where, f"{invalid(where, schedule, detail)} (refused on create since Kubernetes 1.27: move the "
                  "zone to spec.timeZone)", anchor="value")
        return
    problem = schedule_problem(schedule)
    if problem is not None:
        yield Hit(where, f"{invalid(where, schedule, problem)} (five fields: minute 0-59, hour 0-23, day of month "
                  "1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT)", anchor="value")


def check_object(obj: K8sObject, knowledge: Mapping[str, Any]) -> Iterator[Hit]:
    """Schedule, time zone, concurrency policy and the history limits (the 52-character name is
    ``metadata.py``'s)."""
    if obj.kind != "CronJob" or obj.api_group != "batch" or decoded_by_api_server(obj):
        return  # the server validated a decoded one already (and lets an old TZ schedule be updated)
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        return
    yield from _schedule_hits(spec)
    yield from _time_zone_hits(spec.get("timeZone"))
    policy = spec.get("concurrencyPolicy")
    if isinstance(policy, str) and policy and policy not in CONCURRENCY_POLICIES and not filled_in_later(policy):
        where = ("spec", "concurrencyPolicy")
        yield Hit(where, f"{not_supported(where, policy, CONCURRENCY_POLICIES)} (concurrencyPolicy is "
                  "case-sensitive)", anchor="value")
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        value = spec.get(key)
        if is_int(value) and value < 0:
            yield Hit(("spec", key), invalid(("spec", key), value, "must be greater than or equal to 0"),
                      anchor="value")
