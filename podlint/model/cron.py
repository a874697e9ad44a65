"""CronJob schedules, parsed as the API server parses them (robfig/cron v3 `ParseStandard`).

No Python cron library has the same grammar (croniter accepts a seconds field and `7` for
Sunday, both of which the API server rejects), so the grammar is written out here: five
fields or an `@` descriptor, with the parser's own error texts.
"""

from __future__ import annotations

from dataclasses import dataclass

from podlint.patterns import lazy

_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_DAYS = {name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_DURATION = lazy(r"^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$")
_ATOI = lazy(r"^[-+]?\d+$")


@dataclass(frozen=True, slots=True)
class _Bounds:
    low: int
    high: int
    names: dict[str, int] | None = None


# minute, hour, day of month, month, day of week
_FIELDS = (_Bounds(0, 59), _Bounds(0, 23), _Bounds(1, 31), _Bounds(1, 12, _MONTHS), _Bounds(0, 6, _DAYS))


class ScheduleError(ValueError):
    pass


def _int(text: str) -> int:
    if not _ATOI.match(text):
        raise ScheduleError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax')
    if len(text.lstrip("+-").lstrip("0")) > 19:  # beyond int64 (and Python's int() refuses 4,300 digits)
        shown = text if len(text) <= 40 else f"{text[:40]}…"
        raise ScheduleError(f'failed to parse int from {shown}: strconv.Atoi: parsing "{shown}": value out of range')
    number = int(text)
    if number < 0:
        raise ScheduleError(f"negative number ({number}) not allowed: {text}")
    return number


def _int_or_name(text: str, bounds: _Bounds) -> int:
    if bounds.names is not None and text.lower() in bounds.names:
        return bounds.names[text.lower()]
    return _int(text)


def _check_range(expression: str, bounds: _Bounds) -> None:
    range_and_step = expression.split("/")
    low_and_high = range_and_step[0].split("-")
    if low_and_high[0] in ("*", "?"):
        start, end = bounds.low, bounds.high
    else:
        start = _int_or_name(low_and_high[0], bounds)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], bounds)
        else:
            raise ScheduleError(f"too many hyphens: {expression}")
    step = 1
    if len(range_and_step) == 2:
        step = _int(range_and_step[1])
        if len(low_and_high) == 1:  # `N/step` means `N-max/step`
            end = bounds.high
    elif len(range_and_step) > 2:
        raise ScheduleError(f"too many slashes: {expression}")
    if start < bounds.low:
        raise ScheduleError(f"beginning of range ({start}) below minimum ({bounds.low}): {expression}")
    if end > bounds.high:
        raise ScheduleError(f"end of range ({end}) above maximum ({bounds.high}): {expression}")
    if start > end:
        raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): {expression}")
    if step == 0:
        raise ScheduleError(f"step of range should be a positive number: {expression}")


def check_schedule(schedule: str) -> None:
    """Raise ScheduleError with the parser's message when the API server would reject `schedule`."""
    if not schedule:
        raise ScheduleError("empty spec string")
    spec = schedule
    if spec.startswith(("TZ=", "CRON_TZ=")):  # a time zone prefix (rejected separately by the API server)
        spec = spec.partition(" ")[2].strip()
    if spec.startswith("@"):
        if spec in DESCRIPTORS:
            return
        if spec.startswith("@every "):
            duration = spec[len("@every "):]
            if not _DURATION.match(duration):
                raise ScheduleError(f'failed to parse duration {spec}: time: invalid duration "{duration}"')
            return
        raise ScheduleError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    for text, bounds in zip(fields, _FIELDS, strict=True):
        for expression in (part for part in text.split(",") if part):
            _check_range(expression, bounds)
