"""What a jsonargparse parse error says, in a few lines instead of its whole usage: the rewriter shared by
the CLI's parsers (:mod:`ssm_ts.cli.parse_errors`) and ``ssm-ts forecast tune``'s (below the CLI layer).

A wrong type names the option, what it takes and the value given; an unknown option the closest known
ones and the model and data keys; a ``name:value`` lacking YAML's space after the colon how to write it."""

from __future__ import annotations

import difflib
import re
import textwrap
import types
import typing
from collections.abc import Callable
from typing import Any

# option groups that list their keys in a parse error (--trainer has about 40: --help lists them)
LISTED_GROUPS = ("model", "data")


def type_text(hint: Any) -> str:
    """A type hint as a user writes its values: ``list[float] | None`` as ``a list ([a, b]) or null``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None):
        return "null"
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        # the values of every Literal member as one list: precision's 64, "64", "64-true", ...
        values = [v for a in args if typing.get_origin(a) is typing.Literal for v in typing.get_args(a)]
        others = [type_text(a) for a in args if typing.get_origin(a) is not typing.Literal]
        choices = [type_text(typing.Literal[tuple(dict.fromkeys(map(str, values)))])] if values else []
        return " or ".join(dict.fromkeys(choices + others))
    if origin in (list, tuple) or hint in (list, tuple):
        return "a list ([a, b])"
    if origin is dict or hint is dict:
        return "a mapping ({key: value})"
    return {int: "a whole number", float: "a number", str: "text", bool: "true or false"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


# ``name:value`` with no space after the colon, as given in a flow mapping (``{n_kernels:50}``) or quoted
# in an error (``'d_model:16'``): YAML reads it as one key with no value. Not a URL (``sqlite:///``), a
# Windows path (``C:\``), a time (``12:30``) or a path's ``${NAME:-default}`` / ``${NAME:?message}``.
_NO_SPACE_AFTER_COLON = re.compile(
    r"""(?:(?<=(?<!\$)\{)|(?<=['"\[])|(?<=, ))([A-Za-z_]\w*):([^\s/\\,}\]'"][^\s,}\]'"]*)"""
)


def colon_space_hint(text: str, read_as: str = "one key named so, with no value") -> str:
    """A line (with its newline first) saying how to write the first ``name:value`` of ``text`` (an
    error, the value given) that lacks the space after its colon (YAML reads it as ``read_as``); ``""``
    when it has none."""
    found = _NO_SPACE_AFTER_COLON.search(text)
    if found is None:
        return ""
    name, value = found.groups()
    if value[0] in "[{":  # {lr:[1, 2]}: the whole list, not "[1"; an unclosed one's YAML error says so
        value = _bracketed(text, found.start(2))
        if not value:
            return ""
    fixed = _NO_SPACE_AFTER_COLON.sub(r"\1: \2", value)  # the nested ones too: {a: {low: 1, high: 2}}
    written = f"{{{name}: {fixed}}}" if text[found.start() - 1] == "{" else f"{name}: {fixed}"
    return f"\n  write {written}: YAML needs a space after the colon ({name}:{value} is {read_as})"


def _bracketed(text: str, start: int) -> str:
    """The list or mapping that opens at ``text[start]`` (``[1, [2]]``) up to its closing bracket; ``""``
    when none opens there or it is not closed."""
    depth = 0
    for end in range(start, len(text)):
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(text[end], 0)
        if depth <= 0:
            return text[start : end + 1] if end > start else ""
    return ""


def _takes_mapping(hint: Any) -> bool:
    """Whether an option of type ``hint`` takes a mapping (``dict[str, Any] | None``)."""
    if hint is dict or typing.get_origin(hint) is dict:
        return True
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and any(
        _takes_mapping(a) for a in typing.get_args(hint)
    )


def _bare_mapping_hint(hint: Any, message: str) -> str:
    """:func:`colon_space_hint` for a mapping option given ``name:value`` with no braces either
    (``--model.model_options n_kernels:20``, one string to YAML): it says to write ``{n_kernels: 20}``."""
    given = re.search(r"(?:Given value|Got value): (.*)", message)
    if given is None or not _takes_mapping(hint) or given.group(1).strip()[:1] in "{['\"":
        return ""
    return colon_space_hint("{" + given.group(1).strip() + "}", read_as="one string, not a mapping")


def short_parse_error(
    parser: Any,
    message: str,
    usage: str,
    other_uses: Callable[[str], list[str]] = lambda key: [],
    hints: Callable[[str, str], list[str]] = lambda key, given: [],
) -> str:
    """What parse error ``message`` of ``parser`` says, in a few lines: jsonargparse's message, rewritten
    where it is a known one (a wrong type names the option, what it takes and the value given; an unknown
    option the closest known ones, ``other_uses(key)`` and the model and data keys), ``hints(key, given)``
    for an option given a wrong value (the value as given), then ``usage`` (a short usage text) and where
    the full list is."""
    prog = parser.prog.replace(" [options]", "")
    linked = _linked_targets(parser)
    actions = {a.dest: a for a in parser._actions if a.option_strings and a.dest not in linked}
    lines = [f"{prog}: error: {message.strip()}"]
    typed = re.match(r'Parser key "([^"]+)":', message)
    unknown = re.search(r"unrecognized arguments: (--[\w.]+)", message) or re.search(
        r"(?:does not accept option|Option) '([\w.]+)'(?: is not accepted)?", message
    )
    if typed and typed.group(1) in actions:
        key = typed.group(1)
        lines = _wrong_type_lines(prog, key, getattr(actions[key], "_typehint", None), message)
        given = re.search(r"(?:Given value|Got value): (.*)", message)
        lines += hints(key, given.group(1).strip() if given else "")
    elif unknown:
        lines += _unknown_option_lines(unknown.group(1).lstrip("-"), actions, linked, other_uses)
    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        close = difflib.get_close_matches(choice.group(1), re.findall(r"'([^']*)'", choice.group(2)), n=1)
        if close:
            lines.append(f"  did you mean {close[0]}?")
    hint = colon_space_hint(message) or (
        _bare_mapping_hint(getattr(actions[typed.group(1)], "_typehint", None), message)
        if typed and typed.group(1) in actions
        else ""
    )
    if hint:
        lines.append(hint.lstrip("\n"))
    lines += ["", usage.strip()]
    lines.append(f"{prog} --help lists every option")
    return "\n".join(lines) + "\n"


def _linked_targets(parser: Any) -> dict[str, str]:
    """``{target: source}`` of the parser's links: a link's target is set through its source
    (data.lookback follows model.lookback)."""
    links = getattr(parser, "_links_group", None)
    return {
        link.target[0]: link.source[0][0]
        for link in (links._group_actions if links else [])
        if hasattr(link, "target") and len(link.source) == 1
    }


def _wrong_type_lines(prog: str, key: str, hint: Any, message: str) -> list[str]:
    """The lines of a wrong value for option ``key``: what it takes, and the value given or (a class
    refused) why."""
    given = re.search(r"(?:Given value|Got value): (.*)", message)
    what = type_text(hint) if hint is not None else "another value"
    # a class-typed option (--trainer.callbacks): why the class was refused is below the first line
    # (an init argument it does not accept, a wrong value for one, no such import path); the value
    # given is named there, jsonargparse's own "Given value" is an internal NestedArg(...)
    classes = "class_path" in message or "import path" in message
    lines = [
        f"{prog}: error: --{key} takes {what}"
        + (f"; got {given.group(1).strip()!r}" if given and not classes else "")
    ]
    if classes:
        skip = ("Subtypes:", "Given value", "Does not validate against any", "Expected a path but")
        reasons = textwrap.dedent("\n".join(message.strip().splitlines()[1:])).splitlines()
        kept = [line for line in reasons if line.strip() and not line.strip("- ").startswith(skip)]
        if any("import path" in line for line in kept):  # a name that is no class: not also "not None"
            kept = [line for line in kept if "NoneType" not in line]
        lines += [f"  {line}" for line in dict.fromkeys(kept)]  # each reason once (one per subtype tried)
        lines += _class_name_hint(message)
    return lines


# Lightning's callbacks a wrong name's error lists when none is close
COMMON_CALLBACKS = ("EarlyStopping", "ModelCheckpoint", "LearningRateMonitor", "Timer")


def _class_name_hint(message: str) -> list[str]:
    """For a class name that is no import path (``--trainer.callbacks+=EarlyStoping``): the closest of
    Lightning's callbacks, and the form of one's own class."""
    found = re.search(r"Expected a dot import path string: (\S+)", message)
    if found is None:
        return []
    import lightning.pytorch.callbacks as lightning_callbacks

    name = found.group(1)
    known = [n for n in dir(lightning_callbacks) if n[:1].isupper() and n not in ("Callback", "Checkpoint")]
    close = difflib.get_close_matches(name, known, n=1)
    return [
        f"  {name!r} is not a callback of Lightning's"
        + (
            f" (did you mean {close[0]}?)"
            if close
            else f" ({', '.join(n for n in COMMON_CALLBACKS if n in known)}, ...)"
        )
        + "; give one of its names or a class's import path (my_package.MyCallback)"
    ]


# options that one use names differently from another: where the data is (audio reads a folder)
SAME_MEANING = {"data.path": "data.root", "data.root": "data.path"}


def _unknown_option_lines(
    key: str, actions: dict[str, Any], linked: dict[str, str], other_uses: Callable[[str], list[str]]
) -> list[str]:
    """The lines after an unknown option ``key``: the closest known ones, ``other_uses(key)`` (the lines naming
    the other commands it is an option of), then the model and data keys."""
    lines = []
    options = {**{dest: dest for dest in actions}, **linked}  # what each key is given as
    leaves = {dest.rsplit(".", 1)[-1]: dest for dest in options}
    leaf = key.rsplit(".", 1)[-1]
    if leaf in leaves:  # the right key in the wrong group: --data.lr
        close = [leaves[leaf]]
    elif SAME_MEANING.get(key) in options:  # another use's name for it: audio's --data.path
        close = [SAME_MEANING[key]]
    else:
        close = difflib.get_close_matches(key, list(options), n=2, cutoff=0.8) or [
            leaves[c] for c in difflib.get_close_matches(leaf, list(leaves), n=1, cutoff=0.75)
        ]
    if not close and "." in key:  # a misspelt option of its own whose value is a mapping: spaec.lr for space
        close = difflib.get_close_matches(key.split(".")[0], list(options), n=1, cutoff=0.75)
    close = list(dict.fromkeys(options[c] for c in close))
    if close:
        lines.append("  did you mean " + " or ".join(f"--{c}" for c in close) + "?")
    lines += other_uses(key)
    for group in LISTED_GROUPS:
        keys = [f"--{d}" for d in actions if d.startswith(group + ".") and d.count(".") == 1]
        if keys:
            listed = f"{group} options: " + " ".join(keys)
            lines += textwrap.wrap(listed, 100, initial_indent="  ", subsequent_indent="    ")
    return lines
