"""What a new user feeds audio generation: an output folder that cannot be written, a request with a
typo in a column name or an empty table, and a clip length that cannot fit in memory. Each is a
ConfigError / DataError naming the setting and the fix, before any generating."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
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
    out = served.predict(None, pd.DataFrame({"seconds": []}))
    assert len(out) == 0 and list(out.columns) == ["audio", "sample_rate"]
