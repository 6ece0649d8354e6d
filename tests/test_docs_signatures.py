"""The calls the README and the reference docs show (docs/audio.md, classification.md, tuning.md,
forecasting.md) match the current signatures of ``Forecaster``, ``WaveformGenerator``,
``SSMClassifier``, ``evaluate`` and ``tune_forecaster``.

A user copies ``gen.generate(2, seed=7, first_clip=3)`` from the docs; if ``seconds`` is required,
the snippet fails with a TypeError. Running every snippet takes minutes of training, so this binds
each call written in a code span or block to the function's signature instead (under a second).
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from ssm_ts import Forecaster, SSMClassifier, WaveformGenerator, evaluate, tune_forecaster

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
CLASSES = {"WaveformGenerator": WaveformGenerator, "SSMClassifier": SSMClassifier, "Forecaster": Forecaster}
FUNCTIONS = {"tune_forecaster": tune_forecaster, "evaluate": evaluate}
# methods called on an object whose class the snippet does not show (``gen.generate(...)``)
METHODS = {"generate": WaveformGenerator.generate}
# the objects the README's and forecasting.md's snippets name (``model = Forecaster(...)``, ``clf``, ``gen``)
OWNERS = {"model": Forecaster, "clf": SSMClassifier, "gen": WaveformGenerator}
# forecasting.md's prose names Forecaster's methods alone: `predict(level=[80, 95])`, `calibrate(data, ...)`
FORECASTER_METHODS = {m: getattr(Forecaster, m) for m in ("fit", "predict", "backtest", "calibrate", "plot")}


def code_snippets(text: str) -> list[str]:
    """Fenced ```python blocks and inline `code` spans of a Markdown text."""
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    rest = re.sub(r"```.*?```", "", text, flags=re.S)
    spans = [s.replace("\n", " ") for s in re.findall(r"`([^`]+)`", rest)]
    return blocks + spans


def _target(call: ast.Call, methods: dict):
    """The function a call of a docs snippet runs, with whether its first parameter is ``self``."""
    func = call.func
    if isinstance(func, ast.Name):
        if func.id in CLASSES:
            return CLASSES[func.id].__init__, True
        if func.id in methods:  # `generate(2, seconds=1.0)` in prose names the method alone
            return methods[func.id], True
        return FUNCTIONS.get(func.id), False
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id in CLASSES:
            return getattr(CLASSES[owner.func.id], func.attr, None), True  # SSMClassifier(...).fit(...)
        if isinstance(owner, ast.Name) and owner.id in CLASSES:
            method = inspect.getattr_static(CLASSES[owner.id], func.attr, None)
            if isinstance(method, (staticmethod, classmethod)):
                return getattr(CLASSES[owner.id], func.attr), False
            return getattr(CLASSES[owner.id], func.attr, None), True  # SSMClassifier.predict(X, rate=...)
        if (
            isinstance(owner, ast.Name) and owner.id in OWNERS
        ):  # model.predict(n=6); model.double() is torch's
            return getattr(OWNERS[owner.id], func.attr, None), True
        return METHODS.get(func.attr), True  # another object's predict (a pyfunc model's) is not checked
    return None, False


def call_problems(text: str, methods: dict = METHODS) -> tuple[list[str], int]:
    """Each call of a known function in ``text``'s snippets that its signature does not accept, and
    how many calls were checked (``methods``: what a method named alone, ``predict(n=6)``, is)."""
    problems, checked = [], 0
    for snippet in code_snippets(text):
        try:
            tree = ast.parse(snippet.strip())
        except SyntaxError:  # prose in backticks, shell commands
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            function, bound = _target(node, methods)
            if function is None:
                continue
            given = [*node.args, *(k.value for k in node.keywords)]
            elided = any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in given)
            args = [object()] if bound else []
            args += [object() for a in node.args if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
            kwargs = {k.arg: object() for k in node.keywords if k.arg is not None}
            signature = inspect.signature(function)
            checked += 1
            try:
                # `f(..., x=1)` or `f(x=...)` leaves arguments out on purpose: only the given ones are checked
                (signature.bind_partial if elided else signature.bind)(*args, **kwargs)
            except TypeError as err:
                problems.append(f"{ast.unparse(node)}: {err}")
    return problems, checked


@pytest.mark.parametrize("name, at_least", [("audio.md", 8), ("classification.md", 6), ("tuning.md", 2)])
def test_docs_calls_match_signatures(name, at_least):
    problems, checked = call_problems((DOCS / name).read_text())
    assert problems == []
    assert checked >= at_least  # the snippets were found and read


@pytest.mark.parametrize(
    "page, methods, at_least",
    [(REPO / "README.md", METHODS, 15), (DOCS / "forecasting.md", {**METHODS, **FORECASTER_METHODS}, 20)],
    ids=["README.md", "forecasting.md"],
)
def test_readme_and_forecasting_calls_match_signatures(page, methods, at_least):
    problems, checked = call_problems(page.read_text(), methods)
    assert problems == []
    assert checked >= at_least


def test_a_forecaster_call_with_a_wrong_keyword_is_caught():
    text = "`model.predict(levels=[80])` and `calibrate(data, windows=200)` and `fit(read_options=...)`"
    problems, checked = call_problems(text, FORECASTER_METHODS)
    assert checked == 3 and len(problems) == 2
    assert "levels" in problems[0] and "windows" in problems[1]


def test_a_call_missing_a_required_argument_is_caught():
    text = "`gen.generate(2, seed=7, first_clip=3)` and `WaveformGenerator(presett='small')`"
    problems, checked = call_problems(text)
    assert checked == 2 and len(problems) == 2
    assert "seconds" in problems[0] and "presett" in problems[1]
