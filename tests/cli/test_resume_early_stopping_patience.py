"""``ssm-ts forecast fit --ckpt_path last`` with more early-stopping patience than the fit it resumes
stops with the patience given, as ``Forecaster.fit(resume=True)`` does. Lightning's
``EarlyStopping.load_state_dict`` put the checkpoint's patience back over the given one, so a resume
given patience 4 stopped at the old 2; the count of epochs without improvement is still restored.

``min_delta`` is so large that no epoch after the first counts as an improvement: with patience p a
fit stops after 1 + p epochs, whatever the data."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ssm_ts import cli
from ssm_ts.data_fetch import ENV_DATA_HOME

FORECAST = [
    "forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]",
    "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
    "--seed_everything", "0", "--out", "out",
]  # fmt: skip
NEVER_IMPROVES = {"monitor": "val_loss", "min_delta": 1.0e9}


@pytest.fixture
def data_home(shared_data, tmp_path, monkeypatch, single_thread):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    return tmp_path


def _on_command_line(patience: int, folder: Path) -> list[str]:
    return ["--trainer.callbacks+=EarlyStopping", *(f"--trainer.callbacks.{k}={v}" for k, v in
            {**NEVER_IMPROVES, "patience": patience}.items())]  # fmt: skip


def _in_a_config(patience: int, folder: Path) -> list[str]:
    path = folder / f"early_stopping_{patience}.yaml"
    path.write_text(
        "trainer:\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.EarlyStopping\n      init_args:\n"
        f"        monitor: val_loss\n        min_delta: 1.0e9\n        patience: {patience}\n"
    )
    return ["--config", str(path)]


def _early_stopping_state(out: Path) -> tuple[int, dict]:
    checkpoint = torch.load(next(out.rglob("last.ckpt")), map_location="cpu", weights_only=False)
    (state,) = [v for k, v in checkpoint["callbacks"].items() if k.startswith("EarlyStopping")]
    return checkpoint["epoch"], state


@pytest.mark.parametrize("given", [_on_command_line, _in_a_config], ids=["command-line", "config"])
def test_a_resume_with_more_patience_stops_with_it(given, data_home, capsys):
    out = data_home / "out"
    folder = data_home
    first = [*FORECAST, *given(2, folder), "--trainer.max_epochs", "2"]
    assert cli.main(first) == 0, capsys.readouterr().err
    epoch, state = _early_stopping_state(out)
    assert (epoch, state["patience"], state["wait_count"]) == (1, 2, 1)  # interrupted by max_epochs

    resume = ["forecast", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.max_epochs", "10"]
    assert cli.main([*resume, *given(4, folder)]) == 0, capsys.readouterr().err
    epoch, state = _early_stopping_state(out)
    # four epochs without improvement before it stops; with the checkpoint's patience it was (3, 2, 2)
    assert (epoch, state["patience"], state["wait_count"]) == (4, 4, 4)
