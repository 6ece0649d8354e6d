"""Audit 26 of audio generation: model options a new user mistypes or puts in the wrong place are
ConfigErrors naming the valid ones before any audio is read (they were Python TypeErrors, or torch's
from deep inside the network), and a prompt array resampled to the model's rate is taken as a file
of the same samples is."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.errors import ConfigError
from ssm_ts.models.sashimi import SaShiMi
from ssm_ts.tasks.waveform import WaveformTask, save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.mark.parametrize(
    "options, message",
    [
        # a typo: Python's "unexpected keyword argument 'dmodel'" at fit, after the folder was read
        ({"dmodel": 8}, r"model option\(s\) \['dmodel'\].*valid: d_model, n_layers, pool"),
        # settings of fit(...) and of WaveformGenerator(...): "got multiple values for keyword argument"
        ({"sample_rate": 8000}, r"\['sample_rate'\].*sample_rate is an argument of fit\(\)"),
        (
            {"lr": 0.1, "bits": 4},
            r"\['bits', 'lr'\].*bits is an argument of fit\(\).*lr of WaveformGenerator",
        ),
        ({"preset": "small"}, r"\['preset'\].*preset is an argument of WaveformGenerator"),
    ],
)
def test_model_options_it_does_not_take_are_named_before_reading_audio(options, message):
    with pytest.raises(ConfigError, match=message):
        WaveformGenerator("tiny", model_options=options)


def test_model_options_must_be_a_mapping():
    with pytest.raises(ConfigError, match=r"model_options must be a dict .*got list"):
        WaveformGenerator("tiny", model_options=[("d_model", 8)])


def test_the_task_settings_model_options_take_still_work():
    gen = WaveformGenerator("tiny", model_options={"d_model": 4, "lr_schedule": "none", "pool": [2]})
    assert gen.settings["model_options"]["d_model"] == 4


@pytest.mark.parametrize(
    "options, message",
    [
        # torch.empty's "type must be tuple of ints, but got float", deep in nn.Embedding
        ({"d_model": 8.0}, r"d_model must be a whole number >= 1, got 8.0"),
        ({"pool": [2.0]}, r"pool must be a list of whole numbers >= 1 .*got \[2.0\]"),
        ({"pool": 4}, r"pool must be a list of whole numbers >= 1 .*\[4\] .*got 4"),  # 'int' is not iterable
        ({"n_layers": True}, r"n_layers must be a whole number >= 1, got True"),
        ({"expand": 0}, r"expand must be a whole number >= 1, got 0"),
        ({"ff_expand": 0}, r"ff_expand must be a whole number >= 1, got 0"),  # was accepted: an empty MLP
    ],
)
def test_sashimi_sizes_of_the_wrong_type_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        SaShiMi(**{"d_model": 8, "n_layers": 1, "d_state": 4, **options})
    with pytest.raises(ConfigError, match=message):
        WaveformTask(preset="tiny", **options)


def test_sashimi_takes_numpy_whole_numbers_and_tuples_of_pools():
    model = SaShiMi(d_model=np.int64(8), n_layers=1, d_state=4, pool=(2, np.int32(2)))
    assert model(torch.zeros(1, 8, dtype=torch.long)).shape == (1, 8, 256)


def test_a_full_scale_prompt_array_at_another_rate_is_taken_as_its_file_is(tmp_path):
    # resampling a full-scale square wave overshoots (Gibbs): the array was refused as "peak 1.13,
    # audio must lie in [-1, 1]" though it peaks at 1.0, while the same samples as a file are clamped
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), tmp_path / "export")
    gen = WaveformGenerator.load(str(tmp_path / "export"))
    square = np.sign(np.sin(np.arange(1600) / 7.0)).astype(np.float32)
    sf.write(tmp_path / "square.wav", square, 16000, subtype="FLOAT")
    from_array = gen.generate(2, 0.2, seed=3, prompt=square, prompt_rate=16000)
    from_file = gen.generate(2, 0.2, seed=3, prompt=str(tmp_path / "square.wav"))
    torch.testing.assert_close(from_array, from_file, rtol=0, atol=0)


def _fitted_by_hand(**settings) -> WaveformGenerator:
    """A generator as fit leaves one, without the minutes of a fit: its task and metrics set."""
    gen = WaveformGenerator("tiny", **settings)
    options = settings.get("model_options") or {}
    gen.task_ = WaveformTask(preset="tiny", **options, sample_rate=8000, lr=settings.get("lr", 4e-3))
    gen.metrics_ = {"val_nll_bits": 7.25, "test_nll_bits": 7.5}
    return gen


def test_save_and_load_keep_the_generators_settings_and_metrics(tmp_path):
    # load built WaveformGenerator(preset) alone: metrics_ was {}, and a fit of the loaded generator
    # trained the preset's sizes, its default lr and 20 epochs, not the model that was saved
    gen = _fitted_by_hand(
        model_options={"d_model": 4, "pool": [2]}, lr=1e-3, max_epochs=3, batch_size=2, seed=5
    )
    gen.save(str(tmp_path / "saved"))
    back = WaveformGenerator.load(str(tmp_path / "saved"))
    assert back.metrics_ == gen.metrics_
    for name in ("preset", "model_options", "lr", "max_epochs", "batch_size", "seed"):
        assert back.settings[name] == gen.settings[name], name
    assert repr(back) == "WaveformGenerator(preset='tiny', max_epochs=3)"


def test_a_model_saved_without_its_generator_loads_its_settings_from_the_model(tmp_path):
    # a CLI fit's export or checkpoint holds the model's settings alone
    task = WaveformTask(preset="small", d_model=4, n_layers=1, lr=2e-3, lr_schedule="none", sample_rate=8000)
    save_waveform_export(task, tmp_path / "export")
    back = WaveformGenerator.load(str(tmp_path / "export"))
    assert back.settings["preset"] == "small" and back.settings["lr"] == 2e-3
    assert back.settings["model_options"] == {"d_model": 4, "n_layers": 1, "lr_schedule": "none"}
    assert back.metrics_ == {}


def test_paths_starting_with_a_tilde_name_the_home_folder(tmp_path, monkeypatch):
    # the audio folder and a prompt file starting with ~ were "not found" (a YAML config's
    # 'root: ~/takes' is no shell's to expand), and save/write made a folder named '~' in the working
    # folder, as the forecasting and sensor readers (and pandas) do not
    from ssm_ts.pipelines.audio import AudioDataModule

    home, work = tmp_path / "home", tmp_path / "work"
    (home / "takes").mkdir(parents=True)
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    rng = np.random.default_rng(0)
    for i in range(3):
        sf.write(home / "takes" / f"take{i}.wav", rng.uniform(-0.5, 0.5, 800), 8000)
    data = AudioDataModule("~/takes", 8000, clip_seconds=0.05)
    data.setup()
    assert data.root == home / "takes" and len(data.files.train) == 1

    gen = _fitted_by_hand()
    gen.save("~/model")
    gen.write(gen.generate(1, 0.11, seed=0, prompt="~/takes/take0.wav"), "~/samples")
    assert (home / "model" / "config.json").is_file() and (home / "samples" / "sample_000.wav").is_file()
    assert WaveformGenerator.load("~/model").metrics_ == gen.metrics_
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(
    "settings, message",
    [
        # each was accepted, and failed (or sampled at odd epochs) only once an epoch had trained
        ({"n_samples": 0}, r"n_samples must be a whole number of clips >= 1, got 0"),
        ({"sample_seconds": 0}, r"sample_seconds must be a number of seconds > 0, got 0"),
        ({"sample_seconds": float("nan")}, r"sample_seconds must be a number of seconds > 0, got nan"),
        (
            {"sample_every_n_epochs": 1.5},
            r"sample_every_n_epochs must be a whole number >= 0 \(0: off\), got 1.5",
        ),
        (
            {"sample_every_n_epochs": "2"},
            r"sample_every_n_epochs must be a whole number >= 0 \(0: off\), got '2'",
        ),
    ],
)
def test_listening_sample_settings_are_checked_before_training(settings, message):
    with pytest.raises(ConfigError, match=message):
        WaveformTask(preset="tiny", **{"sample_every_n_epochs": 1, **settings})


def test_listening_sample_sizes_are_free_while_sampling_is_off():
    WaveformTask(preset="tiny", n_samples=0, sample_seconds=0)  # as before: nothing is sampled


@pytest.mark.parametrize(
    "settings, message",
    [
        # as Forecaster refuses them: Lightning trained 3 epochs for 2.5, NumPy refused seed -1 mid-fit
        ({"max_epochs": 2.5}, r"max_epochs must be a whole number >= 1, got 2.5"),
        ({"batch_size": 2.0}, r"batch_size must be a whole number >= 1, got 2.0"),
        ({"seed": -1}, r"seed must be a whole number from 0 to 4294967295, got -1"),
    ],
)
def test_generator_counts_are_whole_numbers_checked_at_construction(settings, message):
    with pytest.raises(ConfigError, match=message):
        WaveformGenerator("tiny", **settings)
