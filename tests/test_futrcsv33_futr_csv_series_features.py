"""``Forecaster.predict(data, futr_df="future.csv")`` of a model with per-series inputs reads the CSV as
``ssm-ts forecast predict --futr_path`` does (with the fit's read_options, each series' known-future
columns as its covariate series' rows), and its errors name the file; ``predict``/``backtest`` of a
CSV read it with the ``read_options`` given, not the fit's. Before, such a futr_df CSV was refused
(read it with pandas first), and a CSV written another way than the fit's failed to read whatever
``read_options`` said."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.datamodule_features import fitted_future_table

TRAINER = {"limit_train_batches": 2, "limit_val_batches": 2, "enable_progress_bar": False,
           "enable_model_summary": False}  # fmt: skip


@pytest.fixture(scope="module")
def long_df(ett) -> pd.DataFrame:
    """``unique_id, ds, y, promo``: OT with MULL as its known-future promo, HUFL with LULL."""
    rows = ett.iloc[:300]
    return pd.concat(
        [pd.DataFrame({"unique_id": name, "ds": rows["date"], "y": rows[name], "promo": rows[promo]})
         for name, promo in (("OT", "MULL"), ("HUFL", "LULL"))],
        ignore_index=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def fitted(long_df, tmp_path_factory) -> Forecaster:
    """nlinear fitted on the long table written with ',' and read with read_options={'sep': ','}."""
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("futrcsv33_fit")
    long_df.to_csv(folder / "long.csv", index=False)
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, seed=0, log_to_mlflow=False,
                    out_dir=str(folder), trainer_options=TRAINER)  # fmt: skip
    return fc.fit(folder / "long.csv", future_covariates=["promo"], read_options={"sep": ","})


def split(long_df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(history, futr_df)``: each series' rows but its last 6, and those 6 without ``y``."""
    last = long_df["ds"] > long_df["ds"].iloc[-7]
    return long_df[~last], long_df[last].drop(columns="y")


def test_a_futr_df_csv_is_read_as_its_dataframe(fitted, long_df, tmp_path):
    history, futr = split(long_df)
    futr.to_csv(tmp_path / "future.csv", index=False)
    expected = fitted.predict(history, futr_df=futr)
    pd.testing.assert_frame_equal(fitted.predict(history, futr_df=tmp_path / "future.csv"), expected)
    pd.testing.assert_frame_equal(fitted.predict(history, futr_df=str(tmp_path / "future.csv")), expected)


def test_a_futr_df_csv_errors_name_the_file(fitted, long_df, tmp_path):
    history, futr = split(long_df)
    no_ids = tmp_path / "no_ids.csv"
    futr.drop(columns="unique_id").to_csv(no_ids, index=False)
    with pytest.raises(DataError) as error:
        fitted.predict(history, futr_df=no_ids)
    assert str(error.value).splitlines()[0] == (
        f"{no_ids} has no column 'unique_id' (columns: ['ds', 'promo']); this model reads per-series "
        "inputs (promo), so futr_df holds a row per series and forecast step: the columns "
        "['unique_id', 'ds', 'promo'], as neuralforecast's futr_df."
    )
    no_promo = tmp_path / "no_promo.csv"
    futr.drop(columns="promo").to_csv(no_promo, index=False)
    with pytest.raises(DataError) as error:
        fitted.predict(history, futr_df=no_promo)
    message = str(error.value)
    assert message.startswith(f"{no_promo} has no column 'promo'"), message
    assert "Table(" not in message and "the futr_df DataFrame" not in message
    short = tmp_path / "short.csv"
    futr[futr["ds"] < futr["ds"].max()].to_csv(short, index=False)
    with pytest.raises(DataError) as error:
        fitted.predict(history, futr_df=short)
    message = str(error.value)
    assert message.startswith(f"{short} has 5 rows after"), message
    assert "Table(" not in message


def test_predict_and_backtest_read_a_csv_with_the_read_options_given(fitted, long_df, tmp_path):
    """A ';' file with decimal commas, read_options given: the fit's sep ',' read it on the subset
    path first (fields split at the decimal commas) and refused it as lines above the header."""
    history, futr = split(long_df)
    european = tmp_path / "european.csv"
    history.to_csv(european, sep=";", decimal=",", index=False)
    options = {"sep": ";", "decimal": ","}
    windows = fitted.backtest(european, n_windows=2, read_options=options)
    pd.testing.assert_frame_equal(windows, fitted.backtest(history, n_windows=2))
    whole = pd.concat([history, futr], ignore_index=True)
    whole.to_csv(european, sep=";", decimal=",", index=False)
    pd.testing.assert_frame_equal(fitted.predict(european, read_options=options), fitted.predict(whole))


def test_a_futr_path_without_series_ids_names_neuralforecasts_columns(fitted, long_df, tmp_path):
    """``--futr_path``'s reader (the same code): a file without unique_id was passed on as a wide table,
    and the reader asked for rows of the internal covariate series ('promo[OT]' in 'y')."""
    _, futr = split(long_df)
    path = tmp_path / "future.csv"
    futr.drop(columns="unique_id").to_csv(path, index=False)
    with pytest.raises(DataError) as error:
        fitted_future_table(str(path), fitted.series_features_, fitted.spec_, None)
    message = str(error.value)
    assert message.startswith(f"--futr_path {path} has no column 'unique_id' (columns: ['ds', 'promo'])")
    assert "so --futr_path holds a row per series" in message and "promo[OT]" not in message


def test_a_futr_df_csv_the_fits_read_options_misread_says_so_with_a_fix(fitted, long_df, tmp_path):
    """The fit's sep ',' reads a ';' futr_df as one column: the error says the options were the fit's
    and gives the DataFrame that reads the file, which forecasts as pasted."""
    history, futr = split(long_df)
    path = tmp_path / "future_semicolon.csv"
    futr.to_csv(path, sep=";", index=False)
    with pytest.raises(DataError) as error:
        fitted.predict(history, futr_df=path)
    message = str(error.value)
    assert message.startswith(f"{path} has no column 'unique_id' (columns: ['unique_id;ds;promo'])"), message
    fix = f"futr_df=pd.read_csv({str(path)!r}, sep=None, engine='python')"
    assert message.endswith(f"read with read_options {{'sep': ','}}, the fit's, saved with the model; a file "
                            f"written another way can be given as a DataFrame: {fix})")  # fmt: skip
    pasted = fitted.predict(history, futr_df=pd.read_csv(path, sep=None, engine="python"))
    pd.testing.assert_frame_equal(pasted, fitted.predict(history, futr_df=futr))
