"""A ``--config`` file that is not valid YAML: one error naming the file as given, the line and column, the
line itself with a mark under the place, and the fix of the slip found there (a missing space after a
colon, a tab, an unclosed list, mapping or quote, a key indented apart from its mapping, an unquoted
``*.wav``), for every command; PyYAML's own message, under jsonargparse's "Problems parsing config", said
``"<unicode string>", line 4`` and named no file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ssm_ts.errors import ConfigError
from ssm_ts.short_parse_errors import colon_space_hint
from ssm_ts.tasks.config_use import config_values

# a block key written without the space after its colon (``horizon:26``, ``- lookback:[1, 2]``): YAML reads
# the line as text. Not a URL (``sqlite:///``), a Windows path (``C:\``) or a time (``12:30``).
_BLOCK_KEY_NO_SPACE = re.compile(r"^\s*(?:-\s+)?([A-Za-z_]\w*):([^\s/\\].*?)\s*(?:#.*)?$")
# a block line ``key: value`` (``- key: value``): its key's indent and where its value starts
_BLOCK_KEY = re.compile(r"^(\s*(?:-\s+)?)([^\s#'\"][^:#]*?):(?:\s+|$)")
_OPENERS = {"[": ("list", "]"), "{": ("mapping", "}")}
# characters YAML reserves at the start of a plain value: a glob's *, an e-mail's @
_RESERVED_STARTS = {
    "*": "the start of an alias",
    "&": "the start of an anchor",
    "@": "a reserved character",
    "`": "a reserved character",
    "!": "the start of a tag",
}
READ_AS_TEXT = "text, not a key with a value"


class ConfigYAMLError(ConfigError):
    """A ``--config`` file that is not valid YAML: a parse error of the command (exit code 2), as a wrong
    option is (:func:`yaml_parse_error`)."""


def yaml_parse_error(prog: str, error: ConfigYAMLError) -> str:
    """What command ``prog`` (``ssm-ts forecast fit``) prints for ``error``, in the form of its other parse
    errors: ``PROG: error: ...``, the lines that show the place and the fix, and where the options are."""
    return f"{prog}: error: {error}\n\n{prog} --help lists every option\n"


def check_config_yaml(args: list[str]) -> None:
    """Refuse each ``--config`` file of ``args`` that is not valid YAML (:func:`yaml_error_text`); values
    that are no file (YAML given inline, a shipped config's name) and files not read as UTF-8 are left to
    the checks that name them.

    Raises:
        ConfigYAMLError: naming the file as given, the line and column, and the fix.
    """
    for value in config_values(args):
        path = Path(value).expanduser()
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        error = _syntax_error(text, _parser_loader())
        if error is not None:
            raise ConfigYAMLError(yaml_error_text(value, text, _explained_error(text, error)))


def _syntax_error(text: str, loader: Any = None) -> Any:
    """The :class:`yaml.YAMLError` of composing ``text`` (the syntax only: values are the parser's to
    check) with ``loader`` (PyYAML's own by default), or ``None`` when it is valid YAML."""
    import yaml

    try:
        yaml.compose(text, Loader=loader or yaml.SafeLoader)
    except yaml.YAMLError as error:
        return error
    return None


def _explained_error(text: str, error: Any) -> Any:
    """The error to explain of ``text``, which the parser's loader refused with ``error``: PyYAML's own where
    it stops at the same line (its messages name the character: ``'\\t'``), else ``error``: PyYAML's own
    loader may stop earlier, at a tab that the parser's takes."""
    own = _syntax_error(text)
    at = getattr(error, "problem_mark", None)
    own_at = getattr(own, "problem_mark", None)
    if own is None or at is None or (own_at is not None and own_at.line >= at.line):
        return own or error
    return error


def _parser_loader() -> Any:
    """The YAML loader jsonargparse reads a config with: libyaml's where PyYAML has it, which takes a tab
    after a colon, before a comment or in a JSON config's indent that PyYAML's own refuses."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_error_text(given: str, text: str, error: Any) -> str:
    """What a YAML syntax ``error`` (a :class:`yaml.MarkedYAMLError`) in the text of ``--config given`` says:
    ``--config X is not valid YAML: line L, column C: <what>``, the line with a ``^`` under the place, then
    the fix where the slip is a known one."""
    lines = text.splitlines()
    explained = _explain(lines, error) if hasattr(error, "problem_mark") else _unreadable(text, error)
    line, column, what, fix = explained
    shown = _line(lines, line).replace("\t", " ")  # one column each, as YAML counts
    head = f"--config {given} is not valid YAML: line {line + 1}, column {column + 1}: {what}"
    excerpt = [f"  {line + 1:>4} | {shown}", f"  {'':>4} | {' ' * column}^"] if shown.strip() else []
    return "\n".join([head, *excerpt, *([f"  {fix}"] if fix else [])])


def _explain(lines: list[str], error: Any) -> tuple[int, int, str, str]:
    """``(line, column, what is wrong, the fix)`` of a YAML ``error`` in ``lines`` (0-based line and column)."""
    problem, context = str(error.problem or ""), str(error.context or "")
    mark, opened = error.problem_mark, error.context_mark
    at = (mark.line, mark.column) if mark is not None else (0, 0)
    where = f"{problem} ({context})" if context and opened is None else problem
    if opened is not None and context:
        where += f" ({context} at line {opened.line + 1}, column {opened.column + 1})"
    if "'\\t'" in problem:
        return (
            *at,
            "a tab, which YAML does not take there",
            "YAML indents with spaces, not tabs: replace the tab with spaces",
        )
    if opened is not None and context.startswith("while parsing a flow"):
        kind, closer = _OPENERS.get(_char(lines, opened.line, opened.column), ("list", "]"))
        fix = f"close the {kind} with '{closer}' after its last item (its items are separated by ', ')"
        found = f"the {kind} that opens here is not closed ({problem} at line {mark.line + 1})"
        return opened.line, opened.column, found, fix
    if opened is not None and "quoted scalar" in context:
        quote = _char(lines, opened.line, opened.column)
        return (
            opened.line,
            opened.column,
            f"the quote {quote} that opens here is not closed",
            (f"end the value with {quote}, or drop the quote"),
        )
    starts = _reserved_start(problem, context)
    if starts is not None:  # pattern: *.wav, at its first character
        line, column = (opened.line, opened.column) if opened is not None else at
        return line, column, where, _quote_fix(_line(lines, line), starts)
    colon = _colon_space_line(lines, at[0], opened.line if opened is not None else None)
    if colon is not None:
        found = _BLOCK_KEY_NO_SPACE.match(lines[colon])
        hint = colon_space_hint(f"'{found.group(1)}:{found.group(2)}'", read_as=READ_AS_TEXT).strip()
        return colon, found.end(1), f"{found.group(1)}:{found.group(2)} has no space after its colon", hint
    if problem == "mapping values are not allowed here":
        return *at, where, _mapping_value_fix(lines, *at)
    if "expected <block end>" in problem:
        return *at, where, _block_end_fix(lines, at[0], problem)
    if "could not find expected ':'" in problem:
        return *at, where, "write each setting as name: value (a colon and a space after the name)"
    if "another document" in problem:
        return *at, "a second YAML document ('---')", "a config is one document: remove the '---' line"
    return *at, where, "fix the YAML there (ssm-ts configs copy NAME writes a shipped config to start from)"


def _unreadable(text: str, error: Any) -> tuple[int, int, str, str]:
    """``(line, column, what is wrong, the fix)`` of a character YAML reads no file with (a
    :class:`yaml.reader.ReaderError`: a control character such as a bell or an escape)."""
    position = int(getattr(error, "position", 0) or 0)
    before = text[:position]
    line = before.count("\n")
    column = position - (before.rfind("\n") + 1)
    code = getattr(error, "character", "")
    shown = f"#x{ord(code):04x}" if isinstance(code, str) and code else f"#x{int(code or 0):04x}"
    return (
        line,
        column,
        f"a control character ({shown}), which YAML does not take in a file",
        "remove the character (an editor shows it as ^ or a box; a copy from a terminal may hold one)",
    )


def _line(lines: list[str], line: int) -> str:
    """Line ``line`` of ``lines`` (``""`` past the end: YAML marks the end of the text there)."""
    return lines[line] if line < len(lines) else ""


def _char(lines: list[str], line: int, column: int) -> str:
    """The character at ``(line, column)`` of ``lines`` (``""`` past the end)."""
    return _line(lines, line)[column : column + 1]


def _reserved_start(problem: str, context: str) -> str | None:
    """The character YAML reserves (:data:`_RESERVED_STARTS`) that a value started with, as its ``problem``
    and ``context`` tell (``while scanning an alias``; ``found character '@' that cannot start any token``)."""
    if "undefined alias" in problem:
        return "*"
    for start, meaning in _RESERVED_STARTS.items():
        if f"found character '{start}'" in problem or context.endswith(meaning.split()[-1]):
            return start
    return None


def _quote_fix(line: str, start: str) -> str:
    """How to write a ``key: value`` line whose value starts with YAML's reserved ``start`` (``*.wav``)."""
    found = _BLOCK_KEY.match(line)
    value = line[found.end() :].strip() if found else ""
    quoted = f"{found.group(2).strip()}: '{value}'" if found and value else "'...'"
    return (
        f"quote a value that starts with {start} (YAML reads {start} as {_RESERVED_STARTS[start]}): {quoted}"
    )


def _colon_space_line(lines: list[str], line: int, opened: int | None) -> int | None:
    """The nearest line at or above ``line`` (not above ``opened``, nor more than 3 lines up) whose key
    lacks the space after its colon; ``None`` when there is none."""
    first = max(0, line - 3 if opened is None else opened)
    for index in range(min(line, len(lines) - 1), first - 1, -1):
        if _BLOCK_KEY_NO_SPACE.match(lines[index]):
            return index
    return None


def _mapping_value_fix(lines: list[str], line: int, column: int) -> str:
    """The fix of YAML's "mapping values are not allowed here" at ``(line, column)``: a value holding ``': '``
    (quote it), a line above without ``': '`` that YAML joined to this one, or a key indented under a value."""
    text = _line(lines, line)
    key = _BLOCK_KEY.match(text)
    if key is not None and column > key.end(2):  # path: a: b
        return f"quote a value that holds ': ': {key.group(2).strip()}: '{text[key.end() :].strip()}'"
    above = _previous_line(lines, line)
    if above is not None and _BLOCK_KEY.match(lines[above]) is None:
        return (
            f"line {above + 1} ({lines[above].strip()!r}) is no name: value, so YAML reads it and line "
            f"{line + 1} as one text: write it as name: value, or remove it"
        )
    if above is not None and _indent(text) > _indent(lines[above]):
        return (
            f"line {line + 1} is indented more than line {above + 1} above it: give the keys of one mapping "
            "the same indent, with spaces"
        )
    return "quote a value that holds ': ', and give each name: value its own line"


def _block_end_fix(lines: list[str], line: int, problem: str) -> str:
    """The fix of YAML's "expected <block end>": a list item or a key at an indent no mapping above has."""
    if problem.endswith("'-'"):
        return (
            "a list item (- ...) is where a key was expected: indent the items under their key "
            "(key: on a line, '  - item' below it)"
        )
    above = _previous_line(lines, line)
    shown = f" (line {above + 1} has {_indent(lines[above])})" if above is not None else ""
    return (
        f"line {line + 1}'s indent ({_indent(_line(lines, line))} spaces) is that of no mapping above it{shown}: "
        "give the keys of one mapping the same indent, with spaces"
    )


def _previous_line(lines: list[str], line: int) -> int | None:
    """The nearest line above ``line`` holding more than a comment."""
    for index in range(min(line, len(lines)) - 1, -1, -1):
        if lines[index].strip() and not lines[index].lstrip().startswith("#"):
            return index
    return None


def _indent(line: str) -> int:
    """The spaces ``line`` starts with."""
    return len(line) - len(line.lstrip(" "))
