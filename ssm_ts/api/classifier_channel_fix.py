"""The fix for recordings whose channel names are not the fitted ones, for ``SSMClassifier``'s error:
the line that drops the extra channels, or renames channels that look like the fitted ones written
another way (``acc_x`` for ``accx``), written for the ``X`` given (a DataFrame, a list of DataFrames or
a ``SeriesSet``). The error said only "pass recordings with the fitted channels"."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from ssm_ts.pipelines.sensor import SeriesSet


def _renames(extra: list[str], missing: list[str]) -> dict[str, str]:
    """Each of ``extra`` paired with the one of ``missing`` it is closest to, when every one pairs with a
    different one; else empty."""
    pairs = {}
    for name in extra:
        close = difflib.get_close_matches(name, missing, n=1, cutoff=0.6)
        if not close or close[0] in pairs.values():
            return {}
        pairs[name] = close[0]
    return pairs


def _each_frame(X: Any, call: str) -> str:
    """``call`` (``rename(columns=...)``) as the line for ``X``: ``[x.call for x in X]`` for a list of
    DataFrames (a list has no ``rename``), ``X.call`` for a DataFrame."""
    return f"[x.{call} for x in X]" if isinstance(X, (list, tuple)) else f"X.{call}"


def channel_fix(given: Sequence[str], fitted: Sequence[str], X: Any = None) -> str:
    """What to do with recordings ``X`` (as the user gave them; ``None``: a DataFrame's line) of
    channels ``given`` for a model fitted on ``fitted`` (names that are not the same set): rename,
    drop or add, as a line that runs on ``X``."""
    given, fitted = [str(name) for name in given], [str(name) for name in fitted]
    missing = [name for name in fitted if name not in given]
    extra = [name for name in given if name not in fitted]
    renames = _renames(extra, missing) if len(extra) == len(missing) else {}
    if renames and isinstance(X, SeriesSet):
        line = f"X.channel_names = {[renames.get(name, name) for name in given]}"
        return f"if they are the same channels under other names, rename them: {line}"
    if renames:
        line = _each_frame(X, f"rename(columns={renames})")
        return f"if they are the same channels under other names, rename them: {line}"
    if extra and not missing and not isinstance(X, SeriesSet):
        return f"leave the others out: {_each_frame(X, f'drop(columns={extra})')}"
    if extra and not missing:  # a SeriesSet read from a file: read it again with the fitted channels
        return f"leave the others out ({extra}): read the file with the channels {fitted} alone"
    return f"the model needs {missing}: give recordings that have them"
