"""One process (no DDP) named each file it found clipped at full scale in a warning of its own, as found:
a folder recorded too loud, 5,000 files, made 5,000 warnings. It names the first
(:data:`~ssm_ts.pipelines.audio.stopped_fit_list.SHOWN`) as before, and at the epoch's end says how many
more there were and lists every one in the fit's folder, as a stopped ``ddp_spawn`` fit does."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import AudioDataModule, clipped_pcm

sys.path.insert(0, str(Path(__file__).parent))
from test_aud40_named_files_past_capacity import CLIPPED, CLIPPED_FILES, RATE, _folder  # noqa: E402


def _fit_reads_its_training_clips(
    folder: Path, fit_folder: Path | None, stage: str = "fit", batch_size: int = 8, **loader
) -> list[str]:
    """A single-process fit's training epoch over every clip, then its end: the warnings given."""
    module = AudioDataModule(
        str(folder), RATE, clip_seconds=0.05, split="rule", val_pattern="^v_", test_pattern="^s_"
    )
    module.trainer = SimpleNamespace(world_size=1, global_rank=0, default_root_dir=fit_folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the setup's (crop="fixed" leaves audio out)
        module.setup("fit")
    module.name_damaged_at_epoch_ends(stage)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(DataLoader(module.datasets["train"], batch_size=batch_size, **loader))
        module.name_found_bad("train")
    return [str(w.message) for w in caught]


def test_files_past_the_first_named_are_counted_and_listed_in_the_fit_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(clipped_pcm, "SHOWN", 1)  # 10 scaled down
    named = _fit_reads_its_training_clips(_folder(tmp_path / "takes"), tmp_path / "fit")
    listed = tmp_path / "fit" / "audio_files_found_clipped.tsv"
    assert len(named) == 2, named  # was three warnings, one a file
    assert named[0].startswith(f"audio file {tmp_path / 'takes'}/t_clip") and CLIPPED in named[0]
    assert named[1] == (
        f"2 more audio files of {tmp_path / 'takes'} were found clipped at full scale: all 3 are listed, with "
        f"the share of each read in runs at its largest codes, in {listed}. Record them again at a lower gain, "
        "or remove them"
    )
    table = pd.read_csv(listed, sep="\t")
    assert sorted(table["file"]) == list(CLIPPED_FILES) and set(table["kind"]) == {"clipped"}
    assert (table["clipped_share"] > 0.5).all() and (table["seconds_read"] == 0.05).all()


def test_up_to_ten_are_named_as_before_and_an_unwritable_folder_names_every_one(tmp_path, monkeypatch):
    folder = _folder(tmp_path / "takes")
    named = _fit_reads_its_training_clips(folder, tmp_path / "fit")
    assert len(named) == 3 and all(CLIPPED in m for m in named), named  # 3 <= 10: as before, no list
    assert not (tmp_path / "fit").exists()
    monkeypatch.setattr(clipped_pcm, "SHOWN", 1)
    (tmp_path / "blocked").write_text("")  # a file where the fit's folder would be: no list, no crash
    named = _fit_reads_its_training_clips(folder, tmp_path / "blocked" / "fit")
    assert len(named) == 3 and all(CLIPPED in m for m in named), named


def test_loader_workers_share_the_count(tmp_path, monkeypatch):
    monkeypatch.setattr(clipped_pcm, "SHOWN", 1)
    named = _fit_reads_its_training_clips(
        _folder(tmp_path / "takes"),
        tmp_path / "fit",
        num_workers=2,
        multiprocessing_context="fork",
        batch_size=1,
    )
    assert sum(CLIPPED in m for m in named) == 0 and len(named) == 1, named  # the workers' own print
    assert named[0].startswith("2 more audio files") and "all 3 are listed" in named[0]  # one named in all


def test_a_predict_names_each_as_found(tmp_path, monkeypatch):
    monkeypatch.setattr(clipped_pcm, "SHOWN", 1)  # no epoch end to list them at: none goes unnamed
    named = _fit_reads_its_training_clips(_folder(tmp_path / "takes"), tmp_path / "fit", stage="predict")
    assert len(named) == 3 and all(CLIPPED in m for m in named), named
