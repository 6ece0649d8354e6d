"""The fix for recordings whose channel names are not the fitted ones, for ``SSMClassifier``'s error:
the line that drops the extra channels, or renames channels that look like the fitted ones written
another way (``acc_x`` for ``accx``). The error said only "pass recordings with the fitted channels"."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


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


def channel_fix(given: Sequence[str], fitted: Sequence[str]) -> str:
    """What to do with recordings of channels ``given`` for a model fitted on ``fitted`` (names that are
    not the same set): rename, drop or add, as a line for a DataFrame ``X``."""
    given, fitted = [str(name) for name in given], [str(name) for name in fitted]
    missing = [name for name in fitted if name not in given]
    extra = [name for name in given if name not in fitted]
    renames = _renames(extra, missing) if len(extra) == len(missing) else {}
    if renames:
        return f"if they are the same channels under other names, rename them: X.rename(columns={renames})"
    if extra and not missing:
        return f"leave the others out: X.drop(columns={extra}) (a list of DataFrames: [x.drop(columns={extra}) for x in X])"
    return f"the model needs {missing}: give recordings that have them"
