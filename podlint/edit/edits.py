"""Minimal text edits that make one change to a YAML or JSON document and touch nothing else.

Fixes are computed from libyaml's node marks instead of dumping the data again: a round trip
through a YAML library rewrites indentation, quoting, block scalars and spacing of parts it
never meant to change, while an edit of a few characters leaves every other byte as it was.

Every helper returns a `Fix` only after checking that the edited document reads back, with
the linter's own reader, to exactly the intended data. Whatever it cannot do exactly (a field
that comes from a merge key or an alias, an unusual layout) gets no fix rather than a guess.
"""

from __future__ import annotations

import bisect
import copy
import functools
import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from podlint.findings import Edit, FieldPath, Fix
from podlint.model.objects import K8sObject
from podlint.patterns import lazy
from podlint.reading.parse import Document, GoYamlResolver, parse_text

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# A plain scalar that needs no quotes: no indicator first, nothing YAML would read specially.
_PLAIN = lazy(r"^(?:[A-Za-z0-9_/.]|-(?=[A-Za-z0-9]))[A-Za-z0-9_./-]*$")
_RESOLVER = GoYamlResolver()

Change = Callable[[Any], None]  # the intended change, applied to a copy of the document's data
_Splice = tuple[int, int, str]  # replace text[start:end] (absolute character offsets)


class _Lines:
    """Offsets <-> 0-based (line, column) of one text; lines end at `\\n`, columns count characters."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.newline = "\r\n" if "\r\n" in text else "\n"  # what inserted lines end with

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]

    def offset(self, line: int, column: int) -> int:
        return self.starts[line] + column


@functools.lru_cache(maxsize=4)
def lines_of(text: str) -> _Lines:
    return _Lines(text)


def render_scalar(value: str, like: ScalarNode | None = None, json_style: bool = False) -> str:
    """`value` as a YAML string scalar, quoted like its neighbour `like` (JSON: always double quotes)."""
    style = like.style if like is not None else None
    if json_style or style == '"':
        return json.dumps(value, ensure_ascii=False)
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if _PLAIN.match(value) and _plain_is_string(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _plain_is_string(value: str) -> bool:
    """Whether Kubernetes reads the plain scalar as a string (not `yes`, `null`, `1e3`...)."""
    tag: str = _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR_TAG


def _key_of(node: Node) -> str | None:
    if isinstance(node, ScalarNode) and node.tag != _MERGE_TAG:
        return str(node.value)
    return None


def _pair_index(mapping: MappingNode, key: str) -> int | None:
    """The index of the mapping's own (not merged) entry for `key`; the last one wins, as in the data."""
    for index in range(len(mapping.value) - 1, -1, -1):
        if _key_of(mapping.value[index][0]) == key:
            return index
    return None


def _node_at(root: Node, path: FieldPath) -> Node | None:
    node = root
    for part in path:
        if isinstance(node, MappingNode) and isinstance(part, str):
            index = _pair_index(node, part)
            if index is None:
                return None
            node = node.value[index][1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _data_at(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


class _Editor:
    """One document of a file: where its nodes stand in the file's text, and how to change them."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.text = document.text
        self.lines = lines_of(self.text)
        # Marks count from the start of the text libyaml read, which begins at `line_offset`.
        self.base = self.lines.starts[document.line_offset]
        self.newline = self.lines.newline
        root = document.root
        self.json_style = (isinstance(root, MappingNode) and bool(root.flow_style) and bool(root.value)
                           and isinstance(root.value[0][0], ScalarNode) and root.value[0][0].style == '"')

    # Positions -------------------------------------------------------------------------------

    def start(self, node: Node) -> int:
        return self.base + node.start_mark.index

    def end(self, node: Node) -> int:
        return self.base + node.end_mark.index

    def content_end(self, node: Node) -> int:
        """Where a node's own text ends (a block collection's end mark lies at the next token)."""
        if not isinstance(node, CollectionNode) or node.flow_style or not node.value:
            return self.end(node)
        last = node.value[-1]
        if isinstance(node, MappingNode):
            return max(self.content_end(last[0]), self.content_end(last[1]))
        return self.content_end(last)

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        """The end of the line holding `offset`, before its line break."""
        end = self.text.find("\n", offset)
        if end < 0:
            return len(self.text)
        return end - 1 if end > 0 and self.text[end - 1] == "\r" else end

    def next_line(self, offset: int) -> int:
        end = self.text.find("\n", offset)
        return len(self.text) if end < 0 else end + 1

    def after_content(self, node: Node, key_start: int) -> int:
        """The start of the line after an entry or item whose content ends in `node`."""
        end = max(self.content_end(node), key_start)
        if end > key_start and self.line_start(end) == end:
            # A block scalar ends at a line start, after its trailing blank lines: leave those.
            while end > key_start:
                previous = self.line_start(end - 1)
                if self.text[previous:end].strip():
                    break
                end = previous
            return end
        return self.next_line(end)

    def _comment_indent(self, start: int, end: int) -> int | None:
        line = self.text[start:end].rstrip("\r\n")
        stripped = line.lstrip(" ")
        return len(line) - len(stripped) if stripped.startswith("#") else None

    def owned_comments_below(self, offset: int, column: int) -> int:
        """Past the comment lines after an entry that are indented deeper than its key."""
        while offset < len(self.text):
            following = self.next_line(offset)
            indent = self._comment_indent(offset, following)
            if indent is None or indent <= column:
                break
            offset = following
        return offset

    def owned_comments_above(self, offset: int, column: int) -> int:
        """Back over the comment lines right above a key, at the key's own indentation."""
        while offset > 0:
            previous = self.line_start(offset - 1)
            if self._comment_indent(previous, offset) != column:
                break
            offset = previous
        return offset

    def separator(self, nodes: list[tuple[Node, Node]], index: int) -> str:
        """The text between flow entries (`, ` or `,\\n    `), copied from a neighbour pair."""
        for left in (index, index - 1):
            if left >= 0 and left + 1 < len(nodes):
                between = self.text[self.end(nodes[left][1]):self.start(nodes[left + 1][0])]
                if "#" not in between and between.strip() == ",":
                    return between
        return ", "

    def column(self, node: Node) -> int:
        return self.start(node) - self.line_start(self.start(node))

    # Checking and packaging --------------------------------------------------------------------

    def fix(self, description: str, splices: list[_Splice], change: Change) -> Fix | None:
        if not splices or not self.reads_back(splices, change):
            return None
        edits = tuple(Edit(self.lines.position(start), self.lines.position(end), text)
                      for start, end, text in sorted(splices))
        return Fix(description, edits)

    def reads_back(self, splices: list[_Splice], change: Change) -> bool:
        """Whether the edited document reads as the original data with `change` made, and nothing else."""
        root = self.document.root
        first = self.start(root)
        start = self.line_start(first) if not self.text[self.line_start(first):first].strip() else first
        end = max(self.end(root), max(stop for _, stop, _ in splices))
        if any(begin < start for begin, _, _ in splices):
            return False
        original = self.text[start:end]
        edited = original
        for begin, stop, text in sorted(splices, reverse=True):
            edited = edited[:begin - start] + text + edited[stop - start:]
        expected = copy.deepcopy(self.document.data)
        try:
            change(expected)
        except (KeyError, IndexError, TypeError):
            return False
        after = parse_text(edited, self.document.file)
        if len(after.documents) != 1 or after.documents[0].data != expected:
            return False
        if not after.findings:
            return True
        # Reading findings (a duplicate key) are fine only if the original had them already.
        before = parse_text(original, self.document.file)
        noticed = Counter((finding.rule, finding.message) for finding in after.findings)
        return not noticed - Counter((finding.rule, finding.message) for finding in before.findings)


# The helpers the checks call. Paths are relative to the object, as in a `Problem`. -------------


def _editor(obj: K8sObject) -> _Editor | None:
    return _Editor(obj.document) if obj.document.text else None


def remove_key(obj: K8sObject, path: FieldPath, description: str) -> Fix | None:
    """Remove the key at `path` with its value, its own comment lines and its trailing comment."""
    editor = _editor(obj)
    full = obj.base + path
    if editor is None or not full or not isinstance(full[-1], str):
        return None
    mapping = _node_at(editor.document.root, full[:-1])
    if not isinstance(mapping, MappingNode):
        return None
    index = _pair_index(mapping, full[-1])
    if index is None:
        return None
    pairs = mapping.value
    key, value = pairs[index]
    key_start = editor.start(key)
    splices: list[_Splice]
    if mapping.flow_style:
        if len(pairs) == 1:
            splices = [(key_start, editor.end(value), "")]
        elif index + 1 < len(pairs):
            splices = [(key_start, editor.start(pairs[index + 1][0]), "")]
        else:
            splices = [(editor.end(pairs[index - 1][1]), editor.end(value), "")]
    else:
        column = editor.column(key)
        line = editor.line_start(key_start)
        end = editor.owned_comments_below(editor.after_content(value, key_start), column)
        if len(pairs) == 1:  # the mapping would be left empty: say so
            splices = [(key_start, max(editor.content_end(value), editor.end(key)), "{}")]
        elif not editor.text[line:key_start].strip():
            splices = [(editor.owned_comments_above(line, column), end, "")]
        else:  # the first key after `- `: what follows (the next key, or a comment) moves up onto the dash line
            following = end + len(editor.text[end:]) - len(editor.text[end:].lstrip())
            splices = [(key_start, following, "")]

    def change(data: Any) -> None:
        del _data_at(data, full[:-1])[full[-1]]

    return editor.fix(description, splices, change)


def insert_item_after(obj: K8sObject, path: FieldPath, value: str, description: str) -> Fix | None:
    """Insert the string `value` into a sequence right after the item at `path`."""
    editor = _editor(obj)
    full = obj.base + path
    if editor is None or not full or not isinstance(full[-1], int):
        return None
    sequence = _node_at(editor.document.root, full[:-1])
    position = full[-1]
    if not isinstance(sequence, SequenceNode) or not 0 <= position < len(sequence.value):
        return None
    item = sequence.value[position]
    rendered = render_scalar(value, item if isinstance(item, ScalarNode) else None, editor.json_style)
    if sequence.flow_style:
        pairs = [(node, node) for node in sequence.value]
        splices = [(editor.end(item), editor.end(item), editor.separator(pairs, position) + rendered)]
    else:
        item_start = editor.start(item)
        line = editor.line_start(item_start)
        dash = editor.text[line:item_start].rstrip(" \t")
        if not dash.endswith("-"):
            return None
        indent = " " * (len(dash) - 1)
        after = editor.after_content(item, item_start)
        if editor.text[:after].endswith("\n"):
            splices = [(after, after, f"{indent}- {rendered}{editor.newline}")]
        else:  # the item ends the file without a line break
            end = editor.line_end(after)
            splices = [(end, end, f"{editor.newline}{indent}- {rendered}")]

    def change(data: Any) -> None:
        _data_at(data, full[:-1]).insert(position + 1, value)

    return editor.fix(description, splices, change)


def set_value(obj: K8sObject, path: FieldPath, value: str, description: str) -> Fix | None:
    """Replace the scalar at `path` with the string `value`, in the same quoting style."""
    editor = _editor(obj)
    full = obj.base + path
    if editor is None or not full or not isinstance(full[-1], str):
        return None
    node = _node_at(editor.document.root, full)
    if not isinstance(node, ScalarNode) or node.style in ("|", ">"):
        return None
    rendered = render_scalar(value, node, editor.json_style)
    start, end = editor.start(node), editor.end(node)
    if start == end and not editor.text[start - 1:start].isspace():  # `key:` with no value
        rendered = " " + rendered

    def change(data: Any) -> None:
        _data_at(data, full[:-1])[full[-1]] = value

    return editor.fix(description, [(start, end, rendered)], change)


def add_key(obj: K8sObject, path: FieldPath, key: str, value: str, description: str,
            after: str | None = None) -> Fix | None:
    """Add `key: value` to the mapping at `path`, after the entry `after` (default: at the end)."""
    editor = _editor(obj)
    full = obj.base + path
    if editor is None:
        return None
    mapping = _node_at(editor.document.root, full)
    if not isinstance(mapping, MappingNode) or _pair_index(mapping, key) is not None:
        return None
    pairs = mapping.value
    index = _pair_index(mapping, after) if after is not None else None
    if index is None:
        index = len(pairs) - 1
    like = pairs[index][0] if pairs and isinstance(pairs[index][0], ScalarNode) else None
    quoted = editor.json_style or (like is not None and like.style == '"')
    entry = f"{render_scalar(key, like, quoted)}: {render_scalar(value, like, quoted)}"
    splices: list[_Splice]
    if not pairs:
        if not mapping.flow_style:
            return None
        inside = editor.start(mapping) + 1
        splices = [(inside, inside, entry)]
    elif mapping.flow_style:
        end = editor.end(pairs[index][1])
        splices = [(end, end, editor.separator(pairs, index) + entry)]
    else:
        anchor_key, anchor_value = pairs[index]
        key_start = editor.start(anchor_key)
        column = editor.column(anchor_key)
        at = editor.owned_comments_below(editor.after_content(anchor_value, key_start), column)
        line = " " * column + entry
        if editor.text[:at].endswith("\n"):
            splices = [(at, at, line + editor.newline)]
        else:
            end = editor.line_end(at)
            splices = [(end, end, editor.newline + line)]

    def change(data: Any) -> None:
        _data_at(data, full)[key] = value

    return editor.fix(description, splices, change)


def apply(text: str, edits: tuple[Edit, ...] | list[Edit]) -> str:
    """The text with non-overlapping edits made (positions are those of the original text)."""
    lines = lines_of(text)
    splices = sorted(((lines.offset(*edit.start), lines.offset(*edit.end), edit.text) for edit in edits),
                     reverse=True)
    for start, end, replacement in splices:
        text = text[:start] + replacement + text[end:]
    return text
