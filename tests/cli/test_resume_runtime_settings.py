"""``ssm-ts USE fit --ckpt_path last --out DIR`` with changed settings that do not change what is
trained: runtime settings (``--data.num_workers``, the audio samples' settings) and a data file that
moved with the same content are accepted; the fit continues its MLflow run, whose parameters keep
the first values (MLflow keeps one value per parameter) and whose ``resumed.<n>.<setting>`` tags hold
the new ones. Another file at the new path, a file changed in place, or a model change next to a
runtime one are still refused before anything trains.

The data sets are named, read from the data home ($SSM_TS_DATA_HOME = the shared test data), or copied
into the test's folder where they move."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from ssm_ts import cli
from ssm_ts.tracking.resume_settings import FINGERPRINT_KEY
from tests.cli._shared_first_fit import restored_first_fit
from tests.cli.test_resume_settings import (
    AUDIO,
    CLASSIFY,
    FIRST,
    FORECAST_SETTINGS,
    experiment_runs,
    last_checkpoint,
    resume_args,
)
from tests.cli.test_resume_settings import FORECAST as ETTH1_FORECAST  # --data.path ETTh1

FORECAST = ["forecast", "fit", *FORECAST_SETTINGS]  # each test gives --data.path


@pytest.mark.parametrize(
    ("args", "changed", "tags"),
    [
        (ETTH1_FORECAST, ["--data.num_workers", "1"], {"data.num_workers": "1"}),
        (CLASSIFY, ["--data.num_workers", "1"], {"data.num_workers": "1"}),
        # Lightning logs the audio task's and data module's settings again, unprefixed (num_workers)
        (AUDIO, ["--data.num_workers", "1", "--model.n_samples", "3"],
         {"data.num_workers": "1", "model.n_samples": "3"}),
    ],
    ids=["forecast", "classify", "audio"],
)  # fmt: skip
def test_resume_with_changed_runtime_settings_continues_the_run_and_records_them(
    args, changed, tags, first_fit, capsys
):
    # refused with "MLflow keeps one value per parameter" / "differ from the ones it was trained with"
    use, out = args[0], first_fit(args) / "out"
    steps_per_epoch = last_checkpoint(out)["global_step"]
    capsys.readouterr()

    code = cli.main(resume_args(use, *changed))
    err = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert code == 0, err
    assert "resuming with changed settings (the same training):" in err and "--data.num_workers 0 -> 1" in err
    resumed = last_checkpoint(out)
    assert resumed["global_step"] == 2 * steps_per_epoch
    assert resumed["datamodule_hyper_parameters"]["num_workers"] == 1  # a further resume keeps it
    (run,) = experiment_runs(use)
    assert run.info.status == "FINISHED"
    assert run.data.params["data.num_workers"] == "0"  # the run's parameter keeps its first value
    # and the trainer's setting the resume gave (resume_args: --trainer.max_epochs 2)
    expected = {**tags, "trainer.max_epochs": "2"}
    assert {
        k[len("resumed.1.") :]: v for k, v in run.data.tags.items() if k.startswith("resumed.")
    } == expected


def test_a_runtime_change_does_not_let_a_model_change_through(first_fit, capsys):
    out = first_fit(ETTH1_FORECAST) / "out"
    before = next(out.rglob("last.ckpt")).read_bytes()
    capsys.readouterr()
    assert cli.main(resume_args("forecast", "--data.num_workers", "1", "--model.lookback", "24")) == 1
    err = capsys.readouterr().err
    assert (
        "these settings differ from the ones it was trained with: --model.lookback: 48 in the checkpoint, 24 now."
        in err
    )
    assert "--data.num_workers: 0" not in err and "Traceback" not in err
    assert "may differ (--data.num_workers, --data.eval_batch_size)" in err  # what may change instead
    assert next(out.rglob("last.ckpt")).read_bytes() == before
    (run,) = experiment_runs("forecast")
    assert not [k for k in run.data.tags if k.startswith("resumed.")]


def _forecast_copy(shared_data: Path, folder: Path) -> Path:
    folder.mkdir()
    return Path(shutil.copy(shared_data / "forecasting" / "ETTh1.csv", folder / "ETTh1.csv"))


def _classify_copy(shared_data: Path, folder: Path) -> Path:
    return Path(shutil.copytree(shared_data / "classification" / "BasicMotions", folder / "BasicMotions"))


COPIES = {"forecast": (FORECAST, _forecast_copy), "classify": (CLASSIFY, _classify_copy)}


@pytest.fixture
def first_fit(data_home, shared_data, monkeypatch, tmp_path_factory):
    """``first_fit(args)``: the folder of the first fit ``[*args, *FIRST]`` (made once a process, as it
    left it; tests/cli/_shared_first_fit.py), as the working directory and MLflow store.
    ``first_fit(use, copied=True)``: of ``use``'s data copied into the folder's ``first/`` and fitted
    from there (``first/<data>``)."""

    def restored(args, copied: bool = False) -> Path:
        if not copied:
            return restored_first_fit(
                " ".join(args), lambda _: [*args, *FIRST], monkeypatch, tmp_path_factory
            )
        fit, copy = COPIES[args]

        def copy_and_fit(folder: Path) -> list[str]:
            return [*fit, "--data.path", str(copy(shared_data, folder / "first")), *FIRST]

        return restored_first_fit(f"{args} copied", copy_and_fit, monkeypatch, tmp_path_factory)

    return restored


def _copied_data(folder: Path) -> Path:
    """The data a ``first_fit(use, copied=True)`` fitted: the one entry of its ``first/``."""
    (data,) = (folder / "first").iterdir()
    return data


@pytest.mark.parametrize("use", ["forecast", "classify"])  # a CSV file; a UCR folder (TRAIN + TEST files)
def test_a_moved_data_file_with_the_same_content_resumes(use, first_fit, capsys):
    folder = first_fit(use, copied=True)
    data = _copied_data(folder)
    steps_per_epoch = last_checkpoint(folder / "out")["global_step"]
    moved = folder / "moved" / data.name
    moved.parent.mkdir()
    data.rename(moved)
    capsys.readouterr()

    assert cli.main(resume_args(use, "--data.path", str(moved))) == 0, capsys.readouterr().err
    resumed = last_checkpoint(folder / "out")
    assert resumed["global_step"] == 2 * steps_per_epoch
    assert resumed["datamodule_hyper_parameters"]["path"] == str(moved)  # the next resume reads it there
    assert resumed[FINGERPRINT_KEY]["data.path"]["path"] == str(moved.resolve())
    (run,) = experiment_runs(use)
    assert run.info.status == "FINISHED"
    assert run.data.params["data.path"] == str(data)
    assert run.data.tags["resumed.1.data.path"] == str(moved)


def _changed_copy(shared_data: Path, path: Path) -> None:
    """ETTh1 with one target value changed."""
    lines = (shared_data / "forecasting" / "ETTh1.csv").read_text().splitlines(keepends=True)
    fields = lines[5].rstrip("\n").split(",")
    lines[5] = ",".join([*fields[:-1], str(float(fields[-1]) + 1.0)]) + "\n"
    path.write_text("".join(lines))


@pytest.mark.parametrize("where", ["moved", "in-place"])
def test_another_data_file_is_refused_naming_both_paths(where, shared_data, first_fit, capsys):
    folder = first_fit("forecast", copied=True)
    data = _copied_data(folder)
    ckpt = next((folder / "out").rglob("last.ckpt"))
    before = ckpt.read_bytes()
    other = data if where == "in-place" else folder / "other.csv"
    _changed_copy(shared_data, other)
    capsys.readouterr()

    changed = [] if where == "in-place" else ["--data.path", str(other)]
    assert cli.main(resume_args("forecast", *changed)) == 1
    err = " ".join(capsys.readouterr().err.split())  # the console may wrap long paths
    if where == "in-place":
        assert f"{data.resolve()} was changed since the fit read it" in err
    else:
        assert f"--data.path: '{data}' in the checkpoint, '{other}' now" in err
        assert (
            f"{other.resolve()} differs in content from {data.resolve()}, which the fit was trained on" in err
        )
    assert "Traceback" not in err
    assert ckpt.read_bytes() == before
    (run,) = experiment_runs("forecast")
    assert not [k for k in run.data.tags if k.startswith("resumed.")]


def test_a_checkpoint_without_a_fingerprint_refuses_a_moved_file(first_fit, capsys):
    """Checkpoints written before fingerprints cannot tell a moved file from another one."""
    folder = first_fit("forecast", copied=True)
    data = _copied_data(folder)
    ckpt = next((folder / "out").rglob("last.ckpt"))
    old = torch.load(ckpt, map_location="cpu", weights_only=False)
    del old[FINGERPRINT_KEY]
    torch.save(old, ckpt)
    moved = folder / "moved.csv"
    data.rename(moved)
    capsys.readouterr()

    assert cli.main(resume_args("forecast", "--data.path", str(moved))) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "the checkpoint holds no fingerprint of its data" in err and f"'{moved}' now" in err
