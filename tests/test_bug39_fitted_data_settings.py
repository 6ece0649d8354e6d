"""``ssm-ts forecast predict`` / ``test`` read new data with the columns, frequency and fill of the
checkpoint's series spec: a --data option given with another value than the fit's (``--data.target
NOPE``, ``--data.freq D`` on hourly data) was replaced by it silently and the command exited 0. It is
now an error naming the option, the fitted value, the given one and the fix; the fit's own values in
another spelling and the settings that may differ (batch size, the file) stay allowed."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import cli

QUIET = ["--trainer.enable_progress_bar", "false", "--trainer.logger", "false"]


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> tuple[str, str]:
    """(the CSV, the checkpoint) of a 1-epoch nlinear fit on 300 hourly rows of ETTh1 (date, HUFL, OT)."""
    folder = tmp_path_factory.mktemp("bug39_fit")
    csv = folder / "ett.csv"
    pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=300, usecols=["date", "HUFL", "OT"]).to_csv(
        csv, index=False
    )
    args = ["forecast", "fit", "--data.path", str(csv), "--data.target", "OT", "--model.model", "nlinear",
            "--model.lookback", "16", "--model.horizon", "4", "--trainer.max_epochs", "1", *QUIET,
            "--trainer.limit_train_batches", "2", "--trainer.limit_val_batches", "1",
            "--out", str(folder / "out")]  # fmt: skip
    assert cli.main(args) == 0
    return str(csv), str(folder / "out" / "checkpoints" / "last.ckpt")


def run(fitted, tmp_path, command: str, *options: str) -> int:
    csv, ckpt = fitted
    return cli.main(["forecast", command, "--ckpt_path", ckpt, "--data.path", csv, *QUIET,
                     "--out", str(tmp_path / "p"), *options])  # fmt: skip


@pytest.mark.parametrize(
    ("command", "option", "value", "fitted_text"),
    [
        (
            "predict",
            "target",
            "NOPE",
            "the model was fitted on target ['OT'], but --data.target 'NOPE' was given",
        ),
        ("predict", "freq", "D", "the model was fitted on freq 'h', but --data.freq 'D' was given"),
        ("test", "freq", "W-TUE", "the model was fitted on freq 'h', but --data.freq 'W-TUE' was given"),
    ],
)
def test_another_fitted_setting_is_refused(
    fitted, tmp_path, capsys, single_thread, command, option, value, fitted_text
):
    assert run(fitted, tmp_path, command, f"--data.{option}", value) == 1
    err = capsys.readouterr().err
    assert fitted_text in err.replace("The", "the", 1)
    assert f"leave --data.{option} out" in err and f"ssm-ts forecast fit --data.{option} {value}" in err
    assert not (tmp_path / "p" / "forecast.csv").exists()


def test_the_fitted_values_and_free_settings_stay_allowed(fitted, tmp_path, single_thread):
    options = [
        "--data.target",
        "[OT]",
        "--data.freq",
        "h",
        "--data.time_col",
        "date",
        "--data.batch_size",
        "8",
    ]
    assert run(fitted, tmp_path, "predict", *options) == 0
    assert (tmp_path / "p" / "forecast.csv").exists()
