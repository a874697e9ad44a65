"""The one escaping function for every string from input that podlint prints, and the guards of its output.

Names, values, keys, paths, file names, messages quoting values, configuration and policy text:
all of it may come from the pull request of a stranger. Printed raw, a newline can start a line
that GitHub Actions runs as a workflow command (`::error ...`, `::add-mask::`, `::stop-commands::`),
an escape sequence can rewrite the terminal or its clipboard (OSC 52), and a bidi control (U+202E)
can make a line read as something else. So reporters pass every such string through `visible`,
which shows control and invisible characters as escapes (`\\n`, `\\x1b`, `\\u202e`), and the
line-oriented outputs pass each line through `guard_line`. Findings themselves stay raw (fixes and
baselines match the real values); escaping happens only where text leaves podlint.

No `re`: a one-file lint does not otherwise import it; `str.isprintable` (C) answers for the
common case, a string with nothing to escape, without a copy.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Workflow commands of the runner's older syntax (`##[add-mask]...`) are recognised anywhere in a
# line, and Azure Pipelines' (`##vso[...]`) too; the `[` is shown escaped, so neither can start.
_LEGACY_COMMANDS = (("##[", "##\\x5b"), ("##vso[", "##vso\\x5b"))
ELLIPSIS = "…"


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str, newlines: bool = False) -> str:
    """`text` with every character that is not printable shown as an escape: C0 and C1 controls,
    DEL, bidi and other format characters (U+200B..U+200F, U+202A..U+202E, U+2066..U+2069,
    U+FEFF), line and paragraph separators, spaces other than U+0020, unassigned code points and
    lone surrogates. With `newlines`, `\\n` stays a line break (multi-line documentation, error
    messages that quote an expression); each line still needs `guard_line` where lines matter.
    """
    if text.isprintable() and "##" not in text:
        return text
    out = []
    for char in text:
        if char.isprintable() or (newlines and char == "\n"):
            out.append(char)
        else:
            out.append(_escape(char))
    escaped = "".join(out)
    if "##" in escaped:
        for command, shown in _LEGACY_COMMANDS:
            escaped = escaped.replace(command, shown)
    return escaped


def guard_line(line: str) -> str:
    """A line of output that cannot be read as a workflow command: the runner trims leading white
    space and runs any line that then starts with `::`. Such a line's first colon is shown escaped."""
    stripped = line.lstrip()
    if stripped.startswith("::"):
        return line[:len(line) - len(stripped)] + "\\x3a" + stripped[1:]
    return line


def safe_lines(text: str) -> str:
    """Multi-line text from input (a usage error quoting a file, a rule's documentation) made safe
    to print: escapes as `visible` with its line breaks kept, and every line guarded."""
    return "\n".join(guard_line(line) for line in visible(text, newlines=True).split("\n"))


# Text output: a value of a manifest can be megabytes long (a name, a label, an inline script).
LONG_WORD = 120  # a run of non-blank characters longer than this is cut in the middle
LONG_TEXT = 1000  # and a whole string longer than this


def shorten(text: str, word: int = LONG_WORD, limit: int = LONG_TEXT) -> str:
    """`text` for a terminal: each over-long run of non-blank characters cut to its start and end
    around an ellipsis (a quoted value keeps its closing quote and what follows it), then the whole
    cut the same way if still over `limit`. Apply before `visible`, so that no escape is cut in two."""
    if len(text) <= word:
        return text
    return _cut(" ".join(_cut(part, word) for part in text.split(" ")), limit)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    tail = max(limit // 6, 1)
    return f"{text[:limit - tail - 1]}{ELLIPSIS}{text[-tail:]}"


def shown(text: str) -> str:
    """A string from input as the text report prints it: shortened, then made visible."""
    return visible(shorten(text))


def json_safe(encoded: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with no raw character a terminal or CI
    log would act on: json escapes C0 controls itself, but leaves DEL, C1 controls, bidi and other
    format characters, line separators and lone surrogates raw, and `##[` intact. Those become
    `\\uXXXX` escapes, which decode to the same strings; the readable non-ASCII text stays as it is.
    Every such character stands inside a JSON string (the structure is ASCII), so the result is
    the same JSON value."""
    if "##" not in encoded and encoded.replace("\n", "").isprintable():
        return encoded
    out = []
    for char in encoded:
        if char.isprintable() or char == "\n":
            out.append(char)
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:  # a surrogate pair, as JSON spells a character beyond the first plane
            code = ord(char) - 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
    text = "".join(out)
    return text.replace("##[", "##\\u005b").replace("##vso[", "##vso\\u005b") if "##" in text else text
