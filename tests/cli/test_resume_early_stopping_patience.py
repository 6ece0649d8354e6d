"""``ssm-ts forecast fit --ckpt_path last`` with more early-stopping patience than the fit it resumes
stops with the patience given, as ``Forecaster.fit(resume=True)`` does. Lightning's
``EarlyStopping.load_state_dict`` put the checkpoint's patience back over the given one, so a resume
given patience 4 stopped at the old 2; the count of epochs without improvement is still restored. The
stopper stays the class given: a user's subclass of ``EarlyStopping`` (its own stopping rule) kept the
checkpoint's patience, and Lightning's own class became ssm-ts's subclass.

``min_delta`` is so large that no epoch after the first counts as an improvement: with patience p a
fit stops after 1 + p epochs, whatever the data."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping

from ssm_ts import cli
from ssm_ts.data_fetch import ENV_DATA_HOME

FORECAST = [
    "forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]",
    "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
    "--seed_everything", "0", "--out", "out",
]  # fmt: skip
NEVER_IMPROVES = {"monitor": "val_loss", "min_delta": 1.0e9}


class CountingEarlyStopping(EarlyStopping):
    """A user's subclass with a stopping rule of its own (Lightning's, counting its checks)."""

    checks = 0

    def _evaluate_stopping_criteria(self, current: torch.Tensor) -> tuple[bool, str | None]:
        CountingEarlyStopping.checks += 1
        return super()._evaluate_stopping_criteria(current)


class SeenStoppers(Callback):
    """Records the classes of the fit's stoppers when training starts (after a resume restored them)."""

    fits: list[list[type]] = []

    def on_train_start(self, trainer, pl_module) -> None:
        SeenStoppers.fits.append([type(c) for c in trainer.callbacks if isinstance(c, EarlyStopping)])


@pytest.fixture
def data_home(shared_data, tmp_path, monkeypatch, single_thread):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    return tmp_path


def _on_command_line(patience: int, folder: Path, stopper: str = "EarlyStopping") -> list[str]:
    return [f"--trainer.callbacks+={stopper}", *(f"--trainer.callbacks.{k}={v}" for k, v in
            {**NEVER_IMPROVES, "patience": patience}.items())]  # fmt: skip


def _a_subclass(patience: int, folder: Path) -> list[str]:
    return _on_command_line(patience, folder, f"{__name__}.CountingEarlyStopping")


def _in_a_config(patience: int, folder: Path) -> list[str]:
    path = folder / f"early_stopping_{patience}.yaml"
    path.write_text(
        "trainer:\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.EarlyStopping\n      init_args:\n"
        f"        monitor: val_loss\n        min_delta: 1.0e9\n        patience: {patience}\n"
    )
    return ["--config", str(path)]


def _early_stopping_state(out: Path) -> tuple[int, dict]:
    checkpoint = torch.load(next(out.rglob("last.ckpt")), map_location="cpu", weights_only=False)
    (state,) = [v for k, v in checkpoint["callbacks"].items() if "EarlyStopping{" in k]
    return checkpoint["epoch"], state


@pytest.mark.parametrize(
    ("given", "kind"),
    [(_on_command_line, EarlyStopping), (_in_a_config, EarlyStopping), (_a_subclass, CountingEarlyStopping)],
    ids=["command-line", "config", "subclass"],
)
def test_a_resume_with_more_patience_stops_with_it(given, kind, data_home, capsys):
    out = data_home / "out"
    folder = data_home
    SeenStoppers.fits, CountingEarlyStopping.checks = [], 0
    seen = [f"--trainer.callbacks+={__name__}.SeenStoppers"]
    first = [*FORECAST, *given(2, folder), *seen, "--trainer.max_epochs", "2"]
    assert cli.main(first) == 0, capsys.readouterr().err
    epoch, state = _early_stopping_state(out)
    assert (epoch, state["patience"], state["wait_count"]) == (1, 2, 1)  # interrupted by max_epochs

    resume = ["forecast", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.max_epochs", "10"]
    assert cli.main([*resume, *given(4, folder), *seen]) == 0, capsys.readouterr().err
    epoch, state = _early_stopping_state(out)
    # four epochs without improvement before it stops; with the checkpoint's patience it was (3, 2, 2)
    assert (epoch, state["patience"], state["wait_count"]) == (4, 4, 4)
    assert SeenStoppers.fits == [[kind], [kind]]  # the class given, in both fits
    assert CountingEarlyStopping.checks == (5 if kind is CountingEarlyStopping else 0)  # its rule ran
