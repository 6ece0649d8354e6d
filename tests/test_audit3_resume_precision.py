"""A fit made on a GPU with ``--trainer.precision 16-mixed`` resumes on a CPU with ``--ckpt_path last``.

A resumed fit takes its fit's trainer settings, precision included, unless given again. A GPU fit's
``16-mixed`` resumed on a machine without a GPU then trained in Lightning's substitute, bf16-mixed (fewer
mantissa bits than float16, and slow on most CPUs), after a Lightning warning; ``transformer-engine``
stopped the resume with an error. Lightning itself keeps no precision in a checkpoint: the weights of a
mixed-precision fit are float32, and the resume continues in 32-true, saying so in one line.

The GPU fit is faked: a CPU fit's checkpoint with ``16-mixed`` written into its saved trainer settings.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
import torch

from ssm_ts import cli
from ssm_ts.cli.resume_trainer import TRAINER_SETTINGS_KEY, replace_unrunnable_precision, trains_on_cpu
from ssm_ts.data_fetch import ENV_DATA_HOME

pytestmark = pytest.mark.usefixtures("single_thread")

FIT = [
    "forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]",
    "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
    "--trainer.max_epochs", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
    "--out", "out",
]  # fmt: skip
RESUME = [
    "forecast", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.max_epochs", "2",
    "--trainer.accelerator", "cpu", "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
]  # fmt: skip


@pytest.fixture(scope="module")
def finished_fit(shared_data, tmp_path_factory) -> Path:
    """The ``--out`` folder of a finished one-epoch CLI fit on the CPU (copied by each test)."""
    where = tmp_path_factory.mktemp("fit")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(where)
        patch.setenv(ENV_DATA_HOME, str(shared_data))
        assert cli.main(FIT) == 0
    return where / "out"


def last_checkpoint(out: Path) -> tuple[Path, dict]:
    (last,) = out.rglob("last.ckpt")
    return last, torch.load(last, map_location="cpu", weights_only=True)


@pytest.fixture
def gpu_fit(finished_fit, in_tmp):
    """Write ``precision`` into a copy of the finished fit's checkpoint, as a GPU fit's would have it."""

    def made_with(precision: str) -> Path:
        out = in_tmp / "out"
        shutil.copytree(finished_fit, out)
        last, checkpoint = last_checkpoint(out)
        checkpoint[TRAINER_SETTINGS_KEY]["precision"] = precision
        torch.save(checkpoint, last)
        return out

    return made_with


@pytest.mark.parametrize("precision", ["16-mixed", "transformer-engine"])
def test_a_gpu_fits_precision_resumes_on_the_cpu_in_32_true(gpu_fit, precision, capsys):
    out = gpu_fit(precision)
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cli.main(RESUME) == 0  # before: transformer-engine was refused
    said = [line for line in capsys.readouterr().err.splitlines() if precision in line]
    assert said == [
        f"resuming on the CPU with --trainer.precision 32-true instead of the fit's {precision}, which "
        "needs a GPU: give --trainer.precision to choose another"
    ]
    # before: Lightning's own warning, and the resume trained in bf16-mixed
    assert not [w for w in caught if "precision" in str(w.message)]
    _, checkpoint = last_checkpoint(out)
    assert checkpoint["epoch"] == 1  # trained on: its second epoch
    assert checkpoint[TRAINER_SETTINGS_KEY]["precision"] == "32-true"


def test_a_precision_given_again_is_kept(gpu_fit, capsys):
    out = gpu_fit("16-mixed")
    assert cli.main([*RESUME, "--trainer.precision", "bf16-mixed"]) == 0
    assert "instead of the fit's" not in capsys.readouterr().err
    _, checkpoint = last_checkpoint(out)
    assert checkpoint[TRAINER_SETTINGS_KEY]["precision"] == "bf16-mixed"


class Given(dict):
    """A parsed trainer config (``.get`` as jsonargparse's Namespace has it)."""


@pytest.mark.parametrize(
    ("accelerator", "gpu", "expected"),
    [("cpu", True, True), ("auto", False, True), ("auto", True, False), ("gpu", False, False)],
)
def test_which_runs_train_on_the_cpu(monkeypatch, accelerator, gpu, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert trains_on_cpu(accelerator) is expected
    restored = {"trainer.precision": "16-mixed", "trainer.max_epochs": 3}
    replace_unrunnable_precision(restored, Given(accelerator=accelerator))
    assert restored == {"trainer.precision": "32-true" if expected else "16-mixed", "trainer.max_epochs": 3}


@pytest.mark.parametrize("precision", ["bf16-mixed", "32-true", "64-true"])
def test_precisions_a_cpu_runs_are_restored_as_saved(precision, capsys):
    restored = {"trainer.precision": precision}
    replace_unrunnable_precision(restored, Given(accelerator="cpu"))
    assert restored == {"trainer.precision": precision} and not capsys.readouterr().err
