"""A ``ddp_spawn`` fit stopped by an error in its processes named the files they had found damaged
(``on_bad_file="skip"``) but none they had found clipped at full scale: under DDP a clipped file is named
at an epoch's end from every process's counts, and the counts went with the processes. Each process now
records a file its own reads put over the clipped share, with its counts, in the data module's shared
record, and the process that started them names it once, in the words a single-process fit names it."""

from __future__ import annotations

import pickle
import warnings
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from types import SimpleNamespace

import lightning.pytorch as pl
import numpy as np
import pytest
import soundfile as sf
from torch.utils.data import DataLoader

from ssm_ts import WaveformGenerator
from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.named_files import NamedFiles
from ssm_ts.tasks.waveform_spawned_stop import NameFoundInStartedProcesses

RATE = 8000
CLIPPED = "t_clip.wav is clipped at full scale: "


class CrashAtFirstBatch(pl.Callback):
    """Stops every started process at its first training batch's end, before any epoch's end."""

    def on_train_batch_end(self, trainer, *args) -> None:
        raise RuntimeError("stopped on purpose")


def _folder(folder: Path) -> Path:
    """Tiny 16-bit WAVs: four of noise (train, validation, test) and a training file clipped at full scale
    (200 Hz at twice full scale: 65% of its first 0.05 s in flattened tops)."""
    for seed, name in enumerate(("t_a.wav", "t_b.wav", "t_c.wav", "v_a.wav", "s_a.wav")):
        noise = np.random.default_rng(seed).uniform(-0.5, 0.5, RATE // 4)
        sf.write(folder / name, noise, RATE, subtype="PCM_16")
    t = np.arange(RATE // 4) / RATE
    sf.write(folder / "t_clip.wav", np.clip(2 * np.sin(2 * np.pi * 200 * t), -1, 1), RATE, subtype="PCM_16")
    return folder


def _module(folder: Path) -> AudioDataModule:
    return AudioDataModule(
        str(folder), RATE, clip_seconds=0.05, split="rule", val_pattern="^v_", test_pattern="^s_"
    )


@pytest.mark.timeout(300)
def test_a_spawned_fit_stopped_by_an_error_names_the_clipped_file_its_processes_found(tmp_path, capfd):
    (tmp_path / "takes").mkdir()
    folder = _folder(tmp_path / "takes")
    generator = WaveformGenerator(
        "tiny", max_epochs=1, batch_size=8, accelerator="cpu", log_to_mlflow=False, out_dir=str(tmp_path / "out"),
        trainer_options={"strategy": "ddp_spawn", "devices": 2, "callbacks": [CrashAtFirstBatch()],
                         "enable_progress_bar": False},
    )  # fmt: skip
    with warnings.catch_warnings(record=True) as caught, pytest.raises(Exception, match="stopped on purpose"):
        warnings.simplefilter("always")
        generator.fit(str(folder), sample_rate=RATE, clip_seconds=0.05, split="rule", val_pattern="^v_",
                      test_pattern="^s_")  # fmt: skip
    named = [w for w in caught if CLIPPED in str(w.message)]
    assert len(named) == 1, [str(w.message) for w in caught]  # was none
    # the single-process wording, from the counts of the process that read it: its first 0.05 s (fixed crop)
    assert str(named[0].message) == (
        f"audio file {folder / 't_clip.wav'} is clipped at full scale: 65.00% of the 0.05 s read from it so far "
        "lie in runs of 3 or more samples at its largest codes (+-1), flattened tops the model learns as sound. "
        "Record it again at a lower gain, or remove it"
    )
    assert named[0].filename == __file__  # the user's fit
    assert CLIPPED not in capfd.readouterr().err  # nor named by a started process: once, by this one


def _started_process_trains(module: AudioDataModule) -> None:
    """A started process (ddp_spawn's: the module received by handle, set up anew) reads every training
    clip under DDP (a clipped file is left to the epoch's end) and stops before the epoch's end."""
    sent = pickle.loads(ForkingPickler.dumps(module))
    sent.setup("fit")
    sent.datasets["train"].waves.clipping.name_later = True  # as name_damaged_at_epoch_ends sets it under DDP
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # names nothing as it reads
        list(DataLoader(sent.datasets["train"], batch_size=8))


def _stopped(module: AudioDataModule) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NameFoundInStartedProcesses(module).on_exception(
            SimpleNamespace(datamodule=None), None, RuntimeError("a worker failed")
        )
    return [str(w.message) for w in caught]


def test_two_processes_that_found_one_clipped_file_name_it_once(tmp_path):
    module = _module(_folder(tmp_path))
    _started_process_trains(module)
    _started_process_trains(module)  # the other rank, reading it too
    named = _stopped(module)
    assert len(named) == 1 and CLIPPED in named[0] and "65.00% of the 0.05 s" in named[0], named
    assert _stopped(module) == []  # and not again


def test_a_file_named_at_an_epoch_end_is_not_named_again_when_a_later_call_stops(tmp_path):
    module = _module(_folder(tmp_path))
    _started_process_trains(module)
    assert module.named_files.first_time(tmp_path / "t_clip.wav", "clipped")  # rank 0 at the epoch's end
    assert _stopped(module) == []


def test_a_record_keeps_the_numbers_of_its_first_process():
    record, path = NamedFiles(), Path(__file__)
    assert record.numbers_of(path, "found clipped") is None
    assert record.first_time(path, "found clipped", (3, 400, 0.05))
    assert not record.first_time(path, "found clipped", (9, 900, 0.1))  # another process, later
    assert record.numbers_of(path, "found clipped") == (3.0, 400.0, 0.05)
    assert record.numbers_of(path, "damaged") is None  # kinds apart
    full = NamedFiles(capacity=1)
    assert full.first_time(Path(pickle.__file__)) and full.first_time(path) and full.first_time(path)  # full
