"""How many calibration windows a fit scores and keeps: the score budget (``Forecaster(calibration_budget=...)``)
and the bounds on windows (see :mod:`ssm_ts.api.conformal`, "Storage")."""

from __future__ import annotations

from typing import Any

import numpy as np

from ssm_ts.errors import ConfigError

# calibration windows kept by fit: enough for 99% intervals, a bounded forward pass
MAX_CALIBRATION_WINDOWS = 1000
# the least windows fit keeps whatever the budget: a 95% interval needs 19
MIN_CALIBRATION_WINDOWS = 19
# score values fit stores at most (windows x horizon x series x score kinds), 4 bytes each: ~17 MB
DEFAULT_SCORE_BUDGET = 2**22


def check_budget(budget: Any) -> int:
    """``budget`` (``Forecaster(calibration_budget=...)``) as an int, or a clear error."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ConfigError(
            f"calibration_budget must be a whole number of scores >= 1, got {budget!r}; the default "
            f"{DEFAULT_SCORE_BUDGET} keeps at most that many calibration scores (4 bytes each) with the model."
        )
    return int(budget)


def windows_to_keep(available: int, per_window: int, budget: int) -> int:
    """How many of ``available`` calibration windows ``fit`` scores and keeps: as many as ``budget``
    score values hold at ``per_window`` values each (horizon x series x score kinds), at most
    :data:`MAX_CALIBRATION_WINDOWS`, at least :data:`MIN_CALIBRATION_WINDOWS` (or all there are)."""
    fitting = max(budget // max(per_window, 1), MIN_CALIBRATION_WINDOWS)
    return int(min(available, MAX_CALIBRATION_WINDOWS, fitting))
