"""``ssm-ts USE fit --ckpt_path last --out DIR`` resumes with the checkpoint's model and data settings:
without --config it continues on the same data (as many batches per epoch, the same MLflow run);
an option that differs from the checkpoint's (another data set, another model size) is refused with
the option named and the fix, and the checkpoint is left as it was. Trainer settings may change.

The data sets are named, read from the data home ($SSM_TS_DATA_HOME = the shared test data)."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
import torch

from ssm_ts import cli
from ssm_ts.tracking.logger import default_tracking_uri
from tests.cli._shared_first_fit import restored_first_fit

# a small forecast fit, its data set given apart (tests/cli/test_resume_runtime_settings.py moves it)
FORECAST_SETTINGS = [
    "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]", "--data.batch_size", "64",
    "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
]  # fmt: skip
FORECAST = ["forecast", "fit", "--data.path", "ETTh1", *FORECAST_SETTINGS]
CLASSIFY = [
    "classify", "fit", "--config", "classify_basicmotions_quick",
    "--model.model_options", "{d_model: 8, n_layers: 1, d_state: 8}", "--data.batch_size", "16",
]  # fmt: skip
AUDIO = [
    "audio", "fit", "--config", "audio_digits_quick", "--model.sample_every_n_epochs", "0",
    "--data.max_files_per_split", "8", "--data.clip_seconds", "0.125", "--data.batch_size", "8",
]  # fmt: skip
# the experiment each use logs to
EXPERIMENT = {"forecast": "ssm-ts-forecast", "classify": "ssm-ts-classify", "audio": "ssm-ts-audio"}
# the first fit: one epoch into ./out (the data_home fixture's folder, tests/cli/conftest.py)
FIRST = ["--trainer.max_epochs", "1", "--seed_everything", "0", "--out", "out"]


def resume_args(use: str, *changed: str) -> list[str]:
    """``ssm-ts USE fit`` resuming the first fit for a second epoch, with the ``changed`` options."""
    return [use, "fit", "--ckpt_path", "last", "--trainer.max_epochs", "2", "--out", "out", *changed]


def last_checkpoint(out: Path) -> dict:
    """The ``last.ckpt`` below ``out``, loaded whole (its data module's and fingerprints' entries too)."""
    return torch.load(next(out.rglob("last.ckpt")), map_location="cpu", weights_only=False)


@pytest.fixture
def first_fit(data_home, monkeypatch, tmp_path_factory):
    """``first_fit(args)``: the folder of the first fit ``[*args, *FIRST]`` (made once a process, as it
    left it; tests/cli/_shared_first_fit.py), as the working directory and MLflow store."""

    def restored(args: list[str]) -> Path:
        return restored_first_fit(" ".join(args), lambda _: [*args, *FIRST], monkeypatch, tmp_path_factory)

    return restored


def experiment_runs(use: str) -> list:
    """The MLflow runs of ``use``'s experiment in the test's store."""
    client = mlflow.MlflowClient(default_tracking_uri())
    return client.search_runs([client.get_experiment_by_name(EXPERIMENT[use]).experiment_id])


@pytest.mark.parametrize("args", [FORECAST, CLASSIFY, AUDIO], ids=lambda a: a[0])
def test_resume_without_config_continues_on_the_same_data_in_the_same_run(args, first_fit, capsys):
    use, out = args[0], first_fit(args) / "out"
    first = last_checkpoint(out)
    steps_per_epoch = first["global_step"]
    assert first["epoch"] == 0 and steps_per_epoch > 0

    assert cli.main(resume_args(use)) == 0, capsys.readouterr().err
    resumed = last_checkpoint(out)
    assert resumed["global_step"] == 2 * steps_per_epoch  # the same batches per epoch: the same data
    assert resumed["datamodule_hyper_parameters"] == first["datamodule_hyper_parameters"]
    assert resumed["hyper_parameters"] == first["hyper_parameters"]
    runs = experiment_runs(use)
    assert len(runs) == 1 and runs[0].info.status == "FINISHED"  # continued, not a second run


@pytest.mark.parametrize(
    ("args", "changed", "named"),
    [
        (FORECAST, ["--data.path", "ETTm1"], "--data.path: 'ETTh1' in the checkpoint, 'ETTm1' now"),
        (FORECAST, ["--model.horizon", "24"], "--model.horizon: 12 in the checkpoint, 24 now"),
        (
            CLASSIFY,
            ["--model.model_options", "{d_model: 16, n_layers: 1, d_state: 8}"],
            "--model.model_options",
        ),
    ],
    ids=["forecast-data-path", "forecast-horizon", "classify-model-size"],
)
def test_resume_with_a_changed_setting_is_refused_naming_it_and_the_fix(
    args, changed, named, first_fit, capsys
):
    use, out = args[0], first_fit(args) / "out"
    ckpt = next(out.rglob("last.ckpt"))
    before = ckpt.read_bytes()
    capsys.readouterr()

    assert cli.main(resume_args(use, *changed)) == 1
    err = capsys.readouterr().err
    assert named in err, err
    assert "fit from scratch into a new --out" in err and "Traceback" not in err
    assert ckpt.read_bytes() == before  # nothing trained, nothing lost
    assert len(experiment_runs(use)) == 1


def test_resume_with_the_whole_config_again_still_works(first_fit, capsys):
    """The documented way (the same command plus --ckpt_path last) is unchanged."""
    fit = [*CLASSIFY, "--seed_everything", "0", "--out", "out"]
    first_fit(CLASSIFY)  # [*fit, "--trainer.max_epochs", "1"]: the first fit's options (FIRST)
    assert cli.main([*fit, "--trainer.max_epochs", "2", "--ckpt_path", "last"]) == 0, capsys.readouterr().err
    assert len(experiment_runs("classify")) == 1
