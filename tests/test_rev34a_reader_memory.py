"""The reader's all-columns-at-once checks stay within a small multiple of the table's own size: the
code test of every column (:func:`_may_hold_codes`) copied the whole ``(rows, columns)`` block about
three times over at once (finite values, deviations, a sort), and :func:`numeric_columns` copied its
block a second time into the DataFrame it returns. A 2 GB frame read with 6 GB more at its peak."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts.pipelines.forecasting import sentinels
from ssm_ts.pipelines.forecasting.reader import read_table
from ssm_ts.pipelines.forecasting.sentinels import _may_hold_codes, sentinel_values
from ssm_ts.pipelines.forecasting.value_columns import numeric_columns
from tests.memory_peak import peak_bytes


def test_the_code_test_of_many_columns_takes_them_a_chunk_at_a_time(monkeypatch):
    monkeypatch.setattr(
        sentinels, "CHUNK_CELLS", 1 << 16, raising=False
    )  # chunks of 0.5 MB: many in a test-sized block
    rng = np.random.default_rng(0)
    block = rng.normal(size=(500, 2000)).cumsum(axis=0)  # 8 MB
    block[rng.integers(0, 500, 40), rng.integers(0, 2000, 40)] = -9999.0  # codes in some columns
    block[:30, 7] = np.nan
    block[3, 11] = np.inf
    looked_at, peak = peak_bytes(lambda: _may_hold_codes(block))
    assert peak < block.nbytes / 2, peak  # was about three blocks
    coded = [j for j in range(block.shape[1]) if sentinel_values(block[:, j]).size]
    assert coded and set(coded) <= set(looked_at.tolist()) and len(looked_at) < block.shape[1]
    # the same columns as the test of the whole block at once
    monkeypatch.setattr(sentinels, "CHUNK_CELLS", block.size, raising=False)
    np.testing.assert_array_equal(looked_at, _may_hold_codes(block))


def test_numeric_columns_return_their_block_without_a_second_copy():
    frame = pd.DataFrame(
        np.random.default_rng(1).normal(size=(2000, 500)), columns=[f"c{i}" for i in range(500)]
    )
    table = read_table(frame)
    values, peak = peak_bytes(lambda: numeric_columns(table, list(frame.columns)))
    assert values.to_numpy().nbytes == frame.to_numpy().nbytes
    assert peak < 1.5 * frame.to_numpy().nbytes, peak  # was two blocks: the values and their copy
    np.testing.assert_array_equal(values.to_numpy(), frame.to_numpy())
