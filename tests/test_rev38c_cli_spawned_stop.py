"""``ssm-ts audio fit`` (and the other audio commands) under ``ddp_spawn``, stopped by an error in its
processes, named none of the damaged files they had found (``--data.on_bad_file skip``): the callback that
names them from the starting process (:class:`NameFoundInStartedProcesses`) was added by
``WaveformGenerator.fit`` alone. The CLI's trainer now gets it too, from the helper both use
(:func:`spawned_stop_callbacks`), for a data module that names such files and for no other."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

from ssm_ts import cli
from ssm_ts.cli.lightning_cli import SSMTSCLI
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.tasks.waveform_spawned_stop import NameFoundInStartedProcesses, spawned_stop_callbacks
from tests.test_aud36_damaged_validation_file import RATE
from tests.test_aud36c_named_across_spawned_calls import _folder
from tests.test_aud38_spawned_stop_names_found import _started_process_validates


def _cli_trainer(monkeypatch, folder) -> tuple[list, AudioDataModule]:
    """``ssm-ts audio fit`` over ``folder``, stopped where it would fit: its trainer's callbacks and data module."""
    seen = {}

    def stop(self, **kwargs) -> None:
        seen.update(callbacks=list(self.trainer.callbacks), datamodule=self.datamodule)
        raise ConfigError("stopped before the fit")

    monkeypatch.setattr(SSMTSCLI, "fit", stop)
    fit = [
        "audio", "fit", "--data.root", str(folder), "--data.sample_rate", str(RATE), "--data.clip_seconds", "0.25",
        "--data.split", "rule", "--data.val_pattern", "^v_", "--data.test_pattern", "^s_",
        "--data.on_bad_file", "skip", "--model.preset", "tiny", "--trainer.logger", "false",
        "--trainer.enable_progress_bar", "false", "--out", "out",
    ]  # fmt: skip
    assert cli.main(fit) == 1
    return seen["callbacks"], seen["datamodule"]


def test_audio_fit_names_what_its_stopped_processes_found(in_tmp, monkeypatch):
    callbacks, module = _cli_trainer(monkeypatch, _folder(in_tmp))
    namers = [c for c in callbacks if isinstance(c, NameFoundInStartedProcesses)]
    assert len(namers) == 1 and namers[0].datamodule is module  # was none
    _started_process_validates(module, stop=True)  # a started process finds v_take.flac damaged, then stops
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        namers[0].on_exception(SimpleNamespace(datamodule=None), None, RuntimeError("a worker failed"))
    named = [str(w.message) for w in caught]
    assert len(named) == 1 and "v_take.flac" in named[0] and "on_bad_file='skip'" in named[0], named


def test_only_a_data_module_that_names_found_files_gets_the_callback():
    assert spawned_stop_callbacks(SimpleNamespace()) == []  # a forecast or classify data module
    module = SimpleNamespace(name_found_in_started_processes=lambda: None)
    [callback] = spawned_stop_callbacks(module)
    assert isinstance(callback, NameFoundInStartedProcesses) and callback.datamodule is module
