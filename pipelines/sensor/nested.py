"""sktime/aeon ``nested_univ`` DataFrames: a row per recording, a column per channel, each cell a whole
series (``pd.Series`` or array). ``SSMClassifier`` and the classifier's MLflow model read them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ssm_ts.errors import DataError


def is_nested_frame(X: Any) -> bool:
    """An sktime/aeon ``nested_univ`` DataFrame: a column per channel, each cell a whole series."""
    if not (hasattr(X, "columns") and hasattr(X, "iloc")) or 0 in X.shape:
        return False
    cell = X.iloc[0, 0]
    return hasattr(cell, "__len__") and not isinstance(cell, (str, bytes))


def nested_frame_recordings(X: Any, source: str = "X") -> tuple[list[np.ndarray], list[str]]:
    """The ``(channels, length_i)`` recordings of a ``nested_univ`` DataFrame (row ``i``, a column per
    channel, each cell a series) and its column names as the channel names; ``source`` names the
    frame in errors."""
    values = []
    for i, row in enumerate(X.to_numpy()):
        try:
            cells = [np.asarray(cell, dtype=np.float64) for cell in row]
        except (TypeError, ValueError) as err:
            raise DataError(
                f"{source} (nested DataFrame), row {i}: a cell is not a series of numbers ({err})."
            ) from err
        lengths = [len(cell) if cell.ndim == 1 else -1 for cell in cells]
        if len(set(lengths)) != 1 or lengths[0] < 0:
            raise DataError(
                f"{source} (nested DataFrame), row {i}: the cells of columns {list(X.columns)} hold series of lengths "
                f"{lengths}; every channel of a recording needs the same number of steps."
            )
        values.append(np.stack(cells))
    return values, [str(c) for c in X.columns]
