"""A resumed audio fit trains on the split its checkpoint trained on, or says it cannot: the same files
split otherwise (ssm-ts keeps byte-identical copies in one split since 2026-12-01, and split them file
by file before) passed the data fingerprint, and the resume trained on its former validation and test
files. A checkpoint records its split (the data module's state), a resume on another split is refused,
and a checkpoint made before the record is warned of where the split before copies counted differs."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import lightning.pytorch as pl
import pytest
import torch
from lightning.pytorch.trainer.states import TrainerFn

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.audio import AudioDataModule, find_audio_files, split_files
from ssm_ts.pipelines.audio import datamodule as audio_datamodule
from tests.pipelines.test_audio_split_copies import _folder_with_copies, _old_fraction_split

SETTINGS = {"split": "fractions", "fractions": (0.6, 0.2, 0.2), "batch_size": 2, "clip_seconds": 0.02}
UNRECORDED = "records no split"


def _split_file_by_file(monkeypatch) -> None:
    """Data modules made from here split copies as other recordings, as ssm-ts did before 2026-12-01."""
    real = audio_datamodule.split_files
    monkeypatch.setattr(audio_datamodule, "split_files", lambda *a, **k: real(*a, **k, copies_together=False))


def _module(root: Path, fn: str = "fit") -> AudioDataModule:
    """An audio data module set up for a fit (``fn``) resuming ``last.ckpt``, as Lightning sets it up."""
    module = AudioDataModule(str(root), **SETTINGS)
    trainer = pl.Trainer(logger=False, enable_checkpointing=False, enable_progress_bar=False)
    trainer.state.fn, trainer.ckpt_path = TrainerFn(fn), "last.ckpt"
    module.trainer = trainer
    module.setup("fit")
    return module


def _said(call) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if UNRECORDED in str(w.message)]


@pytest.fixture
def takes(shared_data, tmp_path) -> Path:
    """12 recordings, 6 of them copied under other names (19 files)."""
    root = tmp_path / "takes"
    _folder_with_copies(shared_data, root)
    return root


def test_copies_split_as_other_recordings_is_the_split_before_copies_counted(takes):
    files = find_audio_files(takes)
    before = split_files(files, takes, "fractions", fractions=(0.6, 0.2, 0.2), seed=1, copies_together=False)
    assert [before.train, before.val, before.test] == _old_fraction_split(files, (0.6, 0.2, 0.2), 1)
    assert before != split_files(files, takes, "fractions", fractions=(0.6, 0.2, 0.2), seed=1)


def test_a_resume_on_another_split_of_the_same_files_is_refused(takes, monkeypatch):
    with monkeypatch.context() as patch:
        _split_file_by_file(patch)
        then = _module(takes).state_dict()  # the state a checkpoint of a version splitting otherwise holds
    assert then["split"]["files"] == {"train": 11, "val": 4, "test": 4}
    now = _module(takes)
    with pytest.raises(ConfigError, match=r"last.ckpt was trained on another split of .*takes \(11 training, 4 "
                       r"validation, 4 test files then, .* now\).*fit from scratch into a new output folder"):  # fmt: skip
        now.load_state_dict(then)
    _module(takes).load_state_dict(_module(takes).state_dict())  # its own split: resumed
    _module(takes, fn="test").load_state_dict(then)  # a test of the checkpoint draws its own split
    assert _said(now.train_dataloader) == []  # the checkpoint's record was checked: no guess is said


def test_a_resume_of_a_checkpoint_without_the_record_warns_when_the_split_before_copies_differs(
    takes, shared_data, tmp_path
):
    (said,) = _said(_module(takes).train_dataloader)
    assert said.startswith(f"last.ckpt {UNRECORDED} of its files") and "ssm-ts before 2026-12-01" in said
    assert "differs from this one in 12 of 19 files (more/s00_nohash_0.wav (test then, training now);" in said
    assert (
        said.count(" then, ") == 5
        and "; and 7 more)" in said
        and "fit from scratch into a new output" in said
    )
    module = _module(takes)
    assert _said(module.val_dataloader) == [] and len(_said(module.train_dataloader)) == 1
    assert _said(module.train_dataloader) == []  # said once
    plain = tmp_path / "plain"  # without copies the split never changed: nothing to say
    plain.mkdir()
    for path in sorted((shared_data / "audio" / "espeak-digits" / "one").glob("*.wav"))[:6]:
        shutil.copy(path, plain / path.name)
    assert _said(_module(plain).train_dataloader) == []


class TinyAudioModel(pl.LightningModule):
    """One weight fitted to the clips' mean: a fit over an audio data module, nothing to learn from."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(()))

    def training_step(self, batch, batch_idx):
        return (self.weight - batch[0].float().mean()) ** 2

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_lightning_keeps_the_split_in_a_checkpoint_and_checks_it_on_resume(takes, tmp_path, monkeypatch):
    options = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
                   limit_train_batches=1, limit_val_batches=0, default_root_dir=tmp_path)  # fmt: skip
    ckpt = tmp_path / "then.ckpt"
    with monkeypatch.context() as patch:
        _split_file_by_file(patch)
        trainer = pl.Trainer(max_epochs=1, **options)
        trainer.fit(TinyAudioModel(), datamodule=AudioDataModule(str(takes), **SETTINGS))
        trainer.save_checkpoint(ckpt)
    assert torch.load(ckpt, weights_only=True)["AudioDataModule"]["split"]["files"]["train"] == 11
    with pytest.raises(ConfigError, match="was trained on another split"):
        pl.Trainer(max_epochs=2, **options).fit(
            TinyAudioModel(), datamodule=AudioDataModule(str(takes), **SETTINGS), ckpt_path=ckpt
        )


def _runs() -> list[tuple[str, str]]:
    import mlflow

    found = mlflow.search_runs(search_all_experiments=True)
    return sorted(zip(found["run_id"], found["status"], strict=True))


def test_both_front_ends_refuse_a_resume_on_another_split_before_the_run_or_the_training_is_touched(
    takes, tmp_path, monkeypatch, capsys
):
    """Inside Lightning's restore the refusal came after the MLflow run was reopened (and marked FAILED),
    and ``WaveformGenerator`` added "fix this, then call fit(..., resume=True)" to it."""
    from ssm_ts import WaveformGenerator, cli
    from ssm_ts.training import find_newest_checkpoint

    monkeypatch.chdir(tmp_path)  # MLflow's sqlite store and artifacts in the test's folder
    data = dict(split="fractions", fractions=(0.6, 0.2, 0.2), clip_seconds=0.02)
    settings = dict(preset="tiny", batch_size=2, max_epochs=1, out_dir="run",
                    trainer_options={"enable_progress_bar": False, "limit_train_batches": 1})  # fmt: skip
    with monkeypatch.context() as patch:
        _split_file_by_file(patch)
        WaveformGenerator(**settings).fit(str(takes), **data)
    last = find_newest_checkpoint(tmp_path / "run")
    written, runs = last.stat().st_mtime_ns, _runs()
    with pytest.raises(ConfigError, match="was trained on another split") as refused:
        WaveformGenerator(**{**settings, "max_epochs": 2}).fit(str(takes), **data, resume=True)
    assert "resume=True on a WaveformGenerator" not in str(refused.value)
    resume = ["audio", "fit", "--ckpt_path", str(last), "--trainer.max_epochs", "2", "--out", "cli"]
    assert cli.main(resume) != 0
    assert "was trained on another split" in " ".join(capsys.readouterr().err.split())
    assert (last.stat().st_mtime_ns, _runs()) == (written, runs)  # no training, the run as the fit left it
