"""What a new user feeds audio generation: an output folder that cannot be written, a request with a
typo in a column name or an empty table, and a clip length that cannot fit in memory. Each is a
ConfigError / DataError naming the setting and the fix, before any generating."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.tasks.waveform import WaveformTask, save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")

# /proc refuses new files for every user, root included (a chmod'ed folder does not stop root)
UNWRITABLE = Path("/proc/ssm-ts-test-out")
needs_proc = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")


@pytest.fixture
def export(tmp_path) -> Path:
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), tmp_path / "export")
    return tmp_path / "export"


@needs_proc
def test_an_out_folder_that_cannot_be_written_is_refused_before_generating(export, monkeypatch):
    # before: the clips were generated (minutes for long ones), then mkdir raised a bare
    # FileNotFoundError / PermissionError and the clips were lost
    import ssm_ts.tasks.waveform as waveform

    def no_generating(*args, **kwargs):
        raise AssertionError("generated before checking --out")

    monkeypatch.setattr(waveform.WaveformTask, "generate_codes", no_generating)
    with pytest.raises(
        ConfigError,
        match=r"--out /proc/ssm-ts-test-out cannot be written: /proc takes no new files .*"
        r"give --out a folder you can write to",
    ):
        generate_command(
            ["--ckpt_path", str(export), "--num", "1", "--seconds", "0.01", "--out", str(UNWRITABLE)]
        )
    gen = WaveformGenerator.load(str(export))
    with pytest.raises(ConfigError, match=r"out_dir /proc/ssm-ts-test-out cannot be written"):
        gen.write(torch.zeros(1, 80), str(UNWRITABLE))


def test_a_writable_out_folder_is_left_as_it_was_by_the_check(export, tmp_path):
    from ssm_ts.tasks.waveform import check_out_dir

    check_out_dir(tmp_path / "new" / "deeper")
    check_out_dir(tmp_path)
    assert not (tmp_path / "new").exists()  # the check creates nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_a_clip_too_long_for_memory_names_seconds_before_allocating(export):
    # before: seconds=1e9 reached torch.empty: "DefaultCPUAllocator: can't allocate memory: you
    # tried to allocate 64000000000000 bytes"
    gen = WaveformGenerator.load(str(export))
    with pytest.raises(ConfigError, match=r"3 clip\(s\) of 1e\+09 s .*GiB.*ask for fewer seconds or clips"):
        gen.generate(3, 1e9)
    with pytest.raises(ConfigError, match=r"1e\+09 s"):
        generate_command(
            ["--ckpt_path", str(export), "--num", "1", "--seconds", "1e9", "--out", str(export.parent / "o")]
        )


@pytest.fixture
def served(export):
    from ssm_ts.tracking.pyfunc_audio import WaveformPyfunc

    model = WaveformPyfunc()
    model.generator = WaveformGenerator.load(str(export))
    return model


def test_a_request_column_the_model_does_not_know_is_an_error_naming_it(served):
    # before: 'temprature' was ignored and the clip sampled at temperature 1, silently
    frame = pd.DataFrame({"seconds": [0.01], "temprature": [0.5]})
    with pytest.raises(
        DataError,
        match=r"unknown request column\(s\) \['temprature'\]; "
        r".*'seconds', 'temperature', 'top_p', 'seed', 'clip'",
    ):
        served.predict(None, frame)


def test_an_empty_request_gives_an_empty_table_with_the_output_columns(served):
    # before: a frame without columns, so out["audio"] was a KeyError for the caller
    for request in (pd.DataFrame({"seconds": []}), pd.DataFrame([])):  # the second: {"dataframe_records": []}
        out = served.predict(None, request)
        assert len(out) == 0 and list(out.columns) == ["audio", "sample_rate"]


def test_a_served_model_answers_a_bad_request_with_the_reason(export, tmp_path):
    # before: the scoring server answered every bad request with "Encountered an unexpected error
    # while evaluating the model", the reason only at the end of a Python stack trace
    import json

    import mlflow
    from mlflow.pyfunc import scoring_server

    from ssm_ts.tracking.pyfunc_audio import write_model_code

    mlflow.pyfunc.save_model(
        tmp_path / "model",
        python_model=write_model_code(tmp_path / "code"),
        artifacts={"waveform_model": str(export)},
        pip_requirements=["ssm-ts"],  # as ssm-ts logs it: inference imports the model in a subprocess (~5 s)
    )
    model = mlflow.pyfunc.load_model(str(tmp_path / "model"))

    def serve(records):
        data = json.dumps({"dataframe_records": records})
        return scoring_server.invocations(data, "application/json", model, None)

    answer = serve([{"seconds": 0.01, "seed": 1}])
    assert answer.status == 200 and len(json.loads(answer.response)["predictions"][0]["audio"]) == 80
    for records, reason in [
        ([{"seconds": 0.01, "temprature": 1}], r"unknown request column\(s\) \['temprature'\]"),
        ([{"seconds": -1}], r"request row 0: seconds must be a finite number > 0, got -1"),
        ([{"seconds": 0.01, "clip": 2}], r"request row 0: 'clip' picks a clip of a seed"),
    ]:
        with pytest.raises(mlflow.exceptions.MlflowException, match=reason) as caught:
            serve(records)
        assert caught.value.get_http_status_code() == 400
    # in-process callers still get ssm-ts's own error types
    with pytest.raises(DataError, match="unknown request column"):
        model.predict(pd.DataFrame({"seconds": [0.01], "temprature": [1]}))
    with pytest.raises(ConfigError, match="seconds must be a finite number"):
        model.predict(pd.DataFrame({"seconds": [-1.0]}))


def test_prompts_a_user_passes_by_mistake_name_the_fix(export, tmp_path):
    gen = WaveformGenerator.load(str(export))
    # before: "prompt file ... not found" for a folder that exists
    with pytest.raises(DataError, match=r"prompt .* is a folder; give one audio file"):
        gen.generate(1, 0.05, prompt=str(tmp_path))
    # before: "the prompt's peak amplitude is 9788 ... divide it by its peak", which changes its loudness
    pcm = (0.3 * np.sin(np.arange(200) / 5.0) * 32767).astype(np.int16)
    with pytest.raises(DataError, match=r"int16 samples: scale integer PCM to \[-1, 1\] with prompt / 32768"):
        gen.generate(1, 0.05, prompt=pcm)
    audio = gen.generate(1, 0.05, prompt=pcm / 32768, seed=0)  # the fix works
    assert audio.shape == (1, 400) and torch.isfinite(audio).all()


def test_recordings_named_as_clips_in_the_out_folder_are_refused_before_generating(
    export, tmp_path, monkeypatch
):
    # before: a folder of a user's sample_000.wav, ... given as --out lost them all, "replaced the 5
    # clip(s) of an earlier run"
    import ssm_ts.tasks.waveform as waveform

    takes = tmp_path / "takes"
    takes.mkdir()
    for i in range(5):
        sf.write(takes / f"sample_{i:03d}.wav", np.full(40, 0.1), 8000)
    monkeypatch.setattr(
        waveform.WaveformTask, "generate_codes", lambda *a, **k: pytest.fail("generated first")
    )
    message = r"--out .*takes holds 5 file\(s\) named as generated clips \(sample_000.wav, .*\) but no spectrograms.png"
    with pytest.raises(ConfigError, match=message):
        generate_command(["--ckpt_path", str(export), "--num", "1", "--seconds", "0.01", "--out", str(takes)])
    with pytest.raises(ConfigError, match="out_dir .*takes holds 5 file"):
        WaveformGenerator.load(str(export)).write(torch.zeros(1, 80), str(takes))
    assert [sf.read(takes / f"sample_{i:03d}.wav")[0].size for i in range(5)] == [40] * 5


def test_an_earlier_runs_clips_are_replaced(export, tmp_path):
    gen = WaveformGenerator.load(str(export))
    gen.write(torch.zeros(3, 80), str(tmp_path / "samples"))
    paths = gen.write(torch.zeros(1, 40), str(tmp_path / "samples"))
    assert [p.name for p in paths] == ["sample_000.wav", "spectrograms.png"]
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["sample_000.wav", "spectrograms.png"]
