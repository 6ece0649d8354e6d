"""Long tables under other column names: ``unique_id, date, y`` is long without ``time_col=`` (it was
read as wide and refused for duplicate times), and ``store, date, sales`` gets the rename that reads
it, not the advice to drop its "duplicate" times (which would drop all series but one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


def long_table(columns=("unique_id", "date", "y"), ids=("a", "b")) -> pd.DataFrame:
    """Two daily series of 30 rows, one row per series and day, under ``columns``."""
    times = pd.date_range("2020-01-01", periods=30, freq="D")
    frame = pd.DataFrame(
        {"id": np.repeat(list(ids), 30), "time": np.tile(times, 2), "value": np.arange(60.0)}
    )
    return frame.set_axis(list(columns), axis=1)


@pytest.mark.parametrize("time_name", ["date", "timestamp", "when"])
def test_a_long_table_finds_its_time_column_without_time_col(tmp_path, time_name):
    frame = long_table(("unique_id", time_name, "y"))
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    for source in (frame, path):
        values, spec = load_series(source)
        assert spec.long_format and spec.time_col == time_name and spec.targets == ["a", "b"]
        assert spec.freq == "D" and np.allclose(values["b"], np.arange(30.0, 60.0))


def test_a_long_table_under_other_names_gets_the_rename():
    with pytest.raises(DataError, match=r"duplicate timestamps.*long table.*'store'.*rename\(columns=\{'store': "
                       r"'unique_id', 'sales': 'y'\}\)") as error:  # fmt: skip
        load_series(long_table(("store", "date", "sales")))
    assert "drop_duplicates" not in str(error.value)
    assert str(error.value).endswith("(on the command line: --data.id_col store --data.value_col sales).")
    with pytest.raises(DataError, match=r"series in column 'shop'.*\{'shop': 'unique_id', 'sales': 'y'\}"):
        load_series(long_table(("shop", "date", "sales"), ids=(7, 8)))  # ids that are numbers


def test_a_wide_table_with_a_repeated_row_keeps_the_drop_duplicates_advice():
    wide = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=30, freq="D"), "a": np.arange(30.0)})
    wide["kind"] = np.where(np.arange(30) % 2, "x", "y")
    wide = pd.concat([wide, wide.iloc[[5]].assign(kind="z")], ignore_index=True)
    with pytest.raises(DataError, match=r"duplicate timestamps.*drop_duplicates") as error:
        load_series(wide, target="a")
    assert "long table" not in str(error.value)


def test_a_date_column_beside_clock_times_gets_the_join_not_the_rename():
    times = pd.date_range("2020-01-01", periods=96 * 3, freq="15min")
    logger = pd.DataFrame(
        {"date": times.strftime("%Y-%m-%d"), "time": times.strftime("%H:%M"), "v": np.arange(288.0)}
    )
    with pytest.raises(DataError, match=r"times of day seem to be in column 'time'") as error:
        load_series(logger)
    assert "long table" not in str(error.value)
