"""``Forecaster.fit`` / ``predict`` given ``pd.read_csv(path)`` of a CSV written with ';' and decimal commas
(Europe's export): one column ``'date;OT'``. The error said only "columns are ['date;OT']" (or found no
time column); it now names the separator and the read that gives the table, as the MLflow model's does
(one test of a joined header, ``joined_columns``, for both). Real data: ETTh1."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.reader import read_table
from tests.test_pyf40_other_separator import HORIZON, LOOKBACK, european  # noqa: F401 (the fixture)

SAID = (
    r"the DataFrame has one column 'date;OT': the columns \['date', 'OT'\] joined by ';', a CSV written with ';' "
    r"between its fields read with ',' between them\. Read the file so: pd\.read_csv\(path, sep=';', decimal=','\)"
)


def test_fit_on_a_frame_read_with_the_wrong_separator_names_it(european):  # noqa: F811
    path, _ = european
    for columns in ({}, {"time_col": "date", "target": "OT"}):
        with pytest.raises(DataError, match=SAID):
            Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1).fit(
                pd.read_csv(path), **columns
            )


def test_predict_on_a_frame_read_with_the_wrong_separator_names_it(european):  # noqa: F811
    path, forecaster = european
    with pytest.raises(DataError, match=SAID):
        forecaster.predict(pd.read_csv(path))
    # the read it gives forecasts
    assert len(forecaster.predict(pd.read_csv(path, sep=";", decimal=","))) == HORIZON


def test_a_tab_file_of_whole_numbers_gets_no_decimal_mark_and_named_columns_are_kept():
    tabs = pd.DataFrame({"date\tOT": ["2020-01-01\t3", "2020-01-02\t4"]})
    with pytest.raises(
        DataError, match=r"joined by '\\t'.*pd\.read_csv\(path, sep='\\t'\), or pass its path"
    ):
        read_table(tabs)
    # a column named with a ';' beside a time index, or beside other columns, is a column
    times = pd.date_range("2020-01-01", periods=3, freq="D", name="date")
    assert list(read_table(pd.DataFrame({"a;b": [1.0, 2.0, 3.0]}, index=times)).frame.columns) == [
        "date",
        "a;b",
    ]
    assert read_table(pd.DataFrame({"date": times, "a;b": [1.0, 2.0, 3.0]})).frame.shape == (3, 2)
