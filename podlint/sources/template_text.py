"""The key structure of a Helm template's text, read line by line without rendering it.

A template is YAML with Go template actions in it. Most lines are still `key: value` or
`- item` lines at their YAML indentation, so the key path of each line can be read from the
text: `spec.template.spec.containers.*.image` for the `image:` line of a container (`*`: an item
of a sequence). Lines that are only actions are either control (`if`, `with`, `range`, `end`:
they change no structure; `with` and `range` change what `.` means) or insertions (`include`,
`toYaml`, `tpl`, usually with `nindent N`) whose output lands at indentation N under the key
above them. `origin.py` looks a rendered finding's path up in this structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Part = str  # a key, or "*" for an item of a sequence
ValuesPath = tuple[str | int, ...]

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_ONLY_ACTIONS = re.compile(r"^\s*(?:\{\{.*?\}\}\s*)+$")
_KEY_LINE = re.compile(r"^(?P<indent>[ ]*)(?P<dashes>(?:-[ ]+)*)"
                       r"""(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{\-?][^#]*?|-[^\s#][^#]*?)"""
                       r"[ ]*:(?:[ ]+(?P<value>.*?))?[ ]*$")
_ITEM_LINE = re.compile(r"^(?P<indent>[ ]*)(?P<dashes>(?:-[ ]+)+|-$)(?P<value>.*?)[ ]*$")
_VALUES_REF = re.compile(r"\$?\.Values((?:\.[A-Za-z_][\w-]*)+)")
_DOT_REF = re.compile(r"(?<![\w$)\]])\.([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)")
_BARE_DOT = re.compile(r"(?:^|[\s(])\.(?:$|[\s)|])")
_INDENT = re.compile(r"\b(n?indent)\s+(\d+)")
_INCLUDE = re.compile(r"""\b(?:include|template)\s+"([^"]+)"\s*""")
_CONTROL = ("if", "else", "end", "with", "range", "define", "block", "/*", "-/*")
_DOC_MARKER = re.compile(r"^---(?:\s|$)")
_BLOCK_SCALAR = re.compile(r"^[|>][-+0-9]*\s*(?:#.*)?$")


@dataclass(slots=True)
class Line:
    """A `key: value` or `- item` line of a template."""

    number: int  # 1-based, in the file
    path: tuple[Part, ...]  # from the document's root (or the `define`'s)
    key: str | None  # None: a sequence item without a key (`- value`)
    column: int  # 1-based column of the key, or of the item's value
    end_column: int  # exclusive end of the key (or value)
    value_column: int | None  # where the value starts on this line
    value: str  # the value as written ("" for none)
    context: ValuesPath | None  # what `.` stands for (a `.Values` path) under `with` / `range`
    ordinals: tuple[int | None, ...] = ()  # for each `*` of `path`: the item's position, None when unsure
    items: tuple[int, ...] = ()  # for each `*` of `path`: which item of the text it is (lines of one item share it)

    @property
    def actions(self) -> list[str]:
        return _ACTION.findall(self.value)


@dataclass(slots=True)
class Insertion:
    """An action on a line of its own that outputs YAML (`include ... | nindent 8`, `toYaml .Values.x`)."""

    number: int
    parent: tuple[Part, ...]  # the key path its output lands under
    action: str
    context: ValuesPath | None

    @property
    def include(self) -> str | None:
        match = _INCLUDE.search(self.action)
        return match.group(1) if match else None


@dataclass(slots=True)
class Skeleton:
    """One YAML document of a template (between `---` lines), or the body of a `define`."""

    first_line: int
    lines: list[Line] = field(default_factory=list)
    insertions: list[Insertion] = field(default_factory=list)
    dynamic: bool = False  # a control action stands between items or documents: positions may shift

    def at(self, path: tuple[Part, ...]) -> list[Line]:
        return [line for line in self.lines if line.path == path]

    def kind(self) -> str | None:
        found = self.at(("kind",))
        if len(found) == 1 and not found[0].actions:
            return _unquote(found[0].value)
        return None

    def first(self) -> Line | None:
        return self.lines[0] if self.lines else None


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def values_refs(action_text: str, context: ValuesPath | None) -> list[ValuesPath]:
    """The `.Values` paths an action (or a line's value) reads, `.` under `with`/`range` resolved."""
    refs: list[ValuesPath] = [tuple(match.group(1).split(".")[1:]) for match in _VALUES_REF.finditer(action_text)]
    if context is not None:
        stripped = _VALUES_REF.sub("", action_text)
        stripped = re.sub(r"\$\w*(?:\.[\w-]+)*|\.(?:Release|Chart|Capabilities|Template|Files)\b(?:\.[\w-]+)*", "",
                          stripped)
        stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', stripped)
        for match in _DOT_REF.finditer(stripped):
            refs.append((*context, *match.group(1).split(".")))
        if _BARE_DOT.search(stripped):
            refs.append(context)
    return refs


class _Block:
    """An open `if` / `with` / `range`: the `.` outside it, and the frame its first line landed under."""

    __slots__ = ("context", "level", "word")

    def __init__(self, word: str, context: ValuesPath | None) -> None:
        self.word = word
        self.context = context
        self.level: _Frame | None = None


def _settle(blocks: list[_Block], parent: _Frame | None) -> None:
    """The first line after a control action tells at which level its lines stand."""
    for block in blocks:
        if block.level is None and parent is not None:
            block.level = parent


class _Frame:
    __slots__ = ("dynamic", "identity", "indent", "items", "ordinal", "part")
    count = 0

    def __init__(self, indent: int, part: Part, ordinal: int | None = None) -> None:
        self.indent = indent
        self.part = part
        self.ordinal = ordinal  # a sequence item's position among its siblings (None: unsure)
        _Frame.count += 1
        self.identity = _Frame.count
        self.items = 0  # sequence items seen under it
        self.dynamic = False  # a control or insertion action stood among its children


def _context_of(action: str, context: ValuesPath | None) -> ValuesPath | None:
    """What `.` becomes inside `with X` / `range X` (None when X is not a `.Values` path)."""
    words = action.split(None, 1)
    target = words[1] if len(words) > 1 else ""
    target = target.split(":=", 1)[1] if ":=" in target else target
    target = target.strip()
    match = _VALUES_REF.fullmatch(target.split("|", 1)[0].strip())
    if match is not None:
        path: ValuesPath = tuple(match.group(1).split(".")[1:])
    elif target.startswith(".") and context is not None and re.fullmatch(r"\.[\w.-]+", target.split()[0]):
        path = (*context, *target.split()[0][1:].split("."))
    else:
        return None
    return (*path, "*") if words[0] == "range" else path


def skeletons(text: str) -> list[Skeleton]:
    """The documents of a template, in order."""
    return _read(text.splitlines(), 0, split_documents=True)


def defines(text: str) -> dict[str, Skeleton]:
    """`{{ define "name" }} ... {{ end }}` bodies of a helpers file, each with paths from its own root."""
    lines = text.splitlines()
    found: dict[str, Skeleton] = {}
    depth = 0
    name: str | None = None
    start = 0
    for index, line in enumerate(lines):
        for action in _ACTION.findall(line):
            word = action.split(None, 1)[0] if action.split() else ""
            if word == "define" and depth == 0:
                match = re.match(r'define\s+"([^"]+)"', action)
                name, start, depth = (match.group(1) if match else None), index + 1, 1
            elif word in ("if", "with", "range", "block", "define") and depth:
                depth += 1
            elif word == "end" and depth:
                depth -= 1
                if depth == 0 and name is not None:
                    body = _read(lines[start:index], start, split_documents=False)
                    if body:
                        found[name] = body[0]
                    name = None
    return found


def _read(lines: list[str], offset: int, split_documents: bool) -> list[Skeleton]:
    documents = [Skeleton(offset + 1)]
    stack: list[_Frame] = []
    blocks: list[_Block] = []  # open control actions
    context: ValuesPath | None = None
    scalar_indent: int | None = None  # inside a block scalar deeper than this indent
    base = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip() and not
                _ONLY_ACTIONS.match(line)), default=0) if not split_documents else 0
    for index, raw in enumerate(lines):
        number = offset + index + 1
        line = raw.rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" ")) - base
        if scalar_indent is not None:
            if indent > scalar_indent and not _ONLY_ACTIONS.match(line):
                continue
            if indent > scalar_indent:
                continue
            scalar_indent = None
        stripped = line.strip()
        if split_documents and _DOC_MARKER.match(stripped):
            documents.append(Skeleton(number + 1))
            stack.clear()
            continue
        if stripped.startswith("#"):
            continue
        document = documents[-1]
        if _ONLY_ACTIONS.match(line):
            for action in _ACTION.findall(line):
                words = action.split()
                word = words[0] if words else ""
                if word.startswith(("/*", "-/*")):
                    continue
                if word in ("if", "with", "range", "define", "block"):
                    blocks.append(_Block(word, context))
                    if word in ("with", "range"):
                        context = _context_of(action, context)
                    if word != "if" and len(documents) > 1:
                        document.dynamic = True
                elif word in ("end", "else"):
                    if blocks:
                        block = blocks[-1]
                        if block.level is not None:
                            block.level.dynamic = True  # its items may be there or not: later positions shift
                        if word == "end":
                            context = blocks.pop().context
                        else:
                            block.level = None
                            context = block.context if block.word == "with" else context
                else:
                    match = _INDENT.search(action)
                    at = int(match.group(2)) - base if match else indent
                    parents = [frame for frame in stack if frame.indent < at]
                    if parents:
                        parents[-1].dynamic = True  # it may add items to the list it lands in
                    document.insertions.append(Insertion(number, tuple(f.part for f in parents), action, context))
            continue
        match = _KEY_LINE.match(line)
        item = _ITEM_LINE.match(line) if match is None else None
        if match is None and item is None:
            continue  # a continuation of a flow value or a multi-line scalar
        found = match or item
        assert found is not None
        column = indent
        dashes = found.group("dashes") or ""
        position = column
        for dash in re.findall(r"-[ ]*", dashes):
            while stack and (stack[-1].indent > position or (stack[-1].indent == position
                                                             and stack[-1].part == "*")):
                stack.pop()
            parent = stack[-1] if stack else None
            _settle(blocks, parent)
            ordinal = parent.items if parent is not None else 0
            reliable = parent is None or not (parent.dynamic or any(b.level is parent for b in blocks))
            if parent is not None:
                parent.items += 1
            stack.append(_Frame(position, "*", ordinal if reliable else None))
            position += len(dash)
        if match is not None:
            key_text = match.group("key")
            key = _unquote(key_text) if "{{" not in key_text else None
            while stack and stack[-1].indent >= position:
                stack.pop()
            _settle(blocks, stack[-1] if stack else None)
            frame_ordinals = _ordinals(stack)
            value = match.group("value") or ""
            value_column = match.start("value") + 1 + base if match.group("value") else None
            start = match.start("key") + 1 + base
            path = (*(frame.part for frame in stack), key if key is not None else "{{}}")
            document.lines.append(Line(number, path, key, start, start + len(key_text), value_column, value,
                                       context, tuple(frame_ordinals), _items(stack)))
            stack.append(_Frame(position, key if key is not None else "{{}}"))
            if _BLOCK_SCALAR.match(value):
                scalar_indent = position
        else:
            assert item is not None
            value = item.group("value")
            frame_ordinals = _ordinals(stack)
            path = tuple(frame.part for frame in stack)
            start = item.start("value") + 1 + base
            if value and not value.startswith("#"):
                document.lines.append(Line(number, path, None, start, start + len(value), start, value, context,
                                           tuple(frame_ordinals), _items(stack)))
    return [document for document in documents if document.lines or document.insertions]


def _ordinals(stack: list[_Frame]) -> list[int | None]:
    """The ordinals of the open sequence items, as recorded when each was opened."""
    return [frame.ordinal for frame in stack if frame.part == "*"]


def _items(stack: list[_Frame]) -> tuple[int, ...]:
    return tuple(frame.identity for frame in stack if frame.part == "*")
