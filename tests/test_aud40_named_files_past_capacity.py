"""The record of the files named across processes (:mod:`ssm_ts.pipelines.audio.named_files`) held 1,024
records in shared memory and a clipped file takes two (found, then named): past ~512 clipped files it was
full, and a file a ``ddp_spawn`` process found clipped before the fit stopped went unnamed (its counts were
not recorded). Records past the shared memory now go on in a file, and a crash that found more files than a
warning names names the first and lists every one in the fit's folder, not a warning a file."""

from __future__ import annotations

import copy
import gc
import multiprocessing
import os
import pickle
import warnings
from contextlib import contextmanager
from functools import partial
from multiprocessing import context
from multiprocessing.popen_spawn_posix import _DupFd
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import soundfile as sf
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import AudioDataModule, datamodule, named_files
from ssm_ts.pipelines.audio.named_files import NamedFiles
from ssm_ts.tasks.waveform_spawned_stop import NameFoundInStartedProcesses

RATE = 8000
CLIPPED = " is clipped at full scale: "
CLIPPED_FILES = ("t_clip0.wav", "t_clip1.wav", "t_clip2.wav")


def _folder(folder: Path) -> Path:
    """Tiny 16-bit WAVs: noise for each split and three training files clipped at full scale."""
    folder.mkdir()
    for seed, name in enumerate(("t_a.wav", "v_a.wav", "s_a.wav")):
        sf.write(
            folder / name, np.random.default_rng(seed).uniform(-0.5, 0.5, RATE // 4), RATE, subtype="PCM_16"
        )
    t = np.arange(RATE // 4) / RATE
    for name in CLIPPED_FILES:
        sf.write(folder / name, np.clip(2 * np.sin(2 * np.pi * 200 * t), -1, 1), RATE, subtype="PCM_16")
    return folder


class _Spawning:
    """Stands for the process being started: a shared tensor's file descriptor is duplicated for it."""

    duplicate_for_child = staticmethod(os.dup)
    DupFd = _DupFd  # the spawning popen's own


@contextmanager
def _spawning():
    """Pickle as ``ddp_spawn`` starts its processes: the record's lock and memory travel by handle."""
    context.set_spawning_popen(_Spawning())
    try:
        yield
    finally:
        context.set_spawning_popen(None)


def _started_process_trains(module: AudioDataModule) -> None:
    """A started process of a 2-process ddp_spawn fit reads every training clip and stops before the
    epoch's end (under DDP a clipped file is named there: it records each file found clipped instead)."""
    with _spawning():
        sent = ForkingPickler.dumps(module)
    started = pickle.loads(sent)
    started.trainer = SimpleNamespace(world_size=2, global_rank=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the setup's (crop="fixed" leaves audio out)
        started.setup("fit")
    started.name_damaged_at_epoch_ends("fit")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(DataLoader(started.datasets["train"], batch_size=8))


def _stopped(module: AudioDataModule, fit_folder: Path) -> list[str]:
    """The warnings of the process that started them, as their fit stops on an error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NameFoundInStartedProcesses(module).on_exception(
            SimpleNamespace(datamodule=None, default_root_dir=str(fit_folder)), None, RuntimeError("stopped")
        )
    return [str(w.message) for w in caught]


def _module(folder: Path) -> AudioDataModule:
    return AudioDataModule(
        str(folder), RATE, clip_seconds=0.05, split="rule", val_pattern="^v_", test_pattern="^s_"
    )


def test_every_clipped_file_is_named_past_the_shared_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(datamodule, "NamedFiles", partial(NamedFiles, capacity=2))  # 1,024 scaled down
    module = _module(_folder(tmp_path / "takes"))
    _started_process_trains(module)
    named = _stopped(module, tmp_path / "fit")
    assert sorted(m.split(CLIPPED)[0].rsplit("/", 1)[-1] for m in named) == list(CLIPPED_FILES), (
        named
    )  # was 2
    assert _stopped(module, tmp_path / "fit") == []  # and none again: "named" is recorded past it too
    assert not (tmp_path / "fit").exists()  # three files: no list


def test_more_files_than_a_warning_names_are_listed_in_the_fit_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(datamodule, "SHOWN", 1, raising=False)  # 10 scaled down
    module = _module(_folder(tmp_path / "takes"))
    _started_process_trains(module)
    named = _stopped(module, tmp_path / "fit")
    listed = tmp_path / "fit" / "audio_files_found_before_the_stop.tsv"
    assert len(named) == 2 and CLIPPED in named[0], named  # was three warnings, one a file
    assert named[1] == (
        f"2 more audio files of {tmp_path / 'takes'} were found clipped at full scale by the fit's processes before "
        f"it stopped: all 3 are listed, with the share of each read in runs at its largest codes, in {listed}. "
        "Record them again at a lower gain, or remove them"
    )
    rows = listed.read_text().splitlines()
    assert rows[0] == "kind\tfile\tclipped_share\tseconds_read"
    assert sorted(r.split("\t")[:2] for r in rows[1:]) == [["clipped", name] for name in CLIPPED_FILES]
    assert all(float(r.split("\t")[2]) > 0.5 for r in rows[1:])  # 65% of each read in flattened tops


def test_a_record_past_its_shared_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(named_files, "file_version", lambda path: (str(path),))
    record = NamedFiles(capacity=1)
    first, second, third = (tmp_path / f"{n}.wav" for n in "abc")
    assert record.first_time(first) and record.first_time(second, "found clipped", (3, 400, 0.05))
    assert not record.first_time(second, "found clipped", (9, 900, 0.1))  # was named again: record full
    assert record.numbers_of(second, "found clipped") == (3.0, 400.0, 0.05)  # was None: found, then unnamed
    assert record.holds(second, "found clipped") and not record.holds(second) and record.count() == 2
    fork = multiprocessing.get_context("fork")  # a loader worker, or a rank, records past it too
    worker = fork.Process(target=record.first_time, args=(third,))
    worker.start()
    worker.join(30)
    assert worker.exitcode == 0 and record.holds(third) and not record.first_time(third)
    own = copy.deepcopy(record)  # a record of its own: its records past the shared memory copied
    assert own.spill != record.spill and own.numbers_of(second, "found clipped") == (3.0, 400.0, 0.05)
    assert own.first_time(tmp_path / "d.wav") and not record.holds(tmp_path / "d.wav")
    spills = [record.spill, own.spill]
    assert all(s.exists() for s in spills)
    del record, own
    gc.collect()
    assert not any(s.exists() for s in spills)  # removed with the records
