"""The logged forecaster pyfunc answers ``params={"level": [80, 95]}`` with the conformal intervals
of ``Forecaster.predict(level=...)`` (scores saved in the export, loaded without a GPU)."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
import torch
from mlflow.exceptions import MlflowException

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import default_tracking_uri


def test_logged_pyfunc_returns_the_calibrated_intervals(shared_data, tmp_path):
    torch.set_num_threads(1)
    data = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT", "HUFL"]).iloc[:1500]
    forecaster = Forecaster(model="nlinear", lookback=48, horizon=12, quantiles=[0.1, 0.9], max_epochs=1,
                            out_dir=str(tmp_path / "out"))  # fmt: skip
    forecaster.fit(data)
    mlflow.set_tracking_uri(default_tracking_uri())
    model = mlflow.pyfunc.load_model(f"runs:/{forecaster.run_id_}/model")
    declared = {p.name: p.default for p in model.metadata.get_params_schema().params}
    assert declared == {"n": 12, "level": [], "interval_method": ""}
    recent = data.iloc[:1300]
    pd.testing.assert_frame_equal(
        model.predict(recent), forecaster.predict(recent)
    )  # no intervals by default
    for params, options in (
        ({"level": [80, 95]}, {"level": [80, 95]}),
        (
            {"level": [90.0], "n": 6, "interval_method": "residual"},
            {"level": [90], "n": 6, "interval_method": "residual"},
        ),
    ):
        pd.testing.assert_frame_equal(
            model.predict(recent, params=params), forecaster.predict(recent, **options)
        )
    stored = model.predict(pd.DataFrame(), params={"level": [80]})
    pd.testing.assert_frame_equal(stored, forecaster.predict(level=[80]))
    with pytest.raises(ConfigError, match=r"150.0 is not a coverage in percent"):
        model.predict(recent, params={"level": [150]})
    with pytest.raises(MlflowException, match="level"):  # MLflow checks the declared type itself
        model.predict(recent, params={"level": ["x"]})
