"""The time points of sktime-style frames read as times, as a CSV time column is: text time points
("t1" ... "t10", which sort as text, "t10" before "t2") are refused with a conversion that works as
written, text of numbers is ordered by number, gaps in a nested frame's cell index are warned of or
filled as a multi-index frame's are, and the time level gives the sampling step."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.api.classifier_inputs import as_recordings
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import SamplingStepWarning, TimeGapWarning

STEPS = 10
VALUES = np.arange(2 * STEPS, dtype=np.float64).reshape(2, STEPS)  # recording r: value = 10 r + step


def multiindex(points: list) -> pd.DataFrame:
    """2 recordings, channel x, at time points ``points`` (as given), in the rows' text order."""
    index = pd.MultiIndex.from_product([range(2), points], names=["instances", "timepoints"])
    return pd.DataFrame({"x": VALUES.reshape(-1)}, index=index).sort_index()  # "t10" before "t2"


def _fix(message: str) -> str:
    return message.split("convert them, ", 1)[1]


def test_text_time_points_are_refused_with_a_conversion_that_puts_every_value_at_its_step():
    X = multiindex([f"t{i + 1}" for i in range(STEPS)])
    with pytest.raises(
        DataError, match=r"time level 'timepoints' holds text \('t1', 't10', 't2', \.\.\.\)"
    ) as err:
        as_recordings(X)
    fix = _fix(str(err.value))
    assert fix.startswith("X.index = X.index.set_levels(")
    exec(fix, {"X": X, "pd": pd})  # the line as written
    np.testing.assert_array_equal(np.stack(as_recordings(X).values)[:, 0], VALUES)


def test_text_time_points_without_one_number_each_get_the_numbering_line():
    X = multiindex([f"s1_t{i}" for i in range(STEPS)])  # two numbers in each: extracting one is ambiguous
    X = X.loc[[(r, f"s1_t{i}") for r in range(2) for i in range(STEPS)]]  # rows in time order
    with pytest.raises(DataError) as err:
        as_recordings(X)
    fix = _fix(str(err.value))
    assert fix.startswith("if the rows are in time order, number them: ")
    scope = {"X": X}
    exec(fix.split("number them: ", 1)[1], scope)
    np.testing.assert_array_equal(np.stack(as_recordings(scope["X"]).values)[:, 0], VALUES)


def test_text_of_numbers_is_ordered_by_number():
    X = multiindex([str(i * 5) for i in range(STEPS)])  # "0", "10", "15", ..., "45", "5": "5" sorts last
    np.testing.assert_array_equal(np.stack(as_recordings(X).values)[:, 0], VALUES)


def nested(index: list) -> pd.DataFrame:
    return pd.DataFrame({"x": [pd.Series(row, index=index) for row in VALUES]})


def test_a_gap_in_a_nested_cells_index_warns_and_nan_policy_places_the_samples():
    kept = [i for i in range(STEPS) if i not in (3, 4)]
    X = pd.DataFrame({"x": [pd.Series(row[kept], index=kept) for row in VALUES]})
    with pytest.warns(
        TimeGapWarning, match=r"row 0 \('0'\): time 2 to 5: 2 missing step\(s\) of 1"
    ) as caught:
        as_recordings(X)
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeGapWarning)
        data = as_recordings(X, nan_policy="interpolate")
    np.testing.assert_array_equal(np.stack(data.values)[:, 0], VALUES)  # the dropped steps, linear


def test_a_nested_cells_index_orders_its_steps_and_text_is_refused():
    shuffled = [3, 0, 9, 1, 8, 2, 7, 4, 6, 5]
    X = pd.DataFrame({"x": [pd.Series(row[shuffled], index=shuffled) for row in VALUES]})
    np.testing.assert_array_equal(np.stack(as_recordings(X).values)[:, 0], VALUES)
    X = nested([f"t{i + 1}" for i in range(STEPS)]).map(lambda s: s.sort_index())  # "t10" before "t2"
    with pytest.raises(DataError, match=r"row 0: the index of its cells holds text") as err:
        as_recordings(X)
    scope = {"X": X}
    exec(_fix(str(err.value)), scope)
    np.testing.assert_array_equal(np.stack(as_recordings(scope["X"]).values)[:, 0], VALUES)


def timed(step: str) -> pd.DataFrame:
    times = pd.date_range("2024-01-01", periods=16, freq=step)
    index = pd.MultiIndex.from_product([range(4), times], names=["instance", "time"])
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=64)}, index=index)


def test_the_time_level_gives_the_sampling_step_as_a_csvs_time_column():
    assert as_recordings(timed("20ms")).sampling_step == pd.Timedelta(milliseconds=20)
    seconds = multiindex([0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18])
    assert as_recordings(seconds).sampling_step == pytest.approx(0.02)
    assert as_recordings(multiindex(list(range(STEPS)))).sampling_step is None  # sample numbers: no rate
    assert as_recordings(nested(list(range(STEPS)))).sampling_step is None
    cells = nested(pd.timedelta_range(0, periods=STEPS, freq="10ms"))
    assert as_recordings(cells).sampling_step == pd.Timedelta(milliseconds=10)
    model = SSMClassifier(method="random_features", n_kernels=10).fit(timed("20ms"), ["a", "b", "a", "b"])
    assert model.sampling_step_ == pd.Timedelta(milliseconds=20)
    with pytest.warns(SamplingStepWarning, match=re.escape("predict(X, rate=0.5)")):
        model.predict(timed("10ms"))


def test_a_df_lists_index_orders_its_rows_places_its_gaps_and_gives_the_step():
    times = pd.date_range("2024-01-01", periods=STEPS, freq="20ms")
    X = [pd.DataFrame({"x": row}, index=times).iloc[::-1] for row in VALUES]  # rows newest first
    data = as_recordings(X)
    np.testing.assert_array_equal(np.stack(data.values)[:, 0], VALUES)
    assert data.sampling_step == pd.Timedelta(milliseconds=20)
    X[1] = X[1].drop(index=times[[3, 4]])
    with pytest.warns(TimeGapWarning, match=r"frame 1: time '2024-01-01 00:00:00\.040000' to"):
        as_recordings(X)
    np.testing.assert_array_equal(np.stack(as_recordings(X, nan_policy="interpolate").values)[:, 0], VALUES)
    X = [pd.DataFrame({"x": row}, index=[f"t{i + 1}" for i in range(STEPS)]).sort_index() for row in VALUES]
    with pytest.raises(DataError, match=r"frame 0: the index holds text") as err:
        as_recordings(X)
    scope = {"X": X}
    exec(_fix(str(err.value)), scope)
    np.testing.assert_array_equal(np.stack(as_recordings(scope["X"]).values)[:, 0], VALUES)
