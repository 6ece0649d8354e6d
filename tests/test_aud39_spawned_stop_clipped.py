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

import numpy as np
import soundfile as sf
from torch.utils.data import DataLoader, Subset

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.named_files import NamedFiles
from ssm_ts.tasks.waveform_spawned_stop import NameFoundInStartedProcesses

RATE = 8000
CLIPPED = "t_clip.wav is clipped at full scale: "


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


def _started_process_trains(module: AudioDataModule, rank: int = 0, only: str | None = None) -> None:
    """A started process of a 2-process ddp_spawn fit: the module received by handle (as Lightning's
    launcher sends it) and set up anew, told it runs under DDP as the fit's task tells it
    (``name_damaged_at_epoch_ends``), reads the training clips (of the file ``only``, else of every file)
    and stops before the epoch's end, naming nothing as it reads (under DDP a clipped file is left to the
    epoch's end)."""
    sent = pickle.loads(ForkingPickler.dumps(module))
    sent.trainer = SimpleNamespace(world_size=2, global_rank=rank)
    sent.setup("fit")
    sent.name_damaged_at_epoch_ends("fit")
    train = sent.datasets["train"]
    files = train.waves.files if train.tiles is None else [train.waves.files[f] for f, _ in train.tiles]
    items = [i for i, path in enumerate(files) if only in (None, path.name)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(DataLoader(Subset(train, items), batch_size=8))


def _one_process(folder: Path) -> list[str]:
    """The clipping warnings of a single-process fit that reads the same training clips."""
    module = _module(folder)
    module.setup("fit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(DataLoader(module.datasets["train"], batch_size=8))
    return [str(w.message) for w in caught if CLIPPED in str(w.message)]


def test_a_spawned_fit_stopped_by_an_error_names_the_clipped_file_as_one_process_does(tmp_path):
    folder = _folder(tmp_path)
    module = _module(folder)
    _started_process_trains(module, rank=0)
    _started_process_trains(module, rank=1)  # both read it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NameFoundInStartedProcesses(module).on_exception(
            SimpleNamespace(datamodule=None), None, RuntimeError("stopped on purpose")
        )
    assert [str(w.message) for w in caught] == _one_process(folder)  # was none: once, in the same words
    # from the counts of the process that read it: its first 0.05 s (fixed crop)
    assert str(caught[0].message) == (
        f"audio file {folder / 't_clip.wav'} is clipped at full scale: 65.00% of the 0.05 s read from it so far "
        "lie in runs of 3 or more samples at its largest codes (+-1), flattened tops the model learns as sound. "
        "Record it again at a lower gain, or remove it"
    )
    assert caught[0].filename == __file__  # the user's fit


def test_a_file_one_process_alone_read_is_named(tmp_path):
    module = _module(_folder(tmp_path))
    _started_process_trains(module, rank=0, only="t_a.wav")
    _started_process_trains(module, rank=1, only="t_clip.wav")
    named = _stopped(module)
    assert len(named) == 1 and CLIPPED in named[0] and "65.00% of the 0.05 s" in named[0], named


def _stopped(module: AudioDataModule) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NameFoundInStartedProcesses(module).on_exception(
            SimpleNamespace(datamodule=None), None, RuntimeError("a worker failed")
        )
    return [str(w.message) for w in caught]


def test_two_processes_that_found_one_clipped_file_name_it_once(tmp_path):
    module = _module(_folder(tmp_path))
    _started_process_trains(module, rank=0)
    _started_process_trains(module, rank=1)  # the other rank, reading it too
    named = _stopped(module)
    assert len(named) == 1 and CLIPPED in named[0] and "65.00% of the 0.05 s" in named[0], named
    assert _stopped(module) == []  # and not again


def test_a_file_named_at_an_epoch_end_is_not_named_again_when_a_later_call_stops(tmp_path):
    module = _module(_folder(tmp_path))
    _started_process_trains(module)
    assert module.named_files.numbers_of(tmp_path / "t_clip.wav", "found clipped") is not None  # to name
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
    assert full.first_time(Path(pickle.__file__)) and full.first_time(path)  # past its shared memory
    assert not full.first_time(path)  # recorded still: not named again
