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
from ssm_ts.pipelines.forecasting import load_series

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
