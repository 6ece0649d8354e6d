"""``ssm-ts forecast predict --data.freq 24h`` for a model fitted at ``'D'``: pandas 3 reads ``'D'`` as a
calendar day, no longer equal to ``24h``, so the command refused the fit's own frequency in another spelling.
It now asks :mod:`ssm_ts.pipelines.forecasting.freq_match`, and where it refuses (``7D`` for weeks ending on
Saturdays) the error says how the two grids differ. On ETTh1's oil temperature, as daily and weekly means."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ssm_ts import cli

_FIT = ["--data.time_col", "date", "--data.target", "OT", "--model.model", "nlinear", "--model.lookback", "8",
        "--model.horizon", "2", "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "1",
        "--trainer.limit_val_batches", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar",
        "false"]  # fmt: skip


def _fitted(shared_data: Path, freq: str) -> list[str]:
    """ETTh1's OT as means at ``freq`` in means.csv, a model fitted on it: its predict command."""
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"], parse_dates=["date"])
    ett.resample(freq, on="date").mean().reset_index().to_csv("means.csv", index=False)
    assert cli.main(["forecast", "fit", "--data.path", "means.csv", *_FIT, "--out", "fit"]) == 0
    (ckpt,) = Path("fit").rglob("last.ckpt")
    return ["forecast", "predict", "--ckpt_path", str(ckpt), "--data.path", "means.csv", "--trainer.logger",
            "false", "--out", "out"]  # fmt: skip


def test_24h_is_the_daily_fit_s_frequency(in_tmp, shared_data, capsys):
    predict = _fitted(shared_data, "D")
    assert cli.main([*predict, "--data.freq", "24h"]) == 0, capsys.readouterr().err
    assert len(pd.read_csv("out/forecast.csv")) == 2


def test_7d_for_weeks_ending_on_saturdays_says_how_the_grids_differ(in_tmp, shared_data, capsys):
    predict = _fitted(shared_data, "W-SAT")
    capsys.readouterr()
    assert cli.main([*predict, "--data.freq", "7D"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "The model was fitted on freq 'W-SAT', but --data.freq '7D' was given" in err, err
    assert "'7D' is steps of 7 days, counted from the data's first time, not anchored to a weekday" in err
    assert "'W-SAT' is weeks ending on Saturdays (anchored to the weekday)" in err

    assert cli.main([*predict, "--data.freq", "1W-SAT"]) == 0, capsys.readouterr().err  # the fit's, spelt so
