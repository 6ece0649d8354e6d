"""WaveformGenerator end to end on real speech: fit, generate, save/load, the generate CLI, the MLflow pyfunc."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
import soundfile as sf
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import ConfigError, DataError

pytestmark = pytest.mark.usefixtures("single_thread")


def test_fit_generate_save_load_cli_and_pyfunc(shared_data, tmp_path):
    gen = WaveformGenerator(preset="tiny", max_epochs=1, batch_size=8, out_dir=str(tmp_path / "run"))
    with pytest.raises(ConfigError, match="not fitted"):
        gen.generate(1, 0.01)
    gen.fit(str(shared_data / "audio" / "espeak-digits"), clip_seconds=0.05, max_files_per_split=8)
    assert 0 < gen.metrics_["test_nll_bits"] < 9

    audio = gen.generate(3, 0.02, seed=0)
    assert audio.shape == (3, 320) and audio.abs().max() <= 1.0
    prompt = torch.linspace(-0.5, 0.5, 100)
    continued = gen.generate(2, 0.02, prompt=prompt, seed=0, top_p=0.9)
    torch.testing.assert_close(continued[:, :100], prompt.expand(2, -1), atol=0.02, rtol=0)  # mu-law step

    gen.save(str(tmp_path / "model"))
    loaded = WaveformGenerator.load(str(tmp_path / "model"))
    torch.testing.assert_close(loaded.generate(3, 0.02, seed=0), audio)

    out = tmp_path / "samples"
    assert (
        generate_command(
            [
                "--ckpt_path",
                str(tmp_path / "model"),
                "--num",
                "3",
                "--seconds",
                "0.01",
                "--out",
                str(out),
                "--batch_size",
                "2",
            ]
        )
        == 0
    )
    wavs = sorted(out.glob("*.wav"))
    assert len(wavs) == 3 and (out / "spectrograms.png").stat().st_size > 1000
    data, rate = sf.read(wavs[0])
    assert rate == 16000 and data.shape == (160,)

    run = mlflow.get_run(gen.run_id_)
    assert "val_nll_bits" in run.data.metrics
    client = mlflow.MlflowClient()
    assert {"config.json", "checkpoints"} <= {a.path for a in client.list_artifacts(gen.run_id_)}
    config = mlflow.artifacts.load_dict(f"runs:/{gen.run_id_}/config.json")
    assert (
        config["model"]["preset"] == "tiny"
        and config["metrics"]["test_nll_bits"] == gen.metrics_["test_nll_bits"]
    )
    model = mlflow.pyfunc.load_model(f"runs:/{gen.run_id_}/model")
    result = model.predict(pd.DataFrame({"seconds": [0.01, 0.005], "seed": [1, 2]}))
    assert [len(a) for a in result["audio"]] == [160, 80] and (result["sample_rate"] == 16000).all()
    # the fit's checkpoints and export are in its own run folder; the export is published to out_dir/export
    own = tmp_path / "run" / run.info.experiment_id / gen.run_id_
    assert (
        list((own / "checkpoints").glob("best-*.ckpt")) and (own / "export" / "model.safetensors").is_file()
    )
    torch.testing.assert_close(
        WaveformGenerator.load(str(tmp_path / "run" / "export")).generate(3, 0.02, seed=0), audio
    )


def _untrained(tmp_path) -> WaveformGenerator:
    """A tiny generator from an export of an untrained task (no fit needed for the input checks)."""
    from ssm_ts.tasks.waveform import WaveformTask, save_waveform_export

    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), tmp_path / "export")
    return WaveformGenerator.load(str(tmp_path / "export"))


def test_bad_prompts_are_clear_data_errors(tmp_path):
    from ssm_ts.errors import DataError

    gen = _untrained(tmp_path)
    with pytest.raises(DataError, match=r"prompt holds 1 NaN or inf value\(s\) \(first at index \(0, 3\)\)"):
        gen.generate(1, 0.002, prompt=torch.tensor([0.0, 0.1, 0.2, float("nan")]))
    with pytest.raises(DataError, match="peak amplitude is 2; audio must lie in \\[-1, 1\\]"):
        gen.generate(1, 0.002, prompt=torch.tensor([0.0, 2.0]))
    assert gen.generate(1, 0.002, prompt=torch.tensor([0.0, 0.5, -0.5]), seed=0).shape == (1, 16)


def test_write_takes_one_clip_and_clips_too_short_for_a_spectrogram(tmp_path):
    gen = _untrained(tmp_path)
    paths = gen.write(torch.zeros(100), str(tmp_path / "one"))  # (samples,): one clip
    assert [p.name for p in paths] == ["sample_000.wav", "spectrograms.png"]
    assert sf.info(paths[0]).frames == 100
    tiny = gen.generate(2, 0.0005, seed=0)  # 4 samples: shorter than the STFT's centring pad
    paths = gen.write(tiny, str(tmp_path / "tiny"))
    assert len(paths) == 3 and paths[-1].stat().st_size > 0
    with pytest.raises(ConfigError, match=r"clips must be audio \(n, samples\)"):
        gen.write(torch.zeros(1, 2, 3), str(tmp_path / "bad"))


def test_generate_cli_checks_device_and_out_before_generating(tmp_path, monkeypatch):
    """A missing GPU was torch's 'Found no NVIDIA driver', --out on a file a FileExistsError after
    generating; both are ConfigErrors naming the option and the fix, raised before the model loads."""
    _untrained(tmp_path)
    base = ["--ckpt_path", str(tmp_path / "export"), "--num", "1", "--seconds", "0.001"]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match=r"--device cuda: no CUDA GPU is visible.*use --device cpu"):
        generate_command([*base, "--device", "cuda", "--out", str(tmp_path / "a")])
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ConfigError, match=r"--device cuda:3: only 1 CUDA GPU\(s\) here"):
        generate_command([*base, "--device", "cuda:3", "--out", str(tmp_path / "a")])
    with pytest.raises(ConfigError, match=r"--device 'gpu' is not a torch device; use cpu, cuda"):
        generate_command([*base, "--device", "gpu", "--out", str(tmp_path / "a")])
    taken = tmp_path / "taken.wav"
    taken.write_bytes(b"")
    with pytest.raises(ConfigError, match=r"--out .*taken.wav is a file, not a folder; give --out a folder"):
        generate_command([*base, "--out", str(taken)])
    with pytest.raises(ConfigError, match=r"--out .*sub is inside .*taken.wav, which is a file"):
        generate_command([*base, "--out", str(taken / "sub")])
    gen = WaveformGenerator.load(str(tmp_path / "export"))
    with pytest.raises(ConfigError, match=r"out_dir .*taken.wav is a file, not a folder"):
        gen.write(torch.zeros(1, 100), str(taken))


def test_fit_with_a_clip_under_one_sample_names_clip_seconds(tmp_path):
    with pytest.raises(
        ConfigError, match=r"clip_seconds=1e-06 is under one sample at 16000 Hz; use at least"
    ):
        WaveformGenerator(preset="tiny", max_epochs=1, log_to_mlflow=False).fit(
            str(tmp_path), clip_seconds=1e-6
        )


def test_resume_continues_an_interrupted_fit_in_its_run_and_register_as_registers_it(shared_data, tmp_path):
    from tests.cli.fake_use import InterruptAtEpoch

    folder, data = (
        str(shared_data / "audio" / "espeak-digits"),
        dict(clip_seconds=0.05, max_files_per_split=8),
    )
    settings = dict(preset="tiny", max_epochs=2, batch_size=8, out_dir=str(tmp_path / "run"))
    with pytest.raises(
        ConfigError, match=r"needs the folder of the interrupted fit: create the WaveformGenerator"
    ):
        WaveformGenerator(preset="tiny", log_to_mlflow=False).fit(folder, **data, resume=True)
    interrupted = WaveformGenerator(**settings, trainer_options={"callbacks": [InterruptAtEpoch(1)]})
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(folder, **data)
    client = mlflow.MlflowClient()
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-audio").experiment_id])
    assert run.info.status == "KILLED"
    with pytest.raises(
        ConfigError, match=r"trained with other settings: lr: 0.004 in the checkpoint, 0.001 now"
    ):
        WaveformGenerator(**settings, lr=1e-3).fit(folder, **data, resume=True)

    resumed = WaveformGenerator(**settings, register_as="digits").fit(folder, **data, resume=True)
    (run,) = client.search_runs([run.info.experiment_id])
    assert resumed.run_id_ == run.info.run_id and run.info.status == "FINISHED"
    assert len(client.get_metric_history(run.info.run_id, "val_nll_bits")) == 2  # epoch 0, then epoch 1
    model = mlflow.pyfunc.load_model("models:/digits/1")
    assert len(model.predict(pd.DataFrame({"seconds": [0.005]}))["audio"][0]) == 80


def test_fit_on_a_mixed_format_folder_logs_what_reading_it_did(tmp_path):
    # 44.1/48 kHz stereo FLAC and 24-bit/float WAVs were resampled and mixed down with no record of it
    from tests.pipelines.test_audio_pipeline import _mixed_format_folder

    folder = tmp_path / "mine"
    folder.mkdir()
    _mixed_format_folder(folder)
    gen = WaveformGenerator(preset="tiny", max_epochs=1, batch_size=4, out_dir=str(tmp_path / "run"),
                            trainer_options={"enable_progress_bar": False})  # fmt: skip
    with pytest.warns(UserWarning, match="broken.wav"):
        gen.fit(str(folder), clip_seconds=0.02, on_bad_file="skip")
    tags = mlflow.get_run(gen.run_id_).data.tags
    assert tags["data.source_rates"] == "16000 Hz: 2, 22050 Hz: 1, 44100 Hz: 1, 48000 Hz: 2"
    assert tags["data.source_channels"] == "mono: 4, stereo: 2"
    assert tags["data.resampled_to_16000_hz"] == "4" and tags["data.mixed_to_mono"] == "2"
    assert tags["data.skipped_files"] == "broken.wav"
    clip = gen.generate(1, 0.01, seed=0)
    paths = gen.write(clip, str(tmp_path / "out"))
    info = sf.info(paths[0])
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (16000, 1, 160, "PCM_16")


def test_files_gone_mid_fit_fail_naming_them_and_the_fit_resumes_from_its_checkpoint(shared_data, tmp_path):
    # Audio is decoded when read, so a file moved or deleted during a fit fails the next epoch: the
    # error said "System error ... may be corrupt" and nothing about the checkpoint that was kept.
    import shutil

    import lightning.pytorch as pl

    folder = tmp_path / "mine"
    folder.mkdir()
    for path in sorted((shared_data / "audio" / "espeak-digits" / "two").glob("*.wav"))[:8]:
        shutil.copy(path, folder / path.name)
    kept = tmp_path / "kept"
    shutil.copytree(folder, kept)

    class MoveFilesAway(pl.Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            for path in folder.glob("*.wav"):
                path.unlink()

    settings = dict(preset="tiny", max_epochs=2, batch_size=4, out_dir=str(tmp_path / "run"))
    gen = WaveformGenerator(
        **settings, trainer_options={"callbacks": [MoveFilesAway()], "enable_progress_bar": False}
    )
    with pytest.raises(
        DataError, match=r"audio file .*\.wav is missing.*last checkpoint is kept.*resume=True"
    ):
        gen.fit(str(folder), clip_seconds=0.02)
    client = mlflow.MlflowClient()
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-audio").experiment_id])
    assert run.info.status == "FAILED" and list((tmp_path / "run").rglob("last.ckpt"))
    shutil.copytree(kept, folder, dirs_exist_ok=True)
    resumed = WaveformGenerator(**settings, trainer_options={"enable_progress_bar": False})
    resumed.fit(str(folder), clip_seconds=0.02, resume=True)
    assert resumed.run_id_ == run.info.run_id and client.get_run(run.info.run_id).info.status == "FINISHED"


def test_fit_passes_the_split_fractions_and_patterns_to_the_data(shared_data, tmp_path):
    # fit took split and test_pattern but not fractions or val_pattern, which the data module has
    folder = str(shared_data / "audio" / "espeak-digits")
    gen = WaveformGenerator(preset="tiny", max_epochs=1, batch_size=4, log_to_mlflow=False,
                            out_dir=str(tmp_path / "run"),
                            trainer_options={"enable_progress_bar": False, "limit_train_batches": 1,
                                             "limit_val_batches": 1, "limit_test_batches": 1})  # fmt: skip
    gen.fit(folder, clip_seconds=0.01, split="fractions", fractions=(0.5, 0.25, 0.25))
    (checkpoint,) = (tmp_path / "run").rglob("last.ckpt")
    saved = torch.load(checkpoint, map_location="cpu", weights_only=False)["datamodule_hyper_parameters"]
    assert tuple(saved["fractions"]) == (0.5, 0.25, 0.25) and saved["split"] == "fractions"
    with pytest.raises(DataError, match="the val split .* is empty"):  # val_pattern reached the split
        gen.fit(folder, clip_seconds=0.01, split="rule", test_pattern="_1", val_pattern="no-such-name")
