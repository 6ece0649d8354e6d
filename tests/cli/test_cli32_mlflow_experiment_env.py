"""``MLFLOW_EXPERIMENT_NAME`` picks the experiment of a command's runs, as MLflow users set it
(``mlflow.start_run`` reads it; the commands read ``MLFLOW_TRACKING_URI`` already); ``--experiment`` still wins."""

from __future__ import annotations

import pytest
import yaml

from ssm_ts import cli
from ssm_ts.api.tune_cli import build_parser


def _printed_experiment(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit):
        cli.main(["line", "fit", *args, "--print_config"])
    return yaml.safe_load(capsys.readouterr().out)["experiment"]


def test_mlflow_experiment_name_picks_the_experiment_unless_experiment_is_given(
    line_use, monkeypatch, capsys
):
    assert _printed_experiment([], capsys) == "ssm-ts-line"
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "team-forecasts")
    assert _printed_experiment([], capsys) == "team-forecasts"  # the value the fit's logger is made with
    assert _printed_experiment(["--experiment", "mine"], capsys) == "mine"
    assert build_parser().get_defaults().experiment == "team-forecasts"  # ssm-ts forecast tune's too
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", " ")  # blank: unset
    assert build_parser().get_defaults().experiment == "ssm-ts-forecast"
