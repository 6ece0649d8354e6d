"""A fit stopped by an error after its audio folder was moved or deleted named the files it had found
damaged by reading the folder again, and the crash report gained a second, misleading error: under
``ddp_spawn`` "the files found damaged before the fit stopped could not be named (DataFileNotFoundError:
audio folder not found: ...; pass a folder of WAV/FLAC/OGG files)", from inside ssm-ts; in one process
each file "skipped ... is missing (moved or deleted since the folder was listed?)", as if that was why it
was left out. Both now say plainly, in one warning at the user's line, that the folder is gone."""

from __future__ import annotations

import shutil
import warnings
from types import SimpleNamespace

import lightning.pytorch as pl
import pytest

from ssm_ts import WaveformGenerator
from ssm_ts.tasks.waveform_spawned_stop import NameFoundInStartedProcesses
from tests.test_aud36_damaged_validation_file import RATE
from tests.test_aud36c_named_across_spawned_calls import _folder
from tests.test_aud38_spawned_stop_names_found import _module, _started_process_validates

MISLEADING = ("could not be named", "not found", "pass a folder", "is missing")


def _said(caught) -> list[str]:
    return [str(w.message) for w in caught]


def test_a_spawned_fit_whose_folder_is_gone_says_so_once(tmp_path):
    (tmp_path / "takes").mkdir()
    folder = _folder(tmp_path / "takes")
    module = _module(folder)
    _started_process_validates(module, stop=True)  # a started process finds v_take.flac damaged, then stops
    folder.rename(tmp_path / "moved")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NameFoundInStartedProcesses(module).on_exception(
            SimpleNamespace(datamodule=None), None, RuntimeError()
        )
    [said] = _said(caught)
    assert said.startswith(f"the audio folder {folder} is gone (moved or deleted since the fit started)"), (
        said
    )
    assert not any(text in said for text in MISLEADING), said
    assert caught[0].filename == __file__  # the user's line, not ssm-ts's


class StopWithTheFolderGone(pl.Callback):
    """Deletes the audio folder, then stops the fit, after the sanity check's first validation batch."""

    def __init__(self, folder: str):
        self.folder = folder

    def on_validation_batch_end(self, trainer, *args) -> None:
        shutil.rmtree(self.folder)
        raise RuntimeError("stopped on purpose")


def test_a_fit_whose_folder_is_gone_names_what_it_found_without_reading_it_again(tmp_path):
    (tmp_path / "takes").mkdir()
    folder = _folder(tmp_path / "takes")
    generator = WaveformGenerator(
        "tiny", max_epochs=1, batch_size=16, accelerator="cpu", log_to_mlflow=False, out_dir=str(tmp_path / "out"),
        trainer_options={"callbacks": [StopWithTheFolderGone(str(folder))], "enable_progress_bar": False},
    )  # fmt: skip
    with (
        warnings.catch_warnings(record=True) as caught,
        pytest.raises(RuntimeError, match="stopped on purpose"),
    ):
        warnings.simplefilter("always")
        generator.fit(str(folder), sample_rate=RATE, clip_seconds=0.25, split="rule", val_pattern="^v_",
                      test_pattern="^s_", on_bad_file="skip")  # fmt: skip
    said = [text for text in _said(caught) if "v_take.flac" in text]
    assert said == [
        f"the audio folder {folder} is gone (moved or deleted since the fit started): skipped 1 audio file(s) "
        "found damaged as decoded before the fit stopped (on_bad_file='skip'), not decoded again to say why: "
        "v_take.flac from 1.500 s. The error that stopped the fit follows; to fit again, pass the folder where "
        "it is now (CLI: --data.root)"
    ]  # was "skipped audio file .../v_take.flac is missing (moved or deleted since the folder was listed?)"


def test_a_folder_still_there_names_the_file_as_before(tmp_path):
    module = _module(_folder(tmp_path))
    _started_process_validates(module, stop=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NameFoundInStartedProcesses(module).on_exception(
            SimpleNamespace(datamodule=None), None, RuntimeError()
        )
    [said] = _said(caught)
    assert said.startswith("skipped 1 audio file(s) of") and "v_take.flac" in said, said
