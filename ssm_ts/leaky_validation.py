"""``LeakyValidationWarning``: here, apart from the sensor pipelines (which load Lightning), so the
scikit-learn estimator can raise it without them; and :func:`overlap_step`, which tells overlapping
windows of a stream in a plain array (``X, y, groups, starts = sliding_windows(...)`` fitted as
``fit(X, y)``, without its groups)."""

from __future__ import annotations

from typing import Any

import numpy as np

PAIRS_CHECKED = 64  # consecutive pairs of windows compared, spread over X
SHARED_MIN = 8  # samples two windows must share to count as overlapping
MAX_CANDIDATES = 16  # steps compared per pair (quantised values recur)


class LeakyValidationWarning(UserWarning):
    """The validation recordings that pick the best epoch overlap the training ones (windows of one
    stream), so the validation scores, and the epoch they pick, are optimistic."""


def overlap_step(X: Any) -> int | None:
    """The step between overlapping windows in ``X``, an array ``(n, channels, length)`` or ``(n, length)``
    cut from a stream as :func:`~ssm_ts.pipelines.sensor.sliding_windows` cuts it (window ``i + 1``
    repeats window ``i`` from ``step`` samples on); ``None`` when most consecutive windows do not overlap.

    Exact equality of the shared samples, which copies of one stream have, and not constant ones (zero
    padding repeats too); up to :data:`PAIRS_CHECKED` pairs, each in ``O(channels x length)``. Windows of
    several subjects overlap within each subject only, so half the pairs overlapping is enough.
    """
    if not isinstance(X, np.ndarray) or X.ndim not in (2, 3) or len(X) < 3 or X.shape[-1] <= SHARED_MIN:
        return None
    windows = X[:, None, :] if X.ndim == 2 else X
    length = windows.shape[-1]
    firsts = np.unique(np.linspace(0, len(windows) - 2, num=min(PAIRS_CHECKED, len(windows) - 1)).astype(int))
    steps = []
    for i in firsts:
        a, b = windows[i], windows[i + 1]
        # where b's first SHARED_MIN samples, and a's last, recur in a's first channel
        starts = np.arange(1, length - SHARED_MIN + 1)
        heads = np.lib.stride_tricks.sliding_window_view(a[0, 1:], SHARED_MIN)
        matched = (heads == b[0, :SHARED_MIN]).all(axis=1) & (a[0, -1] == b[0, length - 1 - starts])
        for step in starts[matched][:MAX_CANDIDATES]:
            shared = a[:, step:]
            if np.array_equal(shared, b[:, : length - step]) and np.ptp(shared) > 0:
                steps.append(int(step))
                break
    if len(steps) * 2 < len(firsts):
        return None
    values, counts = np.unique(steps, return_counts=True)
    return int(values[counts.argmax()])
