"""``ssm-ts forecast tune`` on an ETTh1 slice, stopped by Ctrl-C in a trial's third epoch, then the same
command again: the interrupted trial runs again from its last checkpoint, and the printed table and
``trials.csv`` say which trial it resumed and at which epoch."""

from __future__ import annotations

import pandas as pd

from ssm_ts import cli
from ssm_ts.api.tuning import _TrialForecaster
from tests.cli.fake_use import InterruptAtEpoch

MODEL = (
    "{model: nlinear, lookback: 48, horizon: 12, max_epochs: 3, patience: null, "
    "trainer_options: {limit_train_batches: 5}}"
)


def test_the_same_command_after_ctrl_c_resumes_the_interrupted_trial(ett, single_thread, tmp_path, monkeypatch,
                                                                     capsys):  # fmt: skip
    csv = tmp_path / "etth1.csv"
    ett.to_csv(csv, index=False)
    monkeypatch.chdir(tmp_path)
    args = ["forecast", "tune", "--data.path", str(csv), "--data.target", "OT", "--data.time_col", "date",
            "--model", MODEL, "--space", "{lr: [0.001, 0.003]}", "--sampler", "grid", "--out", "out",
            "--tracking_uri", f"sqlite:///{tmp_path / 'mlflow.db'}"]  # fmt: skip
    with monkeypatch.context() as patch:
        own = _TrialForecaster._fit_callbacks
        patch.setattr(_TrialForecaster, "_fit_callbacks", lambda self: [
            *own(self), *([InterruptAtEpoch(2)] if self._reporter.trial.number == 1 else [])])  # fmt: skip
        assert cli.main(args) == 130
    assert "from its last checkpoint" in capsys.readouterr().err

    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "resumed_at_epoch" in printed
    trials = pd.read_csv(tmp_path / "out" / "trials.csv").set_index("trial")
    assert trials["state"].tolist() == ["COMPLETE", "FAIL", "COMPLETE"]
    assert trials.loc[2, "resumed_from_trial"] == 1 and trials.loc[2, "resumed_at_epoch"] == 2
    assert trials[["resumed_from_trial", "resumed_at_epoch"]].iloc[:2].isna().all().all()
    table_rows = [line for line in printed.splitlines() if "COMPLETE" in line or "FAIL" in line]
    assert len(table_rows) == 3 and "nan" not in table_rows[0] and "<NA>" not in table_rows[0]
