"""``predict(futr_df=...)``, as neuralforecast takes it: the known-future covariates of the forecast
steps as a table of their own (DataFrame or CSV, wide or long as fitted), giving the forecast of the
history with those rows appended. Before, ``futr_df`` was a TypeError and the rows had to be
concatenated by hand. An untrained model is enough: the forecasts must be equal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError, DataError
from tests.untrained import untrained_forecaster

ROWS, LOOKBACK, HORIZON = 120, 16, 4
pytestmark = pytest.mark.filterwarnings("ignore:.*treated as future rows:UserWarning")


def untrained(frame: pd.DataFrame, **covariates) -> Forecaster:
    """:func:`untrained_forecaster` of this file's lookback and horizon: forecasts, no fit."""
    return untrained_forecaster(frame, LOOKBACK, HORIZON, **covariates)


@pytest.fixture(scope="module")
def wide() -> pd.DataFrame:
    """Target y, known-future x with HORIZON rows past the data (y empty there), past covariate p."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"ds": pd.date_range("2023-03-01", periods=ROWS + HORIZON, freq="D"),
                          "x": rng.normal(size=ROWS + HORIZON), "p": rng.normal(size=ROWS + HORIZON)})  # fmt: skip
    frame["y"] = 2 * frame["x"] + rng.normal(size=len(frame))
    frame.loc[ROWS:, "y"] = np.nan
    return frame


def test_a_wide_futr_df_forecasts_as_the_rows_appended(wide, tmp_path):
    model = untrained(wide, target="y", future_covariates=["x"], past_covariates=["p"])
    expected = model.predict(wide)["y"].to_numpy()
    history, future = wide.iloc[:ROWS], wide.iloc[ROWS:][["ds", "x"]]
    np.testing.assert_allclose(model.predict(history, futr_df=future)["y"].to_numpy(), expected)
    np.testing.assert_allclose(
        model.predict(history, futr_df=wide[["ds", "x"]])["y"].to_numpy(), expected
    )  # a calendar
    future.to_csv(tmp_path / "futr.csv", index=False)
    np.testing.assert_allclose(
        model.predict(history, futr_df=tmp_path / "futr.csv")["y"].to_numpy(), expected
    )


def test_a_futr_df_that_falls_short_or_lacks_the_covariate_is_named(wide):
    model = untrained(wide, target="y", future_covariates=["x"])
    history, future = wide.iloc[:ROWS], wide.iloc[ROWS:][["ds", "x"]]
    with pytest.raises(DataError, match=r"the futr_df DataFrame has 2 rows after the data's last observation .*"
                                        r"give rows up to ds 2023-07-02"):  # fmt: skip
        model.predict(history, futr_df=future.iloc[:2])
    with pytest.raises(
        DataError, match=r"the futr_df DataFrame has no column \['x'\]; columns are \['ds', 'X'\]"
    ):
        model.predict(history, futr_df=future.rename(columns={"x": "X"}))
    with pytest.raises(DataError, match=r"the forecast steps start at ds 2023-06-29 .* start 2023-06-30"):
        model.predict(history, futr_df=future.iloc[1:])
    with pytest.raises(
        ConfigError, match=r"fitted without any \(fit\(\.\.\., future_covariates=\[\.\.\.\]\)\)"
    ):
        untrained(history, target="y").predict(history, futr_df=future)


def test_a_long_futr_df_holds_the_covariate_series_rows(wide):
    sales = wide.rename(columns={"y": "sales"})
    long = sales.melt(id_vars="ds", value_vars=["sales", "x"], var_name="unique_id", value_name="y").dropna()
    model = untrained(long, future_covariates=["x"])
    history, future = long[long["ds"] < wide["ds"].iloc[ROWS]], long[long["ds"] >= wide["ds"].iloc[ROWS]]
    forecast = model.predict(history, futr_df=future)
    np.testing.assert_allclose(forecast["y"].to_numpy(), model.predict(long)["y"].to_numpy())
    assert list(forecast["unique_id"].unique()) == ["sales"]
    with pytest.raises(
        DataError, match=r"has no rows of the series \['x'\]; the model was fitted on a long table"
    ):
        model.predict(history, futr_df=future.assign(unique_id="z"))
