"""Model options given beside validate/test/predict's ``--ckpt_path`` (command line or ``--config``):
the model is rebuilt from the checkpoint's hyperparameters, so another value than the checkpoint's is
ignored. It was ignored silently (``forecast test --ckpt_path best --model.horizon 24`` tested the
12-step model and said nothing); now one warning line names each such option, the value given and the
checkpoint's. The same values, defaults and the honoured inference setting (classify's model.rate)
say nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from ssm_ts import cli
from tests.cli.test_audit3_warning_sources import printed
from tests.cli_runs import classify_test_args, run_cli_in

# a small nlinear fit (quantiles without 0.5: the task keeps them as [0.1, 0.5, 0.9])
FIT_SETTINGS = {
    "model": {"model": "nlinear", "lookback": 48, "horizon": 12, "quantiles": [0.1, 0.9]},
    "data": {"path": "ETTh1", "target": "OT", "boundaries": [600, 800, 1000], "batch_size": 64},
}
FAST = ["--trainer.limit_train_batches", "2", "--trainer.limit_val_batches", "1", "--trainer.limit_test_batches", "1",
        "--trainer.enable_progress_bar", "false"]  # fmt: skip
IGNORED = "model options ignored, the checkpoint's used"


@pytest.fixture(scope="module")
def forecast_fit(shared_data, tmp_path_factory) -> tuple[Path, Path]:
    """``(fit folder, its config file)``: one epoch of FIT_SETTINGS into ``<folder>/out``. Tests only
    read it."""
    folder = tmp_path_factory.mktemp("forecast_model_options")
    config = folder / "fit.yaml"
    config.write_text(yaml.safe_dump(FIT_SETTINGS))
    fit = ["forecast", "fit", "--config", str(config), "--trainer.max_epochs", "1", "--out", "out", *FAST]
    run_cli_in(folder, fit, shared_data)
    return folder, config


def forecast_command(command: str, folder: Path, *options: str) -> list[str]:
    """``ssm-ts forecast COMMAND`` of the fit in ``folder``'s best checkpoint, writing into ``./out``."""
    ckpt = next((folder / "out").rglob("best-epoch=*.ckpt"))
    return ["forecast", command, "--ckpt_path", str(ckpt), "--out", "out", "--trainer.logger", "false", *FAST,
            *options]  # fmt: skip


def ignored_lines(use: str, recorded) -> list[str]:
    """The lines of the recorded warnings, as ``ssm-ts USE`` prints them, that name ignored options."""
    return [line for line in printed(use, recorded).splitlines() if IGNORED in line]


@pytest.mark.parametrize("command", ["test", "predict"])
def test_a_model_option_other_than_the_checkpoints_is_named_in_one_warning_line(
    forecast_fit, command, data_home, recwarn
):
    folder, _ = forecast_fit
    options = ["--model.horizon", "24", "--model.lr", "0.5", "--model.model_options", "{d_model: 4}"]
    options += ["--model.lookback", "48"]  # the checkpoint's own value: not named
    assert cli.main(forecast_command(command, folder, *options)) == 0
    (line,) = ignored_lines(f"forecast {command}", recwarn)
    assert line.startswith(f"ssm-ts forecast {command}: warning: {IGNORED}: "), line
    assert "--model.horizon 24 (the checkpoint's: 12)" in line, line
    assert "--model.lr 0.5 (the checkpoint's: 0.001)" in line, line
    assert "--model.model_options.d_model 4 (the checkpoint's: not set)" in line, line  # nlinear has none
    assert "lookback" not in line and "its weights were trained in the checkpoint's shape" in line, line
    if command == "predict":  # the checkpoint's model ran: 12 steps ahead, its quantiles
        forecast = pd.read_csv(data_home / "out" / "forecast.csv")
        assert len(forecast) == 12 and "OT_q0.9" in forecast.columns


def test_the_fits_own_settings_and_defaults_are_not_named(forecast_fit, data_home, recwarn):
    """The fit's config again (quantiles as given: the task keeps them sorted with 0.5 added) and an
    option at its default that is the checkpoint's too (lr): the same model, not named beside one that
    differs. Without any, no warning."""
    folder, config = forecast_fit
    options = ["--config", str(config), "--model.lr", "0.001", "--model.horizon", "24"]
    assert cli.main(forecast_command("test", folder, *options)) == 0
    (line,) = ignored_lines("forecast", recwarn)
    assert f"{IGNORED}: --model.horizon 24 (the checkpoint's: 12). --ckpt_path" in line, line
    recwarn.clear()
    assert cli.main(forecast_command("test", folder, "--config", str(config))) == 0
    assert ignored_lines("forecast", recwarn) == []


def test_a_config_given_beside_the_checkpoint_names_its_changed_options(forecast_fit, data_home, recwarn):
    """A --config whose model settings differ from the fit's (another horizon; the lr default, given
    explicitly, against the fit's own): each one named, though one is a default."""
    folder, config = forecast_fit
    changed = yaml.safe_load(config.read_text())
    changed["model"]["horizon"] = 6
    (data_home / "changed.yaml").write_text(yaml.safe_dump(changed))
    assert cli.main(forecast_command("validate", folder, "--config", "changed.yaml")) == 0
    (line,) = ignored_lines("forecast", recwarn)
    assert "--model.horizon 6 (the checkpoint's: 12)" in line and "quantiles" not in line, line


def test_a_dict_option_is_named_by_its_changed_keys(basicmotions_random_features_cli_fit, in_tmp, recwarn):
    """model_options given in part (one key): only that key is named, not the ones left as they were.
    classify's model.rate applies at inference and is used as given (tests/cli/test_classify_rate.py):
    not named either."""
    ckpt = basicmotions_random_features_cli_fit[0]
    options = ["--model.model_options.n_kernels", "100", "--model.rate", "2.0", "--trainer.logger", "false"]
    assert cli.main([*classify_test_args(ckpt), *options]) == 0
    (line,) = ignored_lines("classify", recwarn)
    assert f"{IGNORED}: --model.model_options.n_kernels 100 (the checkpoint's: 4000). --ckpt_path" in line, (
        line
    )
