"""The one-block interpolation (:func:`interpolated`) is pandas' ``interpolate(method="linear",
limit_direction="both")`` bit for bit at the edges too: a column without a value, a lone value, leading
and trailing gaps, infinite values and magnitudes whose differences overflow."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ssm_ts.pipelines.forecasting.fill_policy import fill_values, interpolated

NAN, INF = np.nan, np.inf
EDGES = np.array(
    [
        [NAN, NAN, 1.0, NAN, INF, 1e308],
        [NAN, 5.0, NAN, INF, NAN, NAN],
        [NAN, NAN, 3.0, NAN, -INF, -1e308],
        [NAN, NAN, NAN, 2.0, NAN, NAN],
        [NAN, NAN, NAN, NAN, 1.0, 1e-300],
    ]
)


def _pandas(block: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf - inf, as pandas computes it
        return pd.DataFrame(block).interpolate(method="linear", limit_direction="both").to_numpy()


def test_the_edges_are_pandas_bit_for_bit():
    got = interpolated(EDGES)
    assert np.array_equal(got, _pandas(EDGES), equal_nan=True)
    assert np.isnan(got[:, 0]).all() and (got[:, 1] == 5.0).all()  # no value: empty; one: everywhere
    assert np.array_equal(got[:, 2], [1.0, 2.0, 3.0, 3.0, 3.0])  # between, then the last carried


def test_random_blocks_with_gaps_and_infinities_are_pandas_bit_for_bit():
    rng = np.random.default_rng(0)
    for _ in range(300):
        block = rng.normal(size=(rng.integers(1, 9), 3)) * 10.0 ** rng.integers(-5, 300)
        block[rng.random(block.shape) < rng.random()] = NAN
        block[rng.random(block.shape) < 0.05] = rng.choice([INF, -INF])
        assert np.array_equal(interpolated(block), _pandas(block), equal_nan=True), block


def test_fill_values_keeps_the_frame_index_and_columns():
    frame = pd.DataFrame(EDGES[:, 1:4], index=[10, 11, 12, 13, 14], columns=["x", "y", "z"])
    filled = fill_values(frame, "interpolate")
    assert filled.index.equals(frame.index) and list(filled.columns) == ["x", "y", "z"]
