"""Errors that count one series, or one row of a series, in the singular, on ETTh1 series in a long
table: they said '1 series have fewer', "'OT' (1 rows, ...)", '1 of 3 series have no training window'
and 'the 1 times after the last observation'; a series of one row is named by its time, not '(t to t)'."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from ssm_ts.api.forecast_fit_features import fit_datamodule
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.forecasting.forecast_inputs import last_windows, missing_future_error
from tests.test_scale37_capped_ids import SETTINGS


def _long(ett: pd.DataFrame, rows: dict[str, slice]) -> pd.DataFrame:
    """ETTh1's series ``name`` over its ``rows`` hours, one long table."""
    return pd.concat(
        [pd.DataFrame({"unique_id": name, "ds": ett["date"].iloc[cut], "y": ett[name].iloc[cut]})
         for name, cut in rows.items()],
        ignore_index=True,
    )  # fmt: skip


def test_one_short_series_and_its_one_row_are_singular(ett):
    frame, spec = load_series(_long(ett, {"HUFL": slice(0, 48), "OT": slice(47, 48)}))
    with pytest.raises(DataError) as raised:
        last_windows(frame, spec, 24, 6)
    message = str(raised.value)
    assert "of every series; 1 series has fewer: 'OT' (1 row, 2016-07-02 23:00:00). " in message


def test_one_series_without_a_training_window_is_singular(ett):
    table = _long(ett, {"HUFL": slice(0, 60), "MUFL": slice(0, 60), "OT": slice(50, 56)})
    with pytest.raises(DataError) as raised:
        fit_datamodule(table, None, "fit", time_col="ds", **SETTINGS)
    assert "the DataFrame: 1 of 3 series has no training window (lookback 8 + horizon 2 rows" in str(
        raised.value
    )


def test_one_time_of_a_series_known_future_column_is_singular(ett):
    table = _long(ett, {"HUFL": slice(0, 48), "OT": slice(0, 48)})
    _, spec = load_series(table)
    spec = dataclasses.replace(spec, future_covariates=["promo[OT]"], long_format=True)
    message = str(missing_future_error(spec, 1, ett["date"].iloc[47], 0, "the 1 forecast step"))
    assert (
        "needed for the 1 forecast step, the 1 time after the last observation (ds 2016-07-03 00:00:00;"
        in message
    )
