"""``ssm-ts forecast`` reads a long CSV's per-series covariate columns (``--data.past_covariates
'[price]'`` beside ``unique_id, ds, y, price``) and ``--data.static_path`` (neuralforecast's
``static_df``), as ``Forecaster.fit(df, static_df=...)`` does: each becomes covariate series
``price[store_1]`` and each series reads its own. The checkpoint keeps the statics, so
predict/validate/test rebuild the same series without the option, and the logged model keeps them
as the API's does. Before, the command refused such columns ("read per series from a long DataFrame
given to fit") and knew no ``--data.static_path``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.pipelines.forecasting import ForecastDataModule
from tests.cli_runs import load_logged_model, only_run_id, refused_in, run_cli_in

LOOKBACK, HORIZON, DAYS = 24, 12, 160
STORES = ["store_1", "store_2", "store_3"]


def write_files(folder: Path) -> None:
    """``sales.csv`` (unique_id, ds, y, price, promo: DAYS days of three stores), ``stores.csv`` (their
    size and area), ``today.csv`` (the sales without their last HORIZON days), ``future.csv`` (those
    days' promo) and ``appended.csv`` (today's rows, then those days with y and price empty)."""
    rng = np.random.default_rng(0)
    parts = []
    for k, store in enumerate(STORES):
        steps = np.arange(DAYS)
        price = 10 + k + np.sin(steps / 7) + rng.normal(0, 0.1, DAYS)
        promo = (steps % 7 == k).astype(float)
        y = 50 + 10 * k - 2 * price + 5 * promo + rng.normal(0, 0.5, DAYS)
        ds = pd.date_range("2024-01-01", periods=DAYS, freq="D")
        parts.append(pd.DataFrame({"unique_id": store, "ds": ds, "y": y, "price": price, "promo": promo}))
    sales = pd.concat(parts, ignore_index=True)
    sales.to_csv(folder / "sales.csv", index=False)
    stores = pd.DataFrame({"unique_id": STORES, "size": [1.0, 2.0, 3.0], "area": [5.0, 3.0, 4.0]})
    stores.to_csv(folder / "stores.csv", index=False)
    last = sales.groupby("unique_id").cumcount() >= DAYS - HORIZON
    sales[~last].to_csv(folder / "today.csv", index=False)
    sales.loc[last, ["unique_id", "ds", "promo"]].to_csv(folder / "future.csv", index=False)
    sales.loc[last, ["y", "price"]] = np.nan
    sales.to_csv(folder / "appended.csv", index=False)


def fit_args(*data: str) -> list[str]:
    args = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", str(LOOKBACK)]
    args += ["--model.horizon", str(HORIZON), "--data.path", "sales.csv", *data]
    return [*args, "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "2", "--out", "out"]


def predict(folder: Path, shared_data: Path, *more: str) -> pd.DataFrame:
    args = ["forecast", "predict", "--ckpt_path", "best", "--out", "out", *more]
    run_cli_in(folder, args, shared_data)
    return pd.read_csv(folder / "out" / "forecast.csv")


def best_checkpoint(folder: Path) -> dict:
    (path,) = (folder / "out").glob("*/*/checkpoints/best*.ckpt")
    return torch.load(path, weights_only=False, map_location="cpu")


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> Path:
    """A folder with a CLI fit (nlinear, one epoch of two batches) reading each store's price (past),
    promo (known-future) and its statics, and the files of :func:`write_files`."""
    folder = tmp_path_factory.mktemp("clistat33")
    write_files(folder)
    data = ["--data.past_covariates", "[price]", "--data.future_covariates", "[promo]"]
    run_cli_in(folder, fit_args(*data, "--data.static_path", "stores.csv"), shared_data)
    return folder


@pytest.fixture(scope="module")
def statics_only(shared_data, tmp_path_factory) -> Path:
    """A CLI fit whose only per-series inputs are the statics of ``stores.csv``."""
    folder = tmp_path_factory.mktemp("clistat33_statics")
    write_files(folder)
    run_cli_in(folder, fit_args("--data.static_path", "stores.csv"), shared_data)
    return folder


def test_the_checkpoint_keeps_the_features_each_series_reads(fitted):
    checkpoint = best_checkpoint(fitted)
    features = checkpoint["ForecastDataModule"]["series_features"]
    assert features["past"] == ["price"] and features["future"] == ["promo"]
    assert features["statics"] == {"size": dict(zip(STORES, [1.0, 2.0, 3.0], strict=True)),
                                   "area": dict(zip(STORES, [5.0, 3.0, 4.0], strict=True))}  # fmt: skip
    # targets, then price[...], promo[...], size[...], area[...]: each target reads its own four
    assert checkpoint["hyper_parameters"]["covariate_index"] == [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]
    scaler = checkpoint["ForecastDataModule"]["scaler"]
    size = [scaler["mean"][scaler["columns"].index(f"size[{s}]")] for s in STORES]
    assert size == [2.0, 2.0, 2.0]  # scaled across the series: per column each store's would be its own
    assert checkpoint["ForecastDataModule"]["static_path"] == "stores.csv"  # a moved file is not read again


def test_predict_reads_the_features_as_the_api_and_the_logged_model(fitted, shared_data):
    with_file = predict(fitted, shared_data, "--data.path", "today.csv", "--futr_path", "future.csv")
    appended = predict(fitted, shared_data, "--data.path", "appended.csv")
    pd.testing.assert_frame_equal(with_file, appended)
    assert len(with_file) == 3 * HORIZON and list(with_file.columns) == ["unique_id", "ds", "y"]
    today, future = pd.read_csv(fitted / "today.csv"), pd.read_csv(fitted / "future.csv")
    loaded = Forecaster.load(fitted / "out" / "export")  # the logged model's folder, published in --out
    assert loaded.series_features_.statics["size"]["store_3"] == 3.0
    api = loaded.predict(today, futr_df=future)
    np.testing.assert_allclose(api["y"].to_numpy(), with_file["y"].to_numpy(), rtol=1e-6)
    uri = f"sqlite:///{fitted / 'mlflow.db'}"
    served = load_logged_model(uri, only_run_id(uri, "ssm-ts-forecast")).predict(
        {"df": today, "futr_df": future}
    )
    np.testing.assert_allclose(served["y"].to_numpy(), with_file["y"].to_numpy(), rtol=1e-6)


def test_validate_rebuilds_the_series_without_the_static_file(fitted, shared_data, capsys):
    """The fit's own validation loss, its statics read from the checkpoint (the file moved away)."""
    (fitted / "stores.csv").rename(fitted / "moved.csv")
    try:
        capsys.readouterr()
        run_cli_in(fitted, ["forecast", "validate", "--ckpt_path", "best", "--out", "out"], shared_data)
    finally:
        (fitted / "moved.csv").rename(fitted / "stores.csv")
    shown = capsys.readouterr().out
    val_loss = float(shown.split("val_loss")[1].split()[1])
    scores = [
        v["best_model_score"] for k, v in best_checkpoint(fitted)["callbacks"].items() if "val_loss" in k
    ]
    assert val_loss == pytest.approx(float(scores[0]), rel=1e-5)


def test_another_static_file_for_a_checkpoint_is_refused(fitted, capsys):
    stores = pd.read_csv(fitted / "stores.csv").assign(size=[1.0, 2.0, 9.0])
    stores.to_csv(fitted / "other.csv", index=False)
    args = ["forecast", "predict", "--ckpt_path", "best", "--out", "out", "--data.path", "appended.csv"]
    said = refused_in(fitted, [*args, "--data.static_path", "other.csv"], capsys)
    assert (
        "--data.static_path other.csv gives other static features than the model was fitted with (the "
        in said
    )
    assert "columns ['size'] differ" in said and "leave --data.static_path out" in said


def test_a_futr_file_short_of_one_series_first_row_is_named(fitted, capsys):
    # that series got no forecast, unsaid (Forecaster.predict named it already)
    future = pd.read_csv(fitted / "future.csv")
    future.drop(index=future.index[future["unique_id"] == "store_2"][0]).to_csv(
        fitted / "short.csv", index=False
    )
    args = ["forecast", "predict", "--ckpt_path", "best", "--out", "out", "--data.path", "today.csv"]
    said = refused_in(fitted, [*args, "--futr_path", "short.csv"], capsys)
    assert "short.csv: column 'promo' of series 'store_2' has no value at ds 2024-05-28" in said
    assert "Give a row of series 'store_2'" in said and "(the file came from --futr_path" in said


def test_a_statics_only_model_forecasts_without_future_rows(statics_only, shared_data):
    cli = predict(statics_only, shared_data, "--data.path", "today.csv", "--n", str(2 * HORIZON))
    loaded = Forecaster.load(statics_only / "out" / "export")
    api = loaded.predict(pd.read_csv(statics_only / "today.csv"), n=2 * HORIZON)
    assert len(cli) == 3 * 2 * HORIZON
    np.testing.assert_allclose(api["y"].to_numpy(), cli["y"].to_numpy(), rtol=1e-6)
    assert len(loaded.predict()) == 3 * HORIZON  # the export keeps the statics' rows after the history


def test_a_text_static_column_names_the_file(tmp_path, capsys):
    write_files(tmp_path)
    pd.read_csv(tmp_path / "stores.csv").assign(region=["n", "s", "n"]).to_csv(
        tmp_path / "text.csv", index=False
    )
    said = refused_in(tmp_path, fit_args("--data.static_path", "text.csv"), capsys)
    assert "--data.static_path text.csv (read as static_df): static_df column 'region' holds text" in said
    assert "To fix the file: static_df = pd.read_csv('text.csv'), that fix, then static_df.to_csv(" in said


def test_statics_for_a_wide_table_are_refused_with_the_melt(tmp_path, capsys):
    write_files(tmp_path)
    sales = pd.read_csv(tmp_path / "sales.csv")
    sales.pivot(index="ds", columns="unique_id", values="y").reset_index().to_csv(
        tmp_path / "wide.csv", index=False
    )
    args = [*fit_args("--data.static_path", "stores.csv"), "--data.path", "wide.csv"]
    said = refused_in(tmp_path, args, capsys)
    assert "--data.static_path stores.csv gives static features per series of a long table" in said
    assert "wide.csv is wide (columns ['ds', 'store_1', 'store_2', 'store_3'])" in said
    assert "df.melt(id_vars=['ds'], var_name='unique_id', value_name='y')" in said


def test_the_data_module_reads_a_checkpoints_features_into_new_files(tmp_path):
    write_files(tmp_path)
    fit = ForecastDataModule(path=str(tmp_path / "sales.csv"), past_covariates=["price"],
                             static_path=str(tmp_path / "stores.csv"), lookback=LOOKBACK, horizon=HORIZON)  # fmt: skip
    fit.setup("fit")
    assert fit.spec.past_covariates == [f"price[{s}]" for s in STORES]
    assert fit.covariate_index == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    new = ForecastDataModule(path=str(tmp_path / "today.csv"), lookback=LOOKBACK, horizon=HORIZON)
    new.load_state_dict(fit.state_dict())
    assert new.spec.input_columns == fit.spec.input_columns
    assert len(new.frame) == DAYS - HORIZON
    np.testing.assert_array_equal(new.frame["size[store_2]"].to_numpy(), 2.0)


def test_a_resumed_fit_keeps_its_statics_and_covariate_index(statics_only, shared_data):
    """The fit's static_path comes back with its other settings, and the covariate_index it filled in
    from the data is no setting of its MLflow run to differ from (both were refused as changed)."""
    run_cli_in(statics_only, [*fit_args(), "--trainer.max_epochs", "2", "--ckpt_path", "last"], shared_data)
    (last,) = (statics_only / "out").glob("*/*/checkpoints/last.ckpt")
    checkpoint = torch.load(last, weights_only=False, map_location="cpu")
    assert (
        checkpoint["epoch"] == 1 and checkpoint["datamodule_hyper_parameters"]["static_path"] == "stores.csv"
    )
    assert checkpoint["ForecastDataModule"]["series_features"]["statics"]["area"]["store_1"] == 5.0
