"""`podlint lsp` plus one test-only rule whose findings carry a `Fix`, to test quick fixes end to end.

The rule is real enough: the API server rejects object names with capital letters (RFC 1123).
Run as `python -m tests.lsp_fixing_server` from the repository root.
"""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, object_check
from podlint.findings import Edit, Fix, Severity
from podlint.lsp.server import serve
from podlint.model.objects import K8sObject
from podlint.rules.catalogue import Rule, load_catalogue

RULE = "test-lowercase-name"
DESCRIPTION = "Lowercase the name"


@object_check(RULE)
def lowercase_name(obj: K8sObject, context: Context) -> Iterator[Problem]:
    name = obj.name
    if name != name.lower():
        path = ("metadata", "name")
        span = obj.span(path, "value")
        edit = Edit((span.line - 1, span.column - 1), (span.end_line - 1, span.end_column - 1), name.lower())
        yield Problem(path, f"name {name!r} has capital letters", anchor="value", fix=Fix(DESCRIPTION, (edit,)))


if __name__ == "__main__":
    load_catalogue()[RULE] = Rule(RULE, Severity.ERROR, "A name with capital letters.", "The API server rejects it.",
                                  "Lowercase it.", fixable=True)
    serve()
