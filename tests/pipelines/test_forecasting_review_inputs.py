"""Inputs a review found misreported, on ETTh1: a column that is all inf was "no values at all", a long
table without its value column named its series as missing columns, and a long table's row without a
series id was dropped unseen. Each is now a DataError naming the column or rows and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule, load_series

ROWS, LOOKBACK, HORIZON = 200, 24, 6


@pytest.fixture(scope="module")
def wide(shared_data) -> pd.DataFrame:
    """The first 200 hourly rows of ETTh1's HUFL and OT."""
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:ROWS][["date", "HUFL", "OT"]]


@pytest.fixture(scope="module")
def long(wide) -> pd.DataFrame:
    """``wide`` as a long table: ``ds, unique_id, y``, HUFL's rows then OT's."""
    melted = wide.melt(id_vars="date", var_name="unique_id", value_name="y")
    return melted.rename(columns={"date": "ds"})


def quick_fit(data: pd.DataFrame, out_dir: str) -> Forecaster:
    torch.set_num_threads(1)
    forecaster = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
                            out_dir=out_dir, trainer_options={"enable_progress_bar": False,
                                                              "enable_model_summary": False})  # fmt: skip
    return forecaster.fit(data)


@pytest.fixture(scope="module")
def fitted_wide(wide, tmp_path_factory) -> Forecaster:
    return quick_fit(wide, str(tmp_path_factory.mktemp("wide")))


@pytest.fixture(scope="module")
def fitted_long(long, tmp_path_factory) -> Forecaster:
    return quick_fit(long, str(tmp_path_factory.mktemp("long")))


# --- a column of inf only ----------------------------------------------------------------------------


def test_a_target_all_inf_at_predict_is_named_inf_where_and_how_to_fix(fitted_wide, wide):
    with pytest.raises(DataError) as error:
        fitted_wide.predict(wide.assign(OT=np.inf))
    message = str(error.value)
    assert "no values at all" not in message
    assert (
        "column 'OT' has no finite value: inf (infinite) values at rows 0, 1, 2, 3, 4 and 195 more" in message
    )
    # a fitted model needs the column: it cannot be left out, only fixed or refitted without
    assert "Fix them where the column is computed" in message
    assert "refit the model without it (name the other targets: target=['HUFL'])" in message


def test_a_column_all_inf_is_no_fill_policys_to_fill_and_a_long_series_too(wide, long):
    with pytest.raises(
        DataError, match=r"column 'OT' has no finite value: inf \(infinite\) values at rows 0, "
    ):
        load_series(wide.assign(OT=np.inf), fill="ffill")  # filled from nothing it was NaN throughout
    with pytest.raises(DataError, match=r"leave it out \(name the other targets: target=\['HUFL'\]\)"):
        load_series(wide.assign(OT=np.inf))
    frame = long.copy()
    frame.loc[frame["unique_id"] == "OT", "y"] = -np.inf
    with pytest.raises(DataError) as error:
        load_series(frame)
    assert (
        "series 'OT' (unique_id 'OT', values in 'y') has no finite value: inf (infinite) values at times "
        in str(error.value)
    )
    assert "(rows 200, 201, 202, 203, 204)" in str(error.value)  # OT's rows of the long table


def test_a_column_of_inf_and_empty_cells_names_the_inf_ones(wide):
    values = np.full(ROWS, np.nan)
    values[[3, 7]] = np.inf
    with pytest.raises(DataError, match=r"column 'OT' has no finite value: inf \(infinite\) values at rows 3, 7, "
                                        r"its other cells empty"):  # fmt: skip
        load_series(wide.assign(OT=values))


def test_an_empty_column_at_predict_is_refitted_without_not_left_out(fitted_wide, wide):
    with pytest.raises(DataError, match=r"column 'OT' has no values at all; refit the model without it"):
        fitted_wide.predict(wide.assign(OT=np.nan))


# --- a long table without its value column -------------------------------------------------------------


def test_a_long_table_without_its_values_at_predict_names_the_value_column(fitted_long, long):
    with pytest.raises(DataError) as error:
        fitted_long.predict(long.drop(columns="y"))
    message = str(error.value)
    assert "not found" not in message  # the series are rows of a long table, never columns
    assert (
        "the DataFrame has the series column 'unique_id' of a long table (one row per series and time) but no "
        "value column 'y'; columns are ['ds', 'unique_id']. Give the rows of the series ['HUFL', 'OT'] the "
        "model was fitted on their values in 'y'." in message
    )


def test_a_long_table_without_its_values_at_fit_names_the_value_column(long, tmp_path):
    path = tmp_path / "no_values.csv"
    long.drop(columns="y").to_csv(path, index=False)
    for data in (long.drop(columns="y"), path):
        with pytest.raises(DataError, match=r"has the series column 'unique_id' of a long table .* but no value "
                                            r"column 'y'; columns are \['ds', 'unique_id'\]\. Name the column "
                                            r"holding the values 'y' \(df\.rename"):  # fmt: skip
            load_series(data)
    with pytest.raises(DataError, match=r"no value column 'y'"):  # a target named: still the values missing
        load_series(long.drop(columns="y"), target="OT")
    with pytest.raises(DataError, match=r"no value column 'y'"):
        ForecastDataModule(path=str(path), lookback=LOOKBACK, horizon=HORIZON).setup("fit")


def test_a_long_table_with_another_value_column_names_y_not_duplicate_times(long):
    """``unique_id, ds, value`` (a melt's default name) reads as a wide table whose times repeat once per
    series: the error says it is a long table without ``y``, not only that timestamps are duplicated."""
    with pytest.raises(DataError, match=r"series column 'unique_id' of a long table .* no value column 'y'; "
                                        r"columns are \['ds', 'unique_id', 'value'\]"):  # fmt: skip
        load_series(long.rename(columns={"y": "value"}))


def test_a_wide_table_with_an_id_column_keeps_its_wording(wide):
    with pytest.raises(DataError, match=r"column \['load'\] not found in the DataFrame"):
        load_series(wide, target="load")  # no series column: a wide table's missing column
    frame, spec = load_series(wide.assign(unique_id="a"), target=["HUFL", "OT"])  # its columns there: read
    assert spec.targets == ["HUFL", "OT"] and not spec.long_format and len(frame) == ROWS


# --- a long table's row without a series id -------------------------------------------------------------


def without_ids(long: pd.DataFrame, rows: list[int], empty=None) -> pd.DataFrame:
    frame = long.copy()
    frame["unique_id"] = frame["unique_id"].astype(object)
    frame.loc[rows, "unique_id"] = empty
    return frame


@pytest.mark.parametrize("empty", [None, np.nan, "", "  "])
def test_a_row_without_a_series_id_is_an_error_at_fit(long, empty):
    with pytest.raises(DataError) as error:
        load_series(without_ids(long, [0, 250], empty))
    assert str(error.value) == (
        "the DataFrame: column 'unique_id' (the series of a long table) is empty on 2 rows, rows 0, 250; fill in "
        "the series those rows belong to, or drop them (df.dropna(subset=['unique_id']))."
    )


def test_a_csv_row_without_a_series_id_names_its_line(long, tmp_path):
    path = tmp_path / "ids.csv"
    without_ids(long, [17]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"'unique_id' \(the series of a long table\) is empty on 1 row, row 17 "
                                        r"\(CSV line 19\); fill in the series"):  # fmt: skip
        ForecastDataModule(path=str(path), lookback=LOOKBACK, horizon=HORIZON).setup("fit")


def test_a_row_without_a_series_id_is_an_error_at_predict_and_backtest(fitted_long, long):
    # the first row, as the review found it: once dropped unseen, HUFL then started an hour later
    frame = long.assign(unique_id=[None, *long["unique_id"].iloc[1:]])
    match = r"column 'unique_id' \(the series of a long table\) is empty on 1 row, row 0; fill in"
    with pytest.raises(DataError, match=match):
        fitted_long.predict(frame)
    with pytest.raises(DataError, match=match):
        fitted_long.backtest(frame, n_windows=2)


def test_a_row_without_a_series_id_in_evaluates_tables_is_an_error(fitted_long, long):
    """evaluate reads train and actuals itself: an empty id there was a bare TypeError (pandas' str
    dtype keeps it missing, and pivoting named a series NaN)."""
    from ssm_ts.evaluation import evaluate

    history = long[long["ds"].isin(long["ds"].unique()[: ROWS - HORIZON])]
    forecast = fitted_long.predict(history)
    match = (
        r"{} \(the DataFrame\): column 'unique_id' \(the series of a long table\) is empty on 1 row, row {};"
    )
    with pytest.raises(DataError, match=match.format("actuals", ROWS - 2)):  # in HUFL's forecast window
        evaluate(forecast, actuals=without_ids(long, [ROWS - 2]))
    with pytest.raises(DataError, match=match.format("train", 10)):
        evaluate(forecast, actuals=long, train=without_ids(history, [10]))


def test_a_csv_series_named_na_is_told_how_to_keep_its_name(long, tmp_path):
    """pandas reads a series named ``NA`` as missing: the empty-id error says which text it was and the
    read options that keep it; with them the table reads, ``NA`` one of its series."""
    path = tmp_path / "na_series.csv"
    long.replace({"unique_id": {"HUFL": "NA"}}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"is empty on 200 rows.* Of those, 'NA' on 200 rows hold text that "
                                        r"pandas reads as missing by default; if it names a series, add "
                                        r"read_options=\{'keep_default_na': False, 'na_values': \[''\]\}"):  # fmt: skip
        load_series(path)
    frame, spec = load_series(path, read_options={"keep_default_na": False, "na_values": [""]})
    assert spec.long_format and sorted(spec.targets) == ["NA", "OT"] and len(frame) == ROWS
