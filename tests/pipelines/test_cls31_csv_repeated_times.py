"""A recording whose times repeat out of order in a CSV (two recordings under one id, rows written
twice) is a DataError naming the recording, the time, its lines and the fix: sorted by time, its rows
were read as one recording twice as long, the two takes' values interleaved, without a word. Times
that only repeat in file order (rounded time stamps) keep that order, as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_csv_folder, read_csv_long


@pytest.fixture()
def long_frame():
    """Recordings 0-3 of one channel and 5 steps (times 0..4), labels b, a, b, a."""
    rng = np.random.default_rng(0)
    ids, times = np.repeat(np.arange(4), 5), np.tile(np.arange(5), 4)
    return pd.DataFrame(
        {"id": ids, "time": times, "x": rng.normal(size=20), "label": np.where(ids % 2, "a", "b")}
    )


def test_two_takes_under_one_id_are_named(long_frame, tmp_path):
    second_take = long_frame[long_frame.id == 1].assign(x=lambda f: f.x + 10)
    pd.concat([long_frame, second_take]).to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(DataError) as caught:
        read_csv_long(tmp_path / "long.csv")
    assert str(caught.value) == (
        f"{tmp_path / 'long.csv'}, recording '1': time 0 occurs on 2 rows, line(s) [7, 22] (5 repeated "
        "time(s), out of order); a recording needs one row per time step. If two recordings share the id "
        "'1', give each its own; if the rows are repeats, keep one (pandas: frame.drop_duplicates(['id', "
        "'time']))."
    )


def test_the_fix_for_repeated_rows_reads_the_recordings(long_frame, tmp_path):
    frame = pd.concat([long_frame, long_frame[long_frame.id == 2]])
    frame.to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(DataError, match="recording '2': time 0 occurs on 2 rows"):
        read_csv_long(tmp_path / "long.csv")
    frame.drop_duplicates(["id", "time"]).to_csv(tmp_path / "fixed.csv", index=False)
    data = read_csv_long(tmp_path / "fixed.csv")
    assert data.lengths.tolist() == [5, 5, 5, 5]
    np.testing.assert_allclose(data.values[2][0], long_frame.x[long_frame.id == 2])


def test_rounded_times_in_file_order_keep_that_order(long_frame, tmp_path):
    rounded = long_frame.assign(time=long_frame.time // 2)  # 0, 0, 1, 1, 2: a coarse clock
    rounded.to_csv(tmp_path / "rounded.csv", index=False)
    data = read_csv_long(tmp_path / "rounded.csv")
    for i, values in enumerate(data.values):
        np.testing.assert_allclose(values[0], long_frame.x[long_frame.id == i])


def test_a_file_of_a_csv_folder_written_twice_is_named(long_frame, tmp_path):
    rows = long_frame[long_frame.id == 0][["time", "x"]]
    rows = rows.assign(time=pd.Timestamp("2024-05-01 12:00") + pd.to_timedelta(rows.time, unit="s"))
    rows.to_csv(tmp_path / "rec0.csv", index=False)
    pd.concat([rows, rows]).to_csv(tmp_path / "rec1.csv", index=False)
    with pytest.raises(DataError) as caught:
        read_csv_folder(tmp_path)
    assert str(caught.value).startswith(
        f"{tmp_path / 'rec1.csv'}: time '2024-05-01 12:00:00' occurs on 2 rows, line(s) [2, 7] (5 repeated"
    )
    assert str(caught.value).endswith("keep one (pandas: frame.drop_duplicates('time')).")
