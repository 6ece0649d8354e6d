"""sktime's nested_univ frames whose cells in one row are on different indexes (channels sampled at
different time points) are put on the union of their time points, as sktime's conversion to
pd-multiindex places them by label: read position by position, a shifted channel was read out of place."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.api.classifier_inputs import as_recordings
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor.nested import read_nested_frame

TIMES = np.arange(10) * 0.1  # seconds


def cell(times: np.ndarray, offset: float = 0.0) -> pd.Series:
    """A channel whose value at time t is ``offset + 10 t`` (so each value says its time point)."""
    return pd.Series(offset + 10 * times, index=times)


def test_a_channel_lacking_a_time_point_is_filled_there_not_read_shifted():
    y = cell(TIMES, 100).drop(TIMES[5])  # a sample lost from channel y only
    X = pd.DataFrame({"x": [cell(TIMES)], "y": [y]}, index=["walk"])
    with pytest.raises(DataError, match=r"row 0 \('walk'\): the cells of columns \['x', 'y'\] are on different time "
                       r"points.*column 'y' has no value at \['0.5'\].*union of their 10 time points.*"
                       r"nan_policy='interpolate'.*reset_index\(drop=True\)"):  # fmt: skip
        read_nested_frame(X)  # was: "series of lengths [10, 9]; every channel ... the same number of steps"
    data = as_recordings(X, nan_policy="interpolate")
    assert data.sampling_step == pytest.approx(0.1)
    assert np.allclose(data.values[0], [10 * TIMES, 100 + 10 * TIMES])  # 105 at t=0.5, each value in place


def test_a_shifted_channel_is_read_at_its_own_time_points():
    shifted = cell(TIMES + 0.1, 100)  # y starts a step later than x
    X = pd.DataFrame({"x": [cell(TIMES)], "y": [shifted]})
    with pytest.raises(
        DataError, match=r"column 'x' has no value at \['1.0'\]; column 'y' has no value at \['0.0'\]"
    ):
        read_nested_frame(X)  # was read position by position: y's 0.1 beside x's 0.0, silently
    values = read_nested_frame(X, nan_policy="interpolate").values[0]
    assert values.shape == (2, 11)  # the union of both: 0.0 .. 1.0
    assert np.allclose(values[1, 1:], 100 + 10 * (TIMES + 0.1)) and np.isnan(values[1, 0])  # filled later
    # the positional reading the error names, as written
    data = read_nested_frame(X.map(lambda s: s.reset_index(drop=True)))
    assert np.allclose(data.values[0][1], shifted.to_numpy())


def test_float_noise_is_one_time_point_and_a_repeated_one_is_named():
    noisy = cell(np.array([round(0.1 * i, 12) for i in range(10)]) + 1e-15)  # 0.30000000000000004 vs 0.3
    X = pd.DataFrame({"x": [cell(TIMES)], "y": [noisy]})
    data = read_nested_frame(X)
    assert data.values[0].shape == (2, 10) and data.step == pytest.approx(0.1)  # was no step: read untimed
    repeated = cell(np.r_[TIMES[:5], TIMES[4:9]])
    with pytest.raises(DataError, match=r"column 'y' repeats time point '0.4'.*groupby\(level=0\)"):
        read_nested_frame(pd.DataFrame({"x": [cell(TIMES)], "y": [repeated]}))
