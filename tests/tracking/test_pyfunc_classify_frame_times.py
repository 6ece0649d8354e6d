"""The classifier's MLflow model reads a nested or ``pd-multiindex`` request as ``SSMClassifier`` does:
a gap in a nested cell's time index is filled by ``params={"nan_policy": ...}`` (its warning names that
fix, not the classifier's keyword), and the frame's time points give the sampling step the served
model checks against the fit's. Before, a nested request's gaps were read as consecutive samples
whatever the policy, and neither layout gave a step."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import TimeGapWarning
from ssm_ts.tracking.pyfunc_classify import recordings_from_input

STEPS = 8
VALUES = np.arange(2 * STEPS, dtype=float).reshape(2, STEPS)  # linear: an interpolated gap is exact


def test_a_nested_requests_gap_is_filled_by_the_params_nan_policy():
    kept = [i for i in range(STEPS) if i not in (3, 4)]
    X = pd.DataFrame({"x": [pd.Series(row[kept], index=kept) for row in VALUES]})
    with pytest.warns(TimeGapWarning, match=r'params=\{"nan_policy": "interpolate"\}'):
        recordings_from_input(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeGapWarning)
        filled = recordings_from_input(X, nan_policy="interpolate")
    np.testing.assert_array_equal(np.stack(filled.values)[:, 0], VALUES)


def test_a_multiindex_requests_time_points_give_the_sampling_step():
    times = pd.timedelta_range(0, periods=STEPS, freq="20ms")
    index = pd.MultiIndex.from_product([["a", "b"], times], names=["id", "time"])
    X = pd.DataFrame({"x": VALUES.reshape(-1)}, index=index)
    data = recordings_from_input(X)
    assert data.sampling_step is not None and pd.Timedelta(data.sampling_step) == pd.Timedelta("20ms")
    np.testing.assert_array_equal(np.stack(data.values)[:, 0], VALUES)


def test_a_long_requests_step_names_that_sort_as_text_are_refused_with_the_conversion():
    names = [f"t{i + 1}" for i in range(STEPS)]  # t1 ... t8 sort right; add t10 so t10 < t2 as text
    names[-1] = "t10"
    X = pd.DataFrame({"id": np.repeat(["a", "b"], STEPS), "time": names * 2, "x": VALUES.reshape(-1)})
    with pytest.raises(DataError, match=r"'time' column holds step names \('t1', \.\.\.\)") as err:
        recordings_from_input(X)
    df = X.copy()
    exec(str(err.value).split("e.g. ")[1], {"df": df})  # the conversion, as written
    np.testing.assert_array_equal(np.stack(recordings_from_input(df).values)[:, 0], VALUES)
    padded = X.assign(time=[f"t{i:03d}" for i in [*range(1, STEPS), 10]] * 2)  # sorts right: read as is
    np.testing.assert_array_equal(np.stack(recordings_from_input(padded).values)[:, 0], VALUES)
