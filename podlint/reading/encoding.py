"""Bytes -> text as Kubernetes' YAML reader takes them, with every refusal pinpointed.

go-yaml (and so kubectl and the API server) reads UTF-8, or UTF-16 that starts with a
byte-order mark; so does podlint. Anything else is refused at its first offending byte:
binary data (a NUL), UTF-32, text saved in another encoding (Windows-1252, Latin-1), and
characters YAML forbids (C0/C1 controls, U+FFFE/U+FFFF). YAML breaks lines at CR, CRLF, NEL,
LS and PS; a lone CR, NEL, LS or PS becomes `\\n` (CRLF stays), so that lines end at `\\n` for
podlint as for the reader, and every character keeps its offset: positions in the text the
reader gets are positions in the file's text.

JSON is read by the same YAML reader. kubectl decodes a stream that starts with `{` or `[` as
JSON, which allows two things YAML refuses: raw DEL, C1 controls, NEL, LS, PS and U+FFFE/U+FFFF
inside strings, and escaped UTF-16 surrogates (`\\ud83d\\ude00`). In such a text they become
U+FFFD in place, one character for one and one escape for one, so that no position moves.
"""

from __future__ import annotations

from typing import NamedTuple

from podlint.patterns import lazy

_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
# YAML's printable set (libyaml's reader): tab, LF, CR, NEL and everything from space up,
# except DEL, the C1 controls, surrogates and the two non-characters.
_FORBIDDEN = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_ASCII_ALLOWED = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F)])
_READABLE = "Kubernetes reads UTF-8, or UTF-16 with a byte-order mark; save the file as UTF-8"
_JSON_START = lazy(r"[ \t\r\n]*[{\[]")
_JSON_ONLY_CHARACTERS = lazy("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")
# A `\\uD800`-`\\uDFFF` escape after an even number of backslashes (so it is not itself escaped).
_SURROGATE_ESCAPE = lazy(r"(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_CR = lazy("\r(?!\n)")
_RARE_BREAKS = str.maketrans({"\x85": "\n", "\u2028": "\n", "\u2029": "\n"})


class Refusal(NamedTuple):
    """Why a text cannot be read, and where (1-based line and column, in characters)."""

    message: str
    line: int
    column: int


def point(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of `text[index]` in a text with normalised line breaks."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def normalize_breaks(text: str) -> str:
    """Every YAML line break ending in `\\n`, one character for one (YAML folds them all alike in values)."""
    if "\r" in text:
        text = _LONE_CR.sub("\n", text)
    if not text.isascii():
        text = text.translate(_RARE_BREAKS)
    return text


def yaml_readable(text: str) -> str:
    """The text as the YAML reader must get it: JSON's extra freedoms replaced in place, breaks normalised."""
    if _JSON_START.match(text):
        text = _JSON_ONLY_CHARACTERS.sub("\ufffd", text)
        if "\\" in text:
            text = _SURROGATE_ESCAPE.sub(lambda escape: escape[1] + "\\uFFFD", text)
    return normalize_breaks(text)


def _refuse_at(raw: bytes, offset: int, message: str) -> Refusal:
    prefix = normalize_breaks(raw[:offset].decode("utf-8", "replace"))
    return Refusal(message, *point(prefix, len(prefix)))


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def forbidden_character(text: str) -> Refusal | None:
    """The first character YAML does not allow, if any (the YAML reader would stop there)."""
    if text.isascii() and not text.encode("ascii").translate(None, _ASCII_ALLOWED):
        return None  # the common case, ~10x faster than the search
    match = _FORBIDDEN.search(text)
    if match is None:
        return None
    char = match.group()
    if char == "\x00":
        message = "NUL character: a binary file, not a manifest"
    elif "\ud800" <= char <= "\udfff":
        message = f"lone surrogate {_codepoint(char)}: not valid Unicode text"
    else:
        message = f"control character {_codepoint(char)} is not allowed in YAML: remove it"
    return Refusal(message, *point(text, match.start()))


def decode(raw: bytes) -> str | Refusal:
    """The text of a file, or why it is not a readable manifest."""
    if raw.startswith(_UTF32_BOMS):
        return Refusal(f"UTF-32 text: {_READABLE}", 1, 1)
    if raw.startswith(_UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            prefix = normalize_breaks(raw[: exc.start - exc.start % 2].decode("utf-16", "replace"))
            return Refusal(f"invalid UTF-16: {exc.reason}", *point(prefix, len(prefix)))
        return text
    nul = raw.find(b"\x00")
    if nul >= 0:
        wide = _wide_encoding(raw)
        if wide is not None:
            return Refusal(f"{wide} text without a byte-order mark: {_READABLE}", 1, 1)
        return _refuse_at(raw, nul, "NUL byte: a binary file, not a manifest")
    # As "utf-8-sig" decodes, without that codec's Python-level wrapper; an error's offset and
    # position count from after the byte-order mark, which is not a character of the text.
    body = raw[3:] if raw.startswith(_UTF8_BOM) else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _refuse_at(body, exc.start, f"invalid UTF-8 (byte 0x{body[exc.start]:02x}): manifests must be "
                                           "UTF-8 (was the file saved as Windows-1252 or Latin-1?)")
    return text


def _wide_encoding(raw: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the file starts like ASCII text in that encoding without a BOM."""
    head = raw[:16]
    for width, name in ((4, "UTF-32"), (2, "UTF-16")):
        units = [head[i:i + width] for i in range(0, len(head) - width + 1, width)]
        # One non-zero byte per character, always at the same end of it.
        if units and (all(u[0] and not any(u[1:]) for u in units) or all(u[-1] and not any(u[:-1]) for u in units)):
            return name
    return None
