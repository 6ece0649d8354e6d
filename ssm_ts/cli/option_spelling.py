"""A library error's fix, spelt as the command takes it: the pipelines and the Python API word their fixes
as Python arguments (``freq='h'``, ``read_options={'sep': ';'}``, ``level=[80, 95]``,
``Forecaster(horizon=...)``, ``fit(..., resume=True)``), which a user of ``ssm-ts USE COMMAND`` cannot pass.
Here each becomes the option that user types (``--data.freq h``, ``--data.read_options '{sep: ";"}'``,
``--level "[80, 95]"``, ``--model.horizon ...``, ``--ckpt_path last``), from one table of the uses'
options; Python code in a message (``pd.date_range(..., freq='h')``) and the Python API's own messages
are left as they are. A text value is printed so that the option reads it back as that text (a column
named ``on`` in ``--data.past_covariates '["on"]'``), or where none can (``--data.label_col null`` is none)
as a placeholder saying so."""

from __future__ import annotations

import ast
import functools
import inspect
import json
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

# a use's options that are not its task's or data module's arguments: Python keyword -> the flag
_USE_OPTIONS: dict[str, dict[str, str]] = {
    "forecast": {
        "level": "--level",
        "interval_method": "--interval_method",
        "n": "--n",
        "futr_df": "--futr_path",
    },
}
# the Trainer's settings the library's messages name (max_epochs=1 is below the 3 epochs ...): every
# use's --trainer options (a data module's or task's argument of the same name comes first)
_TRAINER_OPTIONS = (
    "max_epochs", "max_steps", "accelerator", "devices", "precision", "strategy", "limit_train_batches",
    "limit_val_batches", "limit_test_batches", "check_val_every_n_epoch", "val_check_interval",
)  # fmt: skip
# a keyword whose value is a whole option of its own: (keyword, value) -> the command's option
_VALUE_OPTIONS: dict[tuple[str, Any], str] = {("resume", True): "--ckpt_path last"}
_VALUE_KEYWORDS = {keyword for keyword, _ in _VALUE_OPTIONS}
# where a task's and a data module's argument of the same name is set: the other is linked to it
# (forecast's --model.lookback sets the data's; audio's --data.sample_rate the model's)
_LINKED_FROM = {"forecast": "model", "audio": "data", "classify": "model"}
# the Python API's calls whose keywords are a command's options: Forecaster(horizon=...), fit(..., resume=True)
_API_CALLS = ("Forecaster", "SSMClassifier", "WaveformGenerator", "fit", "predict")

# a keyword (freq=, data.group_col=), not part of a word, flag, path or URL (best-epoch=0.ckpt, runs/lr=0.01/,
# ?freq=h&horizon=4)
_KEYWORD = re.compile(r"(?<![\w.\-/\\&?])(?:(?P<section>data|model)\.)?(?P<name>[a-z_][a-z0-9_]*)=(?!=)")
_CALL = re.compile(r"(?<![\w.])(?:\w+\.)*(?P<call>" + "|".join(_API_CALLS) + r")\(")
# a message that gives both spellings: "(CLI: A; Python: B)" says A to a command's user
_BOTH = re.compile(r"\(CLI: (?P<cli>[^;()]*); Python: [^()]*\)")
# "freq='h' (CLI: --data.freq h)": the option already given; "(or False; CLI: ...)" with a word on its value
# (or "(ssm-ts classify: --data.val_fraction 0)")
_CLI_RESTATED = re.compile(r" \((?P<aside>[^();]*; )?(?:CLI|ssm-ts [a-z]+(?: [a-z]+)?): |; CLI: ")
_SAID_AGAIN = re.compile(r" \((?:CLI|ssm-ts [a-z]+(?: [a-z]+)?): (?P<options>[^()]*)\)")
# "--data.target / target=": the flag and the keyword it is, one option once translated
_SAID_TWICE = re.compile(r"(?<!\S)(--[\w.]+) / \1(?!\S)")
# where a message speaks to a Python user ("Python: fit(..., resume=True)", "in Python, Forecaster(horizon=4)"),
# to the end of its clause: a ";", a line's end, a sentence's end or the parenthesis the word is in closing
_PYTHON_SAID = re.compile(r"\bPython\b(?!'s)")
_CLAUSE_END = re.compile(r"[;\n()]|(?<!e\.g)(?<!i\.e)\.(?:\s|$)")
# a number as Python writes it, exponent and all (1e-05, -2.5E+3)
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?[eE][+-]?\d+(?!\w)")
# what argparse takes for a negative number: another value beginning with "-" is read as an option
_NEGATIVE_NUMBER = re.compile(r"-\d+|-\d*\.\d+")
# a text an option that may be a number reads as one (1e3, 1_000, inf, nan, 0x1F), as YAML may not
_NUMBER_TEXT = re.compile(r"[-+]?(?:[\d_.]+(?:[eE][-+]?\d+)?|inf(?:inity)?|nan|0[xob][\da-f_]+)", re.I)
_PYTHON_CONSTANT = re.compile(r"\b(?:True|False|None)\b")
_PLAIN = re.compile(r"[\w@%+=:,./-]+")
_CLOSE = {"(": ")", "[": "]", "{": "}"}


def command_spelling(text: str, use: str) -> str:
    """``text`` (an error) with the Python arguments that are ``use``'s options written as
    that use's command takes them; everything else as it is."""
    if "=" not in text:
        return text
    text = _BOTH.sub(r"(\g<cli>)", text)
    unreadable: dict[str, str] = {}  # a text no flag reads back (a column named null): why, once each
    text = _keywords_as_options(_calls_as_options(text, use, unreadable), use, unreadable)
    text = _SAID_TWICE.sub(r"\1", text)
    text = _SAID_AGAIN.sub(lambda said: _unless_said_before(text, said), text)
    return text + "".join(f" ({why})" for why in unreadable.values())


def _unless_said_before(text: str, said: re.Match[str]) -> str:
    """A parenthesis restating options for the command (``(ssm-ts classify: --data.nan_policy
    interpolate)``): gone where each option in it is named before it, as the command's already."""
    flags = re.findall(r"--[\w.]+", said.group("options"))
    return "" if flags and all(flag in text[: said.start()] for flag in flags) else said.group()


@functools.cache
def use_options(use: str) -> dict[str, str]:
    """``use``'s options by Python keyword: ``{"freq": "--data.freq", "horizon": "--model.horizon",
    "level": "--level", "max_epochs": "--trainer.max_epochs", ...}`` (its data module's and task's
    arguments, as LightningCLI takes them, and the Trainer settings messages name)."""
    from ssm_ts.cli.uses import USES, load_target

    if use not in USES:
        return {}
    spec = USES[use]
    classes = {"data": load_target(spec.datamodule), "model": load_target(spec.task)}
    options = {name: f"--trainer.{name}" for name in _TRAINER_OPTIONS}
    for section in sorted(
        classes, key=lambda section: section == _LINKED_FROM.get(use, "model")
    ):  # the linked-from last
        names = list(inspect.signature(classes[section].__init__).parameters)[1:]
        options.update({name: f"--{section}.{name}" for name in names if not name.startswith("_")})
    return {**options, **_USE_OPTIONS.get(use, {})}


def _calls_as_options(text: str, use: str, unreadable: dict[str, str]) -> str:
    """``Forecaster(horizon=...)`` / ``fit(..., resume=True)`` as ``--model.horizon ...`` / ``--ckpt_path
    last``, where every keyword of the call is an option of ``use``; other calls as they are."""
    python = _python_said(text)

    def spelt(match: re.Match[str]) -> tuple[str | None, int]:
        if _within(python, match.start()):
            return None, 0
        end = _literal_end(text, match.end() - 1)
        return _call_options(text[match.end() : end - 1], use, unreadable), end

    return _spelt(text, _CALL.finditer(text), spelt)


def _call_options(arguments: str, use: str, unreadable: dict[str, str]) -> str | None:
    """A call's ``arguments`` (``..., resume=True``) as the command's options, or None if one is not."""
    flags, at = [], 0
    while at < len(arguments):
        if arguments.startswith("...", at):  # fit(..., resume=True): the arguments a user gives anyway
            at += 3
        else:
            match = _KEYWORD.match(arguments, at)
            if match is None:
                return None
            end = _literal_end(arguments, match.end())
            value = arguments[match.end() : end]
            flag = _option(match.group("name"), match.group("section"), value, use, unreadable)
            if flag is None:
                return None
            flags.append(flag)
            at = end
        if arguments.startswith(", ", at):
            at += 2
        elif at < len(arguments):
            return None
    return " ".join(flags) or None


def _keywords_as_options(text: str, use: str, unreadable: dict[str, str]) -> str:
    """Each ``keyword=value`` of ``text`` that is an option of ``use``, outside any other call's
    parentheses (``pd.date_range(..., freq='h')`` is Python code), as the option; ``keyword= (`` as its
    flag alone. Where the message restates it for the command (``freq='h' (CLI: --data.freq h)``), that."""
    python, calls, options = _python_said(text), _CallScan(text), use_options(use)

    def spelt(match: re.Match[str]) -> tuple[str | None, int]:
        name, section, start = match.group("name"), match.group("section"), match.start()
        if not (section or name in options or name in _VALUE_KEYWORDS):
            return None, 0
        if _within(python, start) or calls.inside(start):
            return None, 0
        end = _literal_end(text, match.end())
        if re.match(r"[\w/\\]", text[end : end + 1]) or os.path.exists(text[start:end]):
            return None, 0  # lr=0.01/ett.csv, or --out lr=0.01: a file's or folder's name, not a keyword
        if text[start - 1 : start] in ("'", '"') and text[end : end + 1] == text[start - 1]:
            return None, 0  # 'lr=0.01': a user's text in quotes (a column's name), not a keyword
        if end == match.end() and text[end : end + 1].strip() not in ("", ",", ";", ".", ")"):
            return None, 0  # target=[unbalanced: no value a command could take
        return _option(name, section, text[match.end() : end], use, unreadable), end

    return _spelt(text, _KEYWORD.finditer(text), spelt)


def _spelt(
    text: str,
    matches: Iterator[re.Match[str]],
    spelt: Callable[[re.Match[str]], tuple[str | None, int]],
) -> str:
    """``text`` with each of ``matches`` (in order; one inside a replaced one skipped) that ``spelt`` gives
    an option for, ``(option, where its Python ends)``, replaced by it, or by the message's own
    restatement of it for the command (:func:`_restated`)."""
    out, at = [], 0
    for match in matches:
        if match.start() < at:
            continue
        option, end = spelt(match)
        if option is None:
            continue
        option, end = _restated(text, end, option)
        out += [text[at : match.start()], option]
        at = end
    return "".join(out) + text[at:]


def _restated(text: str, end: int, option: str) -> tuple[str, int]:
    """``(option, end)``, or where the message goes on to give the command's spelling itself
    (``freq='h' (CLI: --data.freq h)``, ``(e.g. Forecaster(...); CLI: --data.fractions ...)``), that spelling
    and where it ends."""
    restated = _CLI_RESTATED.match(text, end)
    if restated is None:
        return option, end
    own = restated.group().startswith(" (")  # its own parenthesis, dropped with it; else its ")" kept
    close = _literal_end(text, end + 1) if own else _paren_end(text, end)
    said = text[restated.end() : close - 1]
    if said == option.split(" ", 1)[0]:  # the flag alone (clip_seconds=0.745 (CLI: --data.clip_seconds))
        said = option
    aside = restated.group("aside")
    if aside:  # "(or False; CLI: ...)": the aside kept, its Python values as YAML's ("or false")
        said += f" ({_PYTHON_CONSTANT.sub(lambda word: _yaml(ast.literal_eval(word.group())), aside[:-2])})"
    return said, close if own else close - 1


def _option(name: str, section: str | None, value: str, use: str, unreadable: dict[str, str]) -> str | None:
    """Keyword ``name`` (of ``section``, where the text said ``data.name=``) with ``value`` (Python
    source, or "" for the keyword alone) as ``use``'s option, or None when it is not one. A text the
    option cannot read back (:func:`_text_argument`) is a placeholder, and ``unreadable`` says why."""
    if value and value != "..." and not value.startswith("<"):  # <its name>: a placeholder
        try:
            literal = ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
        fixed = _VALUE_OPTIONS.get((name, literal)) if isinstance(literal, bool | int | str) else None
        if fixed is not None:
            return fixed
    flag = f"--{section}.{name}" if section else use_options(use).get(name)
    if flag is None:
        return None
    if not value:
        return flag
    if "..." in value:  # a placeholder (``future_covariates=[...]``): its shape, as it is
        return f"{flag} {value if _PLAIN.fullmatch(value) or value == '...' else _argument(value)}"
    if value.startswith("<"):  # id_col=<its name>, as it is
        return f"{flag} {value}"
    literal = ast.literal_eval(value)
    argument = (
        _text_argument(use, flag, literal, unreadable) if isinstance(literal, str) else _argument(literal)
    )
    if argument.startswith("-") and not _NEGATIVE_NUMBER.fullmatch(argument):
        return f"{flag}={argument}"  # --model.lr=-1e-05: argparse reads a bare -1e-05 as an option
    return f"{flag} {argument}"


def _text_argument(use: str, flag: str, text: str, unreadable: dict[str, str]) -> str:
    """Text ``text`` (a column's name) as ``flag``'s shell argument that the command reads back as that
    text: as it is (``activity``), or where the option reads it as another type, in a list where the option
    takes one (``--data.target '["null"]'``); else the placeholder ``<another name for 'null'>``, with why in
    ``unreadable`` (``--data.label_col null`` is no column: jsonargparse reads null, Null, ~ as none)."""
    read = _read_as(use, flag, text)
    if read == text:
        return _argument(text)
    if _read_as(use, flag, _yaml([text])) == [text]:
        return _argument([text])
    found = "no value" if read is None else f"the {type(read).__name__} {read!r}"
    unreadable[text] = (
        f"The command line reads {_argument(text)} there as {found}, not as the name {text!r}: rename it "
        "in the data to pass it."
    )
    return f"<another name for {text!r}>"


def _read_as(use: str, flag: str, argument: str) -> Any:
    """What ``use``'s parser makes of ``flag``'s command-line ``argument``: ``None`` for ``null`` where the
    option may be none, ``1000.0`` for ``1e3`` where it may be a number, the text where it takes text as
    given; ``argument`` itself where the option's type is not known (a --trainer or --level option)."""
    if _yaml_reads(argument) == argument and not _NUMBER_TEXT.fullmatch(argument.strip()):
        return argument  # a word: every option that takes text keeps it as given (at once, for many)
    kind = _option_types(use).get(flag)
    try:
        return argument if kind is None else _parsed(kind, argument)
    except TypeError:  # a type that cannot be a cache's key (Annotated with a list): unknown
        return argument


@functools.cache
def _parsed(kind: Any, argument: str) -> Any:
    """``argument`` as jsonargparse reads it for an option of type ``kind`` (``argument`` if it refuses it)."""
    from jsonargparse import ArgumentParser

    parser = ArgumentParser(exit_on_error=False)
    parser.add_argument("--option", type=kind)
    try:
        return parser.parse_args(["--option", argument]).option
    except Exception:  # noqa: BLE001  # a value the type refuses: the parser's own error says so
        return argument


@functools.cache
def _option_types(use: str) -> dict[str, Any]:
    """``use``'s data module's and task's options by flag, with their types: ``{"--data.label_col": str |
    None, ...}`` (an argument whose type cannot be read left out)."""
    import typing

    from ssm_ts.cli.uses import USES, load_target

    if use not in USES:
        return {}
    spec, types = USES[use], {}
    for section, target in (("data", spec.datamodule), ("model", spec.task)):
        try:
            hints = typing.get_type_hints(load_target(target).__init__)
        except Exception:  # noqa: BLE001  # a name only a type checker imports: its options' types unknown
            continue
        types.update({f"--{section}.{name}": kind for name, kind in hints.items() if name != "return"})
    return types


def command_argument(value: Any) -> str:
    """A Python value as an option's shell argument: ``h``, ``"[80, 95]"``, ``'{sep: ";"}'``, ``null``."""
    return _argument(value)


def option_argument(use: str, key: str, value: Any, unreadable: dict[str, str]) -> str:
    """``value`` as the shell argument of ``use``'s option ``key`` (``data.time_col``) that the command reads
    back as ``value``: a text the option would read as another type (a column named ``on`` or ``null``) as
    :func:`_text_argument` spells it (``'["on"]'``, or a placeholder with why in ``unreadable``), a file's
    relative path as ``./null``; any other value as :func:`command_argument`."""
    value = os.fspath(value) if isinstance(value, os.PathLike) else value
    if isinstance(value, str) and not (value.startswith("<") and value.endswith(">")):
        flag = f"--{key}"
        relative = key.endswith(("path", "root")) and not os.path.isabs(value) and not value.startswith(".")
        if relative and _read_as(use, flag, value) != value:  # a file named null: ./null is that file
            return _argument(os.path.join(os.curdir, value))
        return _text_argument(use, flag, value, unreadable)
    return _argument(value)


def _argument(value: Any) -> str:
    """A Python value as the shell argument of an option: ``h``, ``80``, ``"[80, 95]"``,
    ``'{sep: ";"}'``, ``null``; a placeholder (``'<its name>'``) bare."""
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return value
    value = os.fspath(value) if isinstance(value, os.PathLike) else value  # a path as its text
    text = value if isinstance(value, str) else _yaml(value)
    if _PLAIN.fullmatch(text):
        return text
    return f'"{text}"' if not any(c in text for c in '"$`\\!') else "'" + text.replace("'", "'\\''") + "'"


def _yaml(value: Any) -> str:
    """A Python value as a YAML flow value (what jsonargparse reads): ``[80, 95]``, ``{sep: ";"}``."""
    if value is None:
        return "null"
    if isinstance(value, os.PathLike):  # in a list or mapping: its text, not PosixPath('a.csv')
        return _yaml(os.fspath(value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):  # quoted where YAML reads it as another type (on, no, Null: a bool, none)
        plain = re.fullmatch(r"[^\W\d][\w.-]*", value) and _yaml_reads(value) == value  # Temp, 温度
        if plain:
            return value
        quoted = json.dumps(value, ensure_ascii=False)  # "Temp °C", not "Temp \u00b0C"; a line break escaped
        return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in quoted)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml(k)}: {_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple | set):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return repr(value)


def _yaml_reads(text: str) -> Any:
    """What YAML (jsonargparse's loader) reads ``text`` as: ``on`` and ``yes`` are ``True``, ``~`` is ``None``."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _literal_end(text: str, at: int) -> int:
    """Where the Python value starting at ``at`` ends: a quoted string, a bracketed one (brackets and
    quotes inside it balanced), ``...``, or a word or number; ``at`` for none (``freq= ``)."""
    if at >= len(text):
        return at
    first = text[at]
    if first in "'\"":
        end = at + 1
        while end < len(text) and text[end] != first:
            end += 2 if text[end] == "\\" else 1
        return min(end + 1, len(text))
    if first in _CLOSE:
        if text.find(_CLOSE[first], at) == -1:  # never closed: no value (at C's speed, for each of many)
            return at
        depth, end = [], at
        while end < len(text):
            char = text[end]
            if char in "'\"":
                end = _literal_end(text, end)
                continue
            if char in _CLOSE:
                depth.append(_CLOSE[char])
            elif depth and char == depth[-1]:
                depth.pop()
                if not depth:
                    return end + 1
            end += 1
        return at  # unbalanced: not a value
    if text.startswith("...", at):
        return at + 3
    if first == "<":  # a placeholder: <its name>
        close = text.find(">", at)
        return close + 1 if close > at + 1 and "\n" not in text[at:close] else at
    number = _NUMBER.match(text, at)
    if number:
        return number.end()
    word = re.compile(r"-?[\w.]*\w").match(text, at)
    return word.end() if word else at


def _paren_end(text: str, at: int) -> int:
    """Just after the ``)`` that closes the parenthesis ``text[at]`` is inside."""
    depth = 0
    for end in range(at, len(text)):
        if text[end] == "(":
            depth += 1
        elif text[end] == ")":
            if depth == 0:
                return end + 1
            depth -= 1
    return len(text)


def _python_said(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` that speak to a Python user (``Python: fit(..., resume=True)``, ``in Python,
    Forecaster(horizon=4)``): from the word to the end of its clause, Python as it is; and a traceback."""
    spans = []
    for said in _PYTHON_SAID.finditer(text):
        depth, end = 0, len(text)
        for mark in _CLAUSE_END.finditer(text, said.end()):
            char = mark.group()
            if char == "(" or (char == ")" and depth):
                depth += 1 if char == "(" else -1
            elif char in (")", "\n") or not depth:
                end = mark.start()
                break
        spans.append((said.start(), end))
    traceback = text.find("Traceback (most recent call last):")  # a dump of Python's frames, to its end
    return spans if traceback == -1 else [*spans, (traceback, len(text))]


def _within(spans: list[tuple[int, int]], at: int) -> bool:
    return any(start <= at < end for start, end in spans)


class _CallScan:
    """Whether a place in ``text`` is inside a call's parentheses (``pd.date_range(`` ..., an opening
    parenthesis right after a name): Python code, not a keyword of the command's. Asked of places in
    order, it reads ``text`` once (a message of 2,000 keywords took seconds read again for each)."""

    def __init__(self, text: str) -> None:
        self.text, self.end, self.opened = text, 0, []

    def inside(self, at: int) -> bool:
        """Whether ``text[at]`` is inside a call; ``at`` no earlier than the place asked before."""
        text, opened = self.text, self.opened
        while self.end < at:
            char = text[self.end]
            if (
                char in "'\"" and self.end > 0 and text[self.end - 1] in "([{=, "
            ):  # a string in code: its text skipped
                self.end = max(_literal_end(text, self.end), self.end + 1)
                continue
            if char == "(":
                opened.append(self.end > 0 and (text[self.end - 1].isalnum() or text[self.end - 1] in "_]"))
            elif char == ")" and opened:
                opened.pop()
            self.end += 1
        return any(opened)
