"""A ``ddp_spawn`` fit stopped by an error in its processes named none of the files they had found damaged
as decoded (``on_bad_file="skip"``) since the last epoch's end: the started processes end without
Lightning's exception hooks, and the process that started them never attached the data module to its
trainer, so no ``on_exception`` of the data module ran anywhere. The processes now record each file they
find in the data module's shared record, and a callback of ``WaveformGenerator.fit``'s trainer (whose
``on_exception`` runs in the starting process) names those no warning named, in one warning."""

from __future__ import annotations

import pickle
import warnings
from multiprocessing.reduction import ForkingPickler
from types import SimpleNamespace

from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.tasks.waveform_spawned_stop import NameFoundInStartedProcesses
from tests.test_aud36_damaged_validation_file import RATE
from tests.test_aud36c_named_across_spawned_calls import _folder


def _module(folder) -> AudioDataModule:
    return AudioDataModule(
        str(folder), RATE, clip_seconds=0.25, split="rule", val_pattern="^v_", test_pattern="^s_",
        on_bad_file="skip",
    )  # fmt: skip


def _started_process_validates(module: AudioDataModule, stop: bool) -> list[str]:
    """A started process (ddp_spawn's) receives ``module``, validates, and ends at the epoch's end (names
    what it found, as the task has it) or stopped before it (``stop``: names nothing); its warnings."""
    sent = pickle.loads(ForkingPickler.dumps(module))
    sent.setup("validate")
    sent.name_damaged_at_epoch_ends("validate")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(DataLoader(sent.datasets["val"], batch_size=4))
        if not stop:
            sent.name_found_bad("val")
    return [str(w.message) for w in caught if "v_take.flac" in str(w.message)]


def _stopped(module: AudioDataModule, attached: bool = False) -> list[str]:
    """The starting process's trainer stopped by its processes' error: the callback's warnings."""
    trainer = SimpleNamespace(datamodule=module if attached else None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NameFoundInStartedProcesses(module).on_exception(trainer, None, RuntimeError("a worker failed"))
    return [str(w.message) for w in caught]


def test_files_a_stopped_process_found_are_named_by_the_starting_one(tmp_path):
    module = _module(_folder(tmp_path))
    assert _started_process_validates(module, stop=True) == []
    named = _stopped(module)
    assert len(named) == 1 and "1 audio file(s)" in named[0] and "v_take.flac" in named[0]
    assert "on_bad_file='skip'" in named[0] and "repair or remove" in named[0]
    assert _stopped(module) == []  # named once
    assert _started_process_validates(module, stop=False) == []  # nor again by a later call


def test_files_named_at_an_epoch_end_are_not_named_again_when_a_later_call_stops(tmp_path):
    module = _module(_folder(tmp_path))
    assert len(_started_process_validates(module, stop=False)) == 1
    assert _started_process_validates(module, stop=True) == []
    assert _stopped(module) == []


def test_a_trainer_that_ran_in_this_process_leaves_them_to_the_data_module(tmp_path):
    module = _module(_folder(tmp_path))
    _started_process_validates(module, stop=True)
    assert _stopped(module, attached=True) == []  # its on_exception names them, with where each failed


def test_the_warning_shows_the_users_line(tmp_path):
    module = _module(_folder(tmp_path))
    _started_process_validates(module, stop=True)
    trainer = SimpleNamespace(datamodule=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NameFoundInStartedProcesses(module).on_exception(trainer, None, RuntimeError("a worker failed"))
    assert [w.filename for w in caught] == [__file__]  # was pipelines/audio/datamodule.py
