"""Errors about a long table's per-series covariate columns name the user's column, series id and row,
not the covariate series the fit builds from them (``load[A]``) at rows of the table it expands: a NaN
in ``futr_df``'s ``load`` of series ``A`` was "series 'load[A]' (unique_id 'load[A]', values in 'y')",
a NaN in the history's row 150 was "row 538", and the fill fix was words only (now a line that runs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.reader import read_table
from ssm_ts.pipelines.forecasting.series_features import SeriesFeatures
from tests.series_features_data import long_table, tiny_forecaster


@pytest.fixture(scope="module")
def frames(ett) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(history, futr_df)`` of ETTh1's OT and HUFL as series ``A``/``B`` with their own ``load``: each
    series' last 6 hours are ``futr_df`` (no ``y``)."""
    table = long_table(ett, 200)
    table["unique_id"] = table["unique_id"].map({"OT": "A", "HUFL": "B"})
    last = table["ds"] > table["ds"].iloc[-7]
    return table[~last].reset_index(drop=True), table[last].drop(columns="y").reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(frames, tmp_path_factory) -> Forecaster:
    torch.set_num_threads(1)
    return tiny_forecaster(tmp_path_factory.mktemp("fc34_names")).fit(frames[0], future_covariates=["load"])


def refused(call) -> str:
    with pytest.raises(DataError) as error:
        call()
    message = str(error.value)
    assert "load[" not in message, message
    return message


def test_a_nan_in_futr_df_names_its_column_series_and_row_with_a_fix_that_runs(fitted, frames):
    history, futr_df = frames
    futr_df = futr_df.copy()
    futr_df.loc[2, "load"] = np.nan  # series A's third forecast step
    message = refused(lambda: fitted.predict(history, futr_df=futr_df))
    where = "column 'load' of series 'A' (unique_id 'A') has NaN (empty) values at time 2016-07-09 04:00:00 (row 2)"
    assert where in message
    code = "futr_df['load'] = futr_df.groupby('unique_id')['load'].ffill()"
    assert code in message
    exec(code, {"futr_df": futr_df})  # the fix as written fills the cell
    assert len(fitted.predict(history, futr_df=futr_df)) == 12


def test_a_missing_futr_df_row_is_named_by_its_series(fitted, frames):
    history, futr_df = frames
    message = refused(lambda: fitted.predict(history, futr_df=futr_df.drop(index=2)))
    assert "column 'load' of series 'A' (unique_id 'A')" in message
    assert "no row for 'A' at 2016-07-09 04:00:00" in message


def test_a_futr_df_csv_names_the_csv_line(fitted, frames, tmp_path):
    history, futr_df = frames
    futr_df.assign(load=futr_df["load"].where(futr_df.index != 8)).to_csv(tmp_path / "f.csv", index=False)
    message = refused(lambda: fitted.predict(history, futr_df=tmp_path / "f.csv"))
    assert "column 'load' of series 'B' (unique_id 'B')" in message and "(row 8 (CSV line 10))" in message


def test_history_rows_are_the_users_in_predict_backtest_and_fit(fitted, frames, tmp_path):
    history, futr_df = frames
    gap = history.assign(load=history["load"].where(history.index != 150))
    where = "column 'load' of series 'A' (unique_id 'A') has NaN (empty) values at time 2016-07-07 06:00:00 (row 150)"
    for call in (lambda: fitted.predict(gap, futr_df=futr_df), lambda: fitted.backtest(gap)):
        assert where in refused(call)
    message = refused(lambda: tiny_forecaster(tmp_path).fit(gap, future_covariates=["load"]))
    assert (
        "column 'load' of series 'A' (unique_id 'A') has NaN (empty) values" in message
        and "(row 150)" in message
    )


def test_values_steps_and_duplicates_name_the_users_column(fitted, frames):
    history, futr_df = frames
    huge = futr_df.assign(load=futr_df["load"].where(futr_df.index != 3, 1e30))
    assert "column 'load' of series 'A' (unique_id 'A') holds 1e+30" in refused(
        lambda: fitted.predict(history, futr_df=huge)
    )
    short = futr_df[futr_df["ds"] < futr_df["ds"].max()]
    assert "the known-future covariates ['load'] of 6 steps" in refused(
        lambda: fitted.predict(history, futr_df=short)
    )
    twice = pd.concat([futr_df, futr_df.iloc[[1]]], ignore_index=True)
    message = refused(lambda: fitted.predict(history, futr_df=twice))
    assert "series 'A' has duplicate timestamps at rows 1, 12" in message
    code = "futr_df = futr_df.drop_duplicates(subset=['unique_id', 'ds'], keep='last')"
    assert code in message
    scope = {"futr_df": twice}
    exec(code, scope)
    assert len(fitted.predict(history, futr_df=scope["futr_df"])) == 12


def test_each_expanded_row_maps_to_the_users_row_on_a_random_panel():
    rng = np.random.default_rng(0)
    times = pd.date_range("2024-01-01", periods=7, freq="D")
    rows = [(s, t) for s in ["x", "y", "z"] for t in times]
    order = rng.permutation(len(rows))  # rows in any order
    table = pd.DataFrame([rows[i] for i in order], columns=["unique_id", "ds"])
    table = table.assign(
        y=rng.normal(size=len(table)), p=rng.normal(size=len(table)), q=rng.normal(size=len(table))
    )
    features = SeriesFeatures(
        "unique_id", "y", ["x", "y"], past=["p"], future=["q"], statics={"s": {"x": 1.0, "y": 2.0}}
    )
    for future in (False, True):
        given = table.drop(columns="y") if future else table
        expanded = features.expanded_table(read_table(given), "ds", future=future)
        origin = expanded.features
        assert len(origin.rows) == len(expanded.frame)
        for i, (name, time) in enumerate(zip(expanded.frame["unique_id"], expanded.frame["ds"], strict=True)):
            if origin.rows[i] < 0:  # a static's row: no row of the table
                assert name.startswith("s[")
                continue
            row = given.iloc[origin.rows[i]]
            column, series = origin.names.get(name, (None, name))
            assert (row["unique_id"], row["ds"]) == (series, time)
            if column is not None:
                assert expanded.frame["y"].iloc[i] == row[column]


def test_the_fill_of_a_table_out_of_time_order_sorts_it_first(fitted, frames):
    history, futr_df = frames
    # series A's rows newest first (as after a merge or a sort by value): a fill in row order would
    # carry the next hour's load into the cell, not the last hour's
    shuffled = pd.concat([history[history["unique_id"] == "B"], history[history["unique_id"] == "A"][::-1]])
    shuffled = shuffled.reset_index(drop=True)
    cell = int(np.flatnonzero((shuffled["unique_id"] == "A").to_numpy())[50])
    when = shuffled.loc[cell, "ds"]
    before = history.loc[
        (history["unique_id"] == "A") & (history["ds"] == when - pd.Timedelta(hours=1)), "load"
    ]
    shuffled.loc[cell, "load"] = np.nan
    message = refused(lambda: fitted.predict(shuffled, futr_df=futr_df))
    code = message.split("into its empty cells: ")[1].split(" (a row missing")[0]
    scope = {"df": shuffled.copy()}
    exec(code, scope)  # the fix as written
    filled = scope["df"]
    assert filled["load"].notna().all()
    assert filled.loc[(filled["unique_id"] == "A") & (filled["ds"] == when), "load"].item() == before.item()
    assert len(fitted.predict(filled, futr_df=futr_df)) == 12
