"""The last line of defence against a hang: a wall-clock limit on every step of a file and on every file.

Each hostile input has its own bound (reading limits, quantities, RE2, CEL cost budgets), so
this should never fire; it is there for what those bounds miss. It costs one counter bump per
step, no thread and no timer call per object: while a run is `running()`, a periodic SIGALRM
(every `PERIOD` seconds) looks at the step counter, and when the same step (a rule on one
object, the schema check of one object, reading a file) has been running for `STEP_SECONDS`, or
the same file for `FILE_SECONDS`, it raises `Overtime` in the Python code it interrupted. The
engine catches it where it catches a rule's bug, reports a finding naming the rule and the
object (or the file), and goes on with the next rule, object or file.

Where it is safe: only in the main thread (signals are delivered there), only when no other
SIGALRM handler is installed, and only while armed (`armed` is set by the engine around its
steps, so an alarm in the report writer or the language server's own loop does nothing). A
native call that never returns cannot be interrupted by any signal handler: the code paths that
call one (CEL in Rust, libyaml, jsonschema-rs, RE2) are bounded by design, and CEL's comprehensions
check their own budget (`policies/cel_cost.py`). An exception raised inside a callback that a
native library swallows is not lost: `fired` stays set, and the engine checks it after the step.
"""

from __future__ import annotations

import signal
from typing import Any

PERIOD = 0.5
STEP_SECONDS = 3.0
FILE_SECONDS = 20.0


class Overtime(Exception):
    """A step or a file ran past its wall-clock limit."""

    def __init__(self, what: str, seconds: float, whole_file: bool = False) -> None:
        super().__init__(f"{what} ran past {seconds:g} s")
        self.what = what
        self.seconds = seconds
        self.whole_file = whole_file  # the file's limit (else one step's): the rest of the file is not linted


class Watchdog:
    __slots__ = ("armed", "file", "file_seen", "file_strikes", "fired", "seen", "step", "strikes")

    def __init__(self) -> None:
        self.step = 0  # bumped by the engine when a step starts
        self.file = 0  # bumped when a file starts
        self.armed = False
        self.fired: Overtime | None = None
        self.seen = self.file_seen = -1
        self.strikes = self.file_strikes = 0

    def new_file(self) -> None:
        self.file += 1
        self.step += 1
        self.fired = None

    def on_alarm(self, signum: int, frame: Any) -> None:
        if not self.armed or self.fired is not None:
            return
        if self.step != self.seen:
            self.seen, self.strikes = self.step, 0
        else:
            self.strikes += 1
        if self.file != self.file_seen:
            self.file_seen, self.file_strikes = self.file, 0
        else:
            self.file_strikes += 1
        if self.file_strikes * PERIOD >= FILE_SECONDS:
            self.fired = Overtime("linting this file", FILE_SECONDS, whole_file=True)
        elif self.strikes * PERIOD >= STEP_SECONDS:
            self.fired = Overtime("this step", STEP_SECONDS)
        else:
            return
        raise self.fired


WATCHDOG = Watchdog()


def start() -> bool:
    """Start the alarm in this process, where it is safe (see above); True if it was started."""
    if not hasattr(signal, "setitimer"):
        return False
    if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None):
        return False  # someone else's alarm (or ours, already running): leave it alone
    try:
        signal.signal(signal.SIGALRM, WATCHDOG.on_alarm)
    except ValueError:  # not the main thread (asking `threading` would cost ~1 ms of every start)
        return False
    signal.setitimer(signal.ITIMER_REAL, PERIOD, PERIOD)
    return True


def stop() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)


class running:  # lower case: used as a function, `with watchdog.running():`
    """Keep the alarm going for a run (nested uses share the outer one)."""

    __slots__ = ("started",)

    def __enter__(self) -> None:
        self.started = start()

    def __exit__(self, *exc: object) -> None:
        if self.started:
            stop()
