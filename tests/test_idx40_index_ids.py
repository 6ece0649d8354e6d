"""A long table whose series ids sit in the DataFrame's index (``df.set_index("unique_id")``, the layout
neuralforecast took before 1.0): the index is dropped, the table read as wide, and its times repeat once
per series. The fix offered was the value column as the ids (``df.rename(columns={'y': 'unique_id'})``,
for ETT's rounded readings) or ``drop_duplicates`` (which trains on one mixed series). An index named
``unique_id`` is now read as the series (so are a static_df's features, which failed with KeyError), and
one of another name gets ``df.reset_index()``. A ``(unique_id, ds)`` MultiIndex is read as those columns,
and a CSV saved with the index holds the ids as a column, read as a long table on the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series

QUICK = "nlinear"  # the fits' model: what is read is the point


@pytest.fixture
def ett_long(ett) -> pd.DataFrame:
    """ETTh1's OT, HUFL and LUFL for 100 hours as a long table (``unique_id, ds, y``, 300 rows)."""
    return (
        ett.iloc[:100]
        .melt(id_vars=["date"], value_vars=["OT", "HUFL", "LUFL"], var_name="unique_id", value_name="y")
        .rename(columns={"date": "ds"})
    )


def test_ids_in_an_index_named_unique_id_are_the_series(ett_long):
    # read as row numbers before: the error offered the value column as the ids (rounded readings) or
    # drop_duplicates (continuous ones), one mixed series
    data = ett_long.set_index("unique_id")
    model = Forecaster(QUICK, lookback=24, horizon=6, log_to_mlflow=False, max_epochs=1)
    forecast = model.fit(data, fill="interpolate").predict(data)
    assert forecast.columns.tolist() == ["unique_id", "ds", "y"]
    assert sorted(forecast["unique_id"].unique()) == ["HUFL", "LUFL", "OT"] and len(forecast) == 3 * 6
    assert data.index.name == "unique_id" and "unique_id" not in data.columns  # the user's frame untouched


def two_series(days: int = 60) -> pd.DataFrame:
    """Two daily series ``a`` and ``b`` of ``days`` rows, long (``unique_id, ds, y``)."""
    times = pd.date_range("2020-01-01", periods=days, freq="D")
    return pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b"], days),
            "ds": np.tile(times, 2),
            "y": np.arange(2 * days, dtype=float),
        }
    )


def test_ids_in_the_index_with_static_features_fit():
    # the features were matched by the index's ids, then the reader dropped them: KeyError 'unique_id'
    statics = pd.DataFrame({"unique_id": ["a", "b"], "capacity": [1.0, 2.0]})
    data = two_series().set_index("unique_id")
    model = Forecaster(QUICK, lookback=12, horizon=3, log_to_mlflow=False, max_epochs=1)
    assert sorted(model.fit(data, static_df=statics).predict(data)["unique_id"].unique()) == ["a", "b"]


def test_an_index_named_unique_id_beside_a_column_of_it_is_dropped():
    _, spec = load_series(two_series(30).set_index("unique_id", drop=False))
    assert spec.long_format and spec.targets == ["a", "b"]


def test_an_index_of_another_name_gets_reset_index_and_the_rename():
    days = pd.date_range("2020-01-01", periods=30, freq="D")
    long = pd.DataFrame(
        {"store": np.repeat(["a", "b"], 30), "date": np.tile(days, 2), "sales": np.arange(60.0)}
    )
    with pytest.raises(DataError, match="the index 'store' seems to hold the series") as error:
        load_series(long.set_index("store"))
    fix = "df = df.reset_index().rename(columns={'store': 'unique_id', 'sales': 'y'})"
    assert fix in str(error.value)
    _, spec = load_series(
        long.set_index("store").reset_index().rename(columns={"store": "unique_id", "sales": "y"})
    )
    assert spec.targets == ["a", "b"]


def test_readings_with_a_fraction_are_no_series_column():
    # the readings repeat (rounded) and differ within each time, as a series column would: the note named
    # 'temp' as the series; 'shop' holds them
    days = pd.date_range("2020-01-01", periods=30, freq="D")
    long = pd.DataFrame(
        {
            "date": np.tile(days, 3),
            "temp": np.repeat([20.5, 21.5, 22.5], 30),
            "shop": np.repeat([1, 2, 3], 30),
            "sales": np.arange(90.0),
        }  # fmt: skip
    )
    with pytest.raises(DataError, match=r"series in column 'shop'.*\{'shop': 'unique_id'\}") as error:
        load_series(long, target="sales")
    assert "'temp': 'unique_id'" not in str(error.value)


def test_a_multiindex_of_ids_and_times_is_read_as_a_long_table(ett_long):
    # read so before: kept as the accepted layout
    values, spec = load_series(ett_long.set_index(["unique_id", "ds"]))
    assert spec.long_format and sorted(spec.targets) == ["HUFL", "LUFL", "OT"] and len(values) == 100
    assert np.allclose(values["OT"], ett_long.loc[ett_long["unique_id"] == "OT", "y"])


FIT = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", "24", "--model.horizon", "6",
       "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "1", "--trainer.limit_val_batches", "1",
       "--trainer.logger", "false", "--trainer.enable_progress_bar", "false", "--out", "fit"]  # fmt: skip


def test_a_csv_saved_with_the_index_is_a_long_table_on_the_command_line(
    ett_long, tmp_path, monkeypatch, single_thread
):
    # to_csv writes the index as the first column: the ids are a column again, read as a long table
    monkeypatch.chdir(tmp_path)
    ett_long.set_index("unique_id").to_csv("long3.csv")
    assert pd.read_csv("long3.csv").columns.tolist() == ["unique_id", "ds", "y"]
    assert cli.main([*FIT, "--data.path", "long3.csv", "--data.fill", "interpolate"]) == 0
    _, spec = load_series("long3.csv")
    assert spec.long_format and sorted(spec.targets) == ["HUFL", "LUFL", "OT"]


def test_a_parquet_file_saved_with_its_index_gets_the_read_and_the_reset(tmp_path, monkeypatch, capsys):
    # pd.read_parquet gives the saved index back as the index (faked here: no Parquet engine needed)
    monkeypatch.chdir(tmp_path)
    days = pd.date_range("2020-01-01", periods=30, freq="D")
    long = pd.DataFrame(
        {"store": np.repeat(["a", "b"], 30), "date": np.tile(days, 2), "sales": np.arange(60.0)}
    )
    Path("sales.parquet").write_bytes(b"PAR1")
    monkeypatch.setattr(pd, "read_parquet", lambda path, **_: long.set_index("store"))
    assert cli.main([*FIT, "--data.path", "sales.parquet"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    fix = (
        "the index 'store' seems to hold the series of a long table (one row per series and time), and an index "
        "is read only as the times (a DatetimeIndex or PeriodIndex): make it the series column, df = "
        "pd.read_parquet(path), then df = df.reset_index().rename(columns={'store': 'unique_id', 'sales': 'y'}), "
        "and pass the DataFrame (or write it back so, df.to_parquet(path), for the command line)"
    )
    assert fix in err and "drop_duplicates" not in err
