"""``model_options`` / ``trainer_options`` given as something other than a mapping (a string, as YAML
reads ``{d_model:8}`` without the space after the colon, or a list) are a ConfigError naming the
setting and the value. A Forecaster failed once the data was read, deep in the model's construction
("dictionary update sequence element #0 has length 1"), and each trial of ``ssm-ts forecast tune
--model '{..., model_options: d_model:8}'`` failed so, after the search had started."""

from __future__ import annotations

import pytest

from ssm_ts import Forecaster, WaveformGenerator, cli
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.forecasting import ForecastingTask


def test_a_forecaster_refuses_model_options_that_are_no_mapping():
    with pytest.raises(
        ConfigError, match=r"model_options must be a dict such as \{'d_model': 32\}, got str 'd_model:8'"
    ):
        ForecastingTask(model="nlinear", lookback=8, horizon=2, model_options="d_model:8")
    with pytest.raises(ConfigError, match=r"write \{d_model: \.\.\.\}: YAML needs a space after the colon"):
        ForecastingTask(model="nlinear", lookback=8, horizon=2, model_options="d_model:8")


def test_trainer_options_that_are_no_mapping_are_refused_at_construction():
    with pytest.raises(
        ConfigError, match=r"trainer_options must be a dict such as \{'limit_train_batches': 50\}, got list"
    ):
        Forecaster(model="nlinear", lookback=8, horizon=2, trainer_options=["limit_train_batches", 2])
    with pytest.raises(ConfigError, match=r"model_options must be a dict such as \{'d_model': 32\}, got str"):
        WaveformGenerator(model_options="d_model:8")


def test_tune_refuses_a_model_options_string_before_the_search(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.csv").write_text("date,y\n" + "".join(f"2020-01-{d:02d},{d}\n" for d in range(1, 29)))
    model = "{model: nlinear, lookback: 8, horizon: 2, max_epochs: 1, model_options: d_model:8}"
    code = cli.main(["forecast", "tune", "--data.path", "train.csv", "--model", model, "--space", "{lr: [0.001]}",
                     "--n_trials", "1", "--out", "out", "--tracking_uri", f"sqlite:///{tmp_path / 't.db'}"])  # fmt: skip
    said = " ".join(capsys.readouterr().err.split())
    assert code != 0 and "model.model_options must be a dict" in said and "dictionary update" not in said
    assert not (tmp_path / "out" / "trials.csv").exists()
