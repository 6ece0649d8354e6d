"""Gaps in the time points of an in-memory long layout (sktime's pd-multiindex after ``X.dropna()``,
the MLflow model's long DataFrame with ``time``) were read as consecutive samples, silently, as a
long CSV's were: now a ``TimeGapWarning`` names them, and ``nan_policy`` ``"interpolate"``/``"zero"``
inserts the missing steps and fills them."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.api.classifier_inputs import as_recordings
from ssm_ts.pipelines.sensor import TimeGapWarning
from ssm_ts.tracking.pyfunc_classify import recordings_from_input

X = np.arange(2 * 2 * 8, dtype=np.float64).reshape(2, 2, 8)  # 2 recordings, channels a and b, 8 steps


def multiindex() -> pd.DataFrame:
    index = pd.MultiIndex.from_product([range(2), range(8)], names=["instances", "timepoints"])
    return pd.DataFrame(X.transpose(0, 2, 1).reshape(16, 2), index=index, columns=["a", "b"])


def test_a_multiindex_frame_with_dropped_rows_warns_at_fit_and_predict():
    gapped = multiindex().drop(index=[(1, 3), (1, 4)])  # recording 1: time points 2 then 5
    with pytest.warns(TimeGapWarning) as caught:
        model = SSMClassifier(method="random_features", n_kernels=10).fit(gapped, ["u", "v"])
    message = str(caught[0].message)
    assert message.startswith(
        "X (multi-index DataFrame): 1 recording(s) have gaps in their times (recording '1': time 2 to 5: 2 "
        "missing step(s) of 1)."
    )
    assert "fit with SSMClassifier(nan_policy='interpolate') (or 'zero')" in message
    assert caught[0].filename == __file__
    with pytest.warns(TimeGapWarning, match=r"model\.set_params\(nan_policy='interpolate'\)"):
        model.predict(gapped)


def test_nan_policy_places_a_multiindex_frames_samples_in_time():
    gapped = multiindex().drop(index=[(1, 3), (1, 4)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeGapWarning)
        data = as_recordings(gapped, nan_policy="interpolate")
    np.testing.assert_array_equal(np.stack(data.values), X)  # the dropped steps, linear, are the originals


def test_the_mlflow_models_long_frame_with_a_gap():
    frame = pd.DataFrame({"id": "r", "time": [0.0, 0.1, 0.2, 0.5, 0.6], "x": [0.0, 1, 2, 5, 6]})
    with pytest.warns(
        TimeGapWarning,
        match=r"'r': time 0\.2 to 0\.5: 2 missing step\(s\) of 0\.1\).*"
        r'pass params=\{"nan_policy": "interpolate"\}',
    ):
        assert recordings_from_input(frame).lengths.tolist() == [5]
    data = recordings_from_input(frame, nan_policy="interpolate")
    np.testing.assert_allclose(data.values[0][0], np.arange(7.0))
