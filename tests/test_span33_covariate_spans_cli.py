"""A long table's covariate series that starts after its targets is refused by the data module, so
``ssm-ts forecast fit`` says so as ``Forecaster.fit`` does (the command stopped at its first batch with
'training loss became nan'); per-series features (``price[store_1]``) of a ragged panel are checked
against their own series only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule

FIT = [
    "forecast", "fit", "--data.past_covariates", "[temp]", "--model.model", "nlinear", "--model.lookback", "24",
    "--model.horizon", "6", "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "2",
    "--trainer.limit_val_batches", "2", "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
    "--trainer.enable_model_summary", "false", "--out", "out",
]  # fmt: skip


def long_table(ett: pd.DataFrame, covariate_rows: slice) -> pd.DataFrame:
    """OT and HUFL (300 hourly rows) as targets of a long table, LULL's ``covariate_rows`` as series temp."""
    rows = ett.iloc[:300]
    parts = [pd.DataFrame({"unique_id": n, "ds": rows["date"], "y": rows[n]}) for n in ("OT", "HUFL")]
    covariate = rows.iloc[covariate_rows]
    parts.append(pd.DataFrame({"unique_id": "temp", "ds": covariate["date"], "y": covariate["LULL"]}))
    return pd.concat(parts, ignore_index=True)


def test_the_cli_fit_names_a_covariate_that_starts_late_and_its_fix_fits(in_tmp, ett, capsys):
    long_table(ett, slice(10, None)).to_csv("late.csv", index=False)
    assert cli.main([*FIT, "--data.path", "late.csv"]) == 1
    error = capsys.readouterr().err
    assert (
        "late.csv: covariate 'temp' has no values before 2016-07-01 10:00:00, and series 'HUFL' reads it from "
        "2016-07-01 00:00:00 to 2016-07-13 11:00:00" in error
    )
    fix = error.split("out: ")[1].strip().rstrip(".")
    scope = {"df": pd.read_csv("late.csv"), "pd": pd}
    exec(fix, scope)  # noqa: S102 (the fix as a user pastes it)
    scope["df"].to_csv("fixed.csv", index=False)
    assert cli.main([*FIT, "--data.path", "fixed.csv"]) == 0


def test_the_data_module_checks_once_and_a_forecast_over_the_lookback_only(ett):
    """Forecaster.fit sets the module up before Lightning does: one check. A forecast (predict stage)
    reads the last lookback rows: a covariate that ends 5 rows early is refused there, one that starts
    late is not."""
    late = ForecastDataModule.from_frame(long_table(ett, slice(200, None)), past_covariates=["temp"],
                                         lookback=24, horizon=6)  # fmt: skip
    late.setup("predict")  # the last 24 rows hold temp
    with pytest.raises(DataError, match=r"the DataFrame: covariate 'temp' has no values before"):
        late.setup("fit")
    short = ForecastDataModule.from_frame(long_table(ett, slice(None, -5)), past_covariates=["temp"],
                                          lookback=24, horizon=6)  # fmt: skip
    with pytest.raises(DataError, match=r"covariate 'temp' has no values after 2016-07-13 06:00:00"):
        short.setup("predict")
    whole = ForecastDataModule.from_frame(long_table(ett, slice(None)), past_covariates=["temp"],
                                          lookback=24, horizon=6)  # fmt: skip
    whole.setup("fit")
    whole._frame = whole.frame.assign(temp=np.nan)  # checked already: not read again
    whole.setup("fit")


def test_per_series_features_of_a_ragged_panel_are_checked_against_their_own_series(ett, tmp_path):
    """store_1 starts 100 rows later: its price[store_1] is empty where store_0 has values, which
    store_0 never reads. The fit trains; a shared covariate starting late is still refused."""
    rows = ett.iloc[:300]
    stores = [rows, rows.iloc[100:]]
    df = pd.concat(
        [pd.DataFrame({"unique_id": f"store_{i}", "ds": r["date"], "y": r["OT"], "price": r["LULL"]})
         for i, r in enumerate(stores)],
        ignore_index=True,
    )  # fmt: skip
    static = pd.DataFrame({"unique_id": ["store_0", "store_1"], "size": [1.0, 2.0]})
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, seed=0, log_to_mlflow=False,
                    out_dir=str(tmp_path), trainer_options={"limit_train_batches": 2, "limit_val_batches": 2,
                    "enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    fc.fit(df, past_covariates=["price"], static_df=static)
    assert np.isfinite(fc.metrics_["val_loss"])
    temp = pd.DataFrame({"unique_id": "temp", "ds": rows["date"].iloc[50:], "y": rows["HUFL"].iloc[50:]})
    with pytest.raises(
        DataError, match=r"covariate 'temp' has no values before 2016-07-03 02:00:00, and series 'store_0'"
    ):
        fc.fit(pd.concat([df, temp], ignore_index=True), past_covariates=["price", "temp"], static_df=static)
