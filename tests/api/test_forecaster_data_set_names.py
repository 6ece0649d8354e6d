"""Forecaster takes a standard data set's name wherever it takes a CSV: fit resolved names through
the data home (its data module does), but predict / backtest / plot read the name as a file path."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError


@pytest.fixture(scope="module")
def fitted(shared_data):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SSM_TS_DATA_HOME", str(shared_data))
        model = Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=1, log_to_mlflow=False,
                           trainer_options={"limit_train_batches": 5, "enable_progress_bar": False})  # fmt: skip
        return model.fit("ETTh1", target="OT")


def test_predict_and_backtest_take_the_name_fit_took(fitted, shared_data, monkeypatch, tmp_path):
    monkeypatch.setenv("SSM_TS_DATA_HOME", str(shared_data))
    monkeypatch.chdir(tmp_path)  # no file named ETTh1 here: the name is the data set
    pd.testing.assert_frame_equal(fitted.predict("ETTh1"), fitted.predict())
    csv = shared_data / "forecasting" / "ETTh1.csv"
    pd.testing.assert_frame_equal(
        fitted.backtest("ETTh1", n_windows=2), fitted.backtest(str(csv), n_windows=2)
    )


def test_an_unknown_name_lists_the_data_sets(fitted, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="ETTh1"):
        fitted.predict("ETTh9")


def test_fit_names_its_own_argument_for_an_unknown_name(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as raised:
        Forecaster(model="nlinear", lookback=48, horizon=12, log_to_mlflow=False).fit("ili")
    message = str(raised.value)
    assert message.startswith("data ili: no such file or folder") and "e.g. data ./ili" in message, message
    assert "data.path" not in message  # the command line's name for it
