"""``predict``'s internal call for some series (``Forecaster.plot``'s path) gives ``predict``'s values of
those series, to float32 rounding, for every model kind: a state-space model (spacetime, s4d) and a
linear one (dlinear), channel-independent or multivariate, with a known-future covariate,
and rolled out past the horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster

NAMES = ["a", "b", "c", "d"]
TABLE = pd.DataFrame(
    np.sin(np.arange(70)[:, None] / 5.0 + np.arange(4)) + np.arange(4), columns=NAMES
).assign(fut=np.cos(np.arange(70) / 3.0), date=pd.date_range("2021-01-01", periods=70))
FIT, FUTURE = TABLE.iloc[:64], TABLE.iloc[64:][["date", "fut"]]
QUIET = {"enable_progress_bar": False, "enable_model_summary": False}


@pytest.mark.parametrize(
    ("model", "independent"), [("spacetime", True), ("s4d", False), ("dlinear", True), ("spacetime", False)]
)
def test_some_series_are_predicts_for_every_model_kind(model, independent):
    fc = Forecaster(model=model, lookback=8, horizon=3, max_epochs=1, channel_independent=independent,
                    log_to_mlflow=False, trainer_options=QUIET)  # fmt: skip
    fc.fit(FIT, time_col="date", target=NAMES, future_covariates=["fut"])
    asked = {"long": False, "read_options": None, "level": None, "interval_method": None, "futr_df": FUTURE}
    for n in (None, 6):  # the horizon, and a rollout past it
        every = fc.predict(n=n, futr_df=FUTURE)
        some = fc._predict(None, n=n, series=["d", "b"], **asked)
        assert list(some.columns) == ["date", "b", "d"]
        assert len(some) == len(every) == (n or 3) and not some.isna().any().any()
        np.testing.assert_allclose(some[["b", "d"]].to_numpy(), every[["b", "d"]].to_numpy(), rtol=1e-5)
        pd.testing.assert_series_equal(some["date"], every["date"])
