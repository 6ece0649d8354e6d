"""A wide DataFrame of pandas' nullable or pyarrow columns (``Float64``, ``Int64``, ``double[pyarrow]``,
as ``read_csv(dtype_backend=...)`` gives them) is read as numbers, its ``pd.NA`` as missing values for
``nan_policy``: they were "values are not numeric (... 'NAType')", the NaN error's fix unreachable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.api.classifier_inputs import as_recordings
from ssm_ts.errors import DataError

X = np.arange(12, dtype=np.float64).reshape(3, 4)  # 3 recordings of one channel, 4 steps


@pytest.mark.parametrize("dtype", ["Float64", "Int64", "double[pyarrow]"])
def test_missing_values_of_a_nullable_frame_follow_nan_policy(dtype):
    frame = pd.DataFrame(X).astype(dtype)
    frame.iloc[1, 2] = pd.NA
    data = as_recordings(frame, nan_policy="interpolate")
    np.testing.assert_array_equal(np.stack(data.values)[:, 0], [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
    with pytest.raises(
        DataError, match=r"X holds 1 NaN or inf values \(first at index \(1, 2\)\); choose nan_policy"
    ):
        as_recordings(frame)
