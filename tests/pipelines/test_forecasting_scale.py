"""Forecasting at many series: results pinned against the per-series implementations they replaced,
and guards that the work stays vectorised (no timing: counts of calls and shared memory)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting import (
    ForecastDataModule,
    SeriesSpec,
    forecast_frame,
    point_index,
    quantile_column,
    to_long_forecast,
)


def reference_forecast_frame(prediction, times, time_col, targets, quantiles):
    """The column-by-column implementation ``forecast_frame`` replaced."""
    frame = pd.DataFrame({time_col: times})
    for j, target in enumerate(targets):
        frame[target] = prediction[:, j, point_index(quantiles)]
        for k, level in enumerate(quantiles or []):
            frame[quantile_column(target, level)] = prediction[:, j, k]
    return frame


def reference_to_long_forecast(frame, spec):
    """The per-series implementation ``to_long_forecast`` replaced."""
    own = {target: re.compile(rf"{re.escape(target)}(_q[0-9.e+-]+|_actual)") for target in spec.targets}
    taken = {c for c in frame.columns for t in spec.targets if c == t or own[t].fullmatch(str(c))}
    shared = [c for c in frame.columns if c not in taken and c != spec.time_col]
    parts = []
    for target in spec.targets:
        part = frame[shared].reset_index(drop=True)
        part[spec.id_col] = target
        part[spec.time_col] = frame[spec.time_col].to_numpy()
        part[spec.value_col] = frame[target].to_numpy()
        for column in frame.columns:
            match = own[target].fullmatch(str(column))
            if match:
                part[spec.value_col + match.group(1)] = frame[column].to_numpy()
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    return long[[*shared, spec.id_col, *[c for c in long.columns if c not in (*shared, spec.id_col)]]]


TARGETS = ["b", "a", "a_q", "s10", "x_actual"]  # names that extend each other or look like suffixes


@pytest.mark.parametrize("quantiles", [None, [0.1, 0.5, 0.9]])
def test_forecast_frame_and_long_layout_equal_the_per_series_versions(quantiles):
    rng = np.random.default_rng(0)
    times = pd.date_range("2024-01-01", periods=4, freq="h")
    prediction = rng.normal(size=(4, len(TARGETS), len(quantiles or [None])))
    wide = forecast_frame(prediction, times, "ds", TARGETS, quantiles)
    pd.testing.assert_frame_equal(wide, reference_forecast_frame(prediction, times, "ds", TARGETS, quantiles))
    spec = SeriesSpec(time_col="ds", targets=TARGETS, freq="h", long_format=True)
    pd.testing.assert_frame_equal(to_long_forecast(wide, spec), reference_to_long_forecast(wide, spec))
    # a backtest's layout: a leading cutoff and <target>_actual columns
    backtest = wide.assign(**{f"{t}_actual": rng.normal(size=4) for t in TARGETS})
    backtest.insert(0, "cutoff", times[0])
    pd.testing.assert_frame_equal(
        to_long_forecast(backtest, spec), reference_to_long_forecast(backtest, spec)
    )


def test_long_layout_pads_a_series_without_a_quantile_column_as_concat_did():
    spec = SeriesSpec(time_col="ds", targets=["a", "b"], freq="D", long_format=True)
    wide = pd.DataFrame({"ds": [1, 2], "a": [1.0, 2], "b": [3.0, 4], "b_q0.5": [3.0, 4]})
    pd.testing.assert_frame_equal(to_long_forecast(wide, spec), reference_to_long_forecast(wide, spec))


def test_the_splits_share_one_row_major_copy_of_the_series():
    """Windows are slices of one (T, n_channels) array, not a copy per split (nor per window)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(300, 50)), columns=[f"s{i}" for i in range(50)])
    frame.insert(0, "ds", pd.date_range("2024-01-01", periods=300, freq="h"))
    module = ForecastDataModule.from_frame(frame, lookback=24, horizon=6)
    module.setup("fit")
    splits = [module.windows(split) for split in ("train", "val", "test")]
    assert (
        len({w.inputs.data_ptr() for w in splits}) == 1 and len({w.targets.data_ptr() for w in splits}) == 1
    )
    assert splits[0].inputs.is_contiguous() and splits[0].inputs.shape == (300, 50)
    x, y = splits[1][0]
    start = splits[1].starts[0]
    np.testing.assert_array_equal(x.numpy(), frame.iloc[start : start + 24, 1:].to_numpy())
    np.testing.assert_array_equal(y.numpy(), frame.iloc[start + 24 : start + 30, 1:].to_numpy())


def long_frame(times, n_series: int = 4, values=None) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    names = [f"id{i}" for i in range(n_series)][::-1]  # not in sorted order
    y = rng.normal(size=len(times) * n_series) if values is None else values
    return pd.DataFrame({"unique_id": np.repeat(names, len(times)), "ds": np.tile(times, n_series), "y": y})


@pytest.mark.parametrize(
    "times",
    [
        pd.date_range("2024-01-01", periods=6, freq="h"),
        pd.date_range("2024-03-30", periods=6, freq="D", tz="Europe/Berlin"),
        np.arange(1990, 2002, 2),
    ],
    ids=["hourly", "tz-aware", "integer-steps"],
)
def test_pivot_equals_pandas_pivot(times):
    from ssm_ts.pipelines.forecasting.series import _pivot

    long = long_frame(times).sample(frac=1.0, random_state=0)  # rows in any order
    long = long.drop(index=long.index[:3])  # ragged: some (series, time) cells missing
    expected = long.pivot(index="ds", columns="unique_id", values="y")
    expected.columns = [str(c) for c in expected.columns]
    pd.testing.assert_frame_equal(_pivot(long, "ds", "unique_id", "y"), expected.reset_index())
    integers = long.assign(y=np.arange(len(long)), unique_id=long["unique_id"].str[2:].astype(int))
    expected = integers.pivot(index="ds", columns="unique_id", values="y").astype("float64")
    expected.columns = [str(c) for c in expected.columns]
    pd.testing.assert_frame_equal(_pivot(integers, "ds", "unique_id", "y"), expected.reset_index())


def test_a_long_table_loads_as_the_same_table_pivoted_by_hand():
    from ssm_ts.pipelines.forecasting import load_series

    long = long_frame(pd.date_range("2024-01-01", periods=50, freq="h"), n_series=30)
    wide = long.pivot(index="ds", columns="unique_id", values="y").reset_index()
    wide.columns.name = None
    from_long, long_spec = load_series(long)
    from_wide, wide_spec = load_series(wide)
    pd.testing.assert_frame_equal(from_long, from_wide)
    assert long_spec.targets == wide_spec.targets and long_spec.long_format
