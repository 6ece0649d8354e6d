"""A fill of thousands of series works on one block: ``fill="interpolate"`` computes every column's
cells at once (pandas interpolates one column at a time) with ``np.interp``'s arithmetic, so its numbers
are pandas' bit for bit, and the filled values of every series are set in one block whose columns each
lie together in memory, as those set one column at a time did (a block of rows summed a scaler's means
in another order: forecasts moved by 1e-13). Loading 2,000 series x 500 days: 0.2 s (was 0.7 s)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting import fills
from ssm_ts.pipelines.forecasting.fill_policy import interpolated
from ssm_ts.pipelines.forecasting.fills import refill_before
from ssm_ts.pipelines.forecasting.series import load_series
from ssm_ts.pipelines.forecasting.series_spec import filled_cells
from tests.call_counts import counted_calls


def _pandas(block: np.ndarray) -> np.ndarray:
    return pd.DataFrame(block).interpolate(method="linear", limit_direction="both").to_numpy()


def _with_gaps(values: np.ndarray, share: float, seed: int = 0) -> np.ndarray:
    gappy = values.astype("float64", copy=True)
    gappy[np.random.default_rng(seed).random(gappy.shape) < share] = np.nan
    gappy[:3, 0] = gappy[-4:, -1] = np.nan  # a leading and a trailing gap
    return gappy


@pytest.mark.parametrize("share", [0.02, 0.3, 0.9])
def test_interpolation_of_ett_with_gaps_is_pandas_bit_for_bit(ett, share):
    block = _with_gaps(ett.drop(columns="date").to_numpy(), share)
    assert np.array_equal(interpolated(block), _pandas(block))


def test_interpolation_of_two_thousand_series_is_pandas_bit_for_bit():
    rng = np.random.default_rng(1)
    block = _with_gaps(rng.normal(size=(300, 2000)).cumsum(axis=0) * 1.37 + 1e6, 0.1)
    block[:, 7] = np.nan  # no value at all: stays empty
    block[5, 8], block[9, 8] = np.inf, -np.inf  # inf is a value to pandas: as np.interp
    block[:, 9] = np.where(np.isnan(block[:, 9]), np.nan, 1e308 * np.sign(block[:, 9] - 1e6))  # overflow
    assert np.array_equal(interpolated(block), _pandas(block), equal_nan=True)


def _long_table_with_gaps(n_series: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ds = pd.date_range("2021-01-01", periods=30, freq="D")
    table = pd.DataFrame({"unique_id": np.repeat([f"s{i:03d}" for i in range(n_series)], len(ds)),
                          "ds": np.tile(ds, n_series), "y": rng.normal(size=n_series * len(ds)).cumsum()})  # fmt: skip
    inside = (table["ds"] > ds[0]) & (table["ds"] < ds[-1])  # gaps, not ends: a series' span is its own
    table.loc[inside & (rng.random(len(table)) < 0.1), "y"] = np.nan
    return table


@pytest.mark.parametrize("fill", ["ffill", "interpolate"])
def test_filled_values_of_every_series_are_set_at_once(monkeypatch, fill):
    counts = {}
    for n_series in (6, 60):
        table = _long_table_with_gaps(n_series)
        with monkeypatch.context() as patched:
            calls = counted_calls(patched, pd.DataFrame, "__setitem__")
            frame, spec = load_series(table, fill=fill)[:2]
        counts[n_series] = len(calls)
        assert not frame[spec.targets].isna().any().any()
    assert counts[60] == counts[6]  # was a frame column set per series: 6 and 60 more


def test_a_filled_frame_sums_each_column_as_one_set_alone():
    """Each column's values lie together: a mean over the rows of the block of every series (the
    scaler's) is each column's own mean, bit for bit, as with columns set one at a time."""
    table = _long_table_with_gaps(400)
    table["y"] = table["y"] * 1.37 + 1e3
    frame, spec = load_series(table, fill="ffill")[:2]
    block = frame[spec.targets].to_numpy()
    own = np.array([np.mean(frame[name].to_numpy()) for name in spec.targets])
    assert np.array_equal(block.mean(axis=0), own)
    assert np.array_equal(frame[spec.targets].mean().to_numpy(), own)


def _cut_at(frame: pd.DataFrame, spec, firsts: np.ndarray) -> pd.DataFrame:
    """``frame``'s rows as a refit reads them: each target NaN from its own first forecast row on."""
    prefix = frame.iloc[: int(firsts.max())].copy()
    for name, first in zip(spec.targets, firsts, strict=True):
        prefix.loc[prefix.index >= first, name] = np.nan
    return prefix


@pytest.mark.parametrize("fill", ["ffill", "interpolate"])
def test_a_refit_refills_every_series_at_once_as_each_alone(monkeypatch, fill):
    """:func:`refill_before` fills every column's own rows in one call (was one per series: 1.9 s a
    refit at 2,000 series, now 0.25 s); each column's cells are pandas' fill of its own rows alone."""
    n_series, n_rows = 40, 60
    rng = np.random.default_rng(2)
    values = rng.normal(size=(n_rows, n_series)).cumsum(axis=0) * 1.37 + 50
    values[1:-1][rng.random((n_rows - 2, n_series)) < 0.15] = np.nan
    wide = pd.DataFrame(values, columns=[f"s{i}" for i in range(n_series)])
    wide.insert(0, "date", pd.date_range("2021-01-01", periods=n_rows, freq="D"))
    frame, spec = load_series(wide, time_col="date", target=list(wide.columns[1:]), fill=fill)[:2]
    firsts = rng.integers(40, n_rows, size=n_series)
    prefix = _cut_at(frame, spec, firsts)
    with monkeypatch.context() as patched:
        calls = counted_calls(patched, fills, "fill_values")
        refilled = refill_before(prefix, spec, firsts)
    assert len(calls) == 1  # was one per series with a filled cell before its cutoff: 40
    invented = filled_cells(prefix, spec)
    for j, name in enumerate(spec.targets):
        own = wide[name].to_numpy()[: firsts[j]]
        alone = (
            pd.Series(own).ffill().bfill()
            if fill == "ffill"
            else pd.Series(own).interpolate(limit_direction="both")
        )
        expected = np.where(invented[: firsts[j], j], alone.to_numpy(), prefix[name].to_numpy()[: firsts[j]])
        assert np.array_equal(refilled[name].to_numpy()[: firsts[j]], expected), name
        assert refilled[name].iloc[firsts[j] :].isna().all()
    assert refilled.attrs == prefix.attrs  # the fill notes kept
    same = np.array_equal(refilled[spec.targets].to_numpy(), prefix[spec.targets].to_numpy(), equal_nan=True)
    assert same == (fill == "ffill")  # gaps drawn toward the rows after a cutoff: refilled
