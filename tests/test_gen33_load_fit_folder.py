"""A fit's output folder given where a saved model is meant is refused (by design) with the model in it
to pass, written as the front end takes it and ready to paste: ``WaveformGenerator.load('out/export')``
for Python, ``--ckpt_path out/export`` for ``ssm-ts audio generate`` (a fit's ``out`` itself loads its
``export/`` in both). It said "pass out/export (ssm-ts
audio generate: --ckpt_path best or last --out out)" to both, unquoted (a folder with a space broke
the paste), and of several runs in an experiment folder it named the first by name, not the newest."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import CheckpointError
from ssm_ts.tasks.waveform import WaveformTask
from ssm_ts.tasks.waveform_export import save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture
def fit_out(tmp_path) -> Path:
    """A --out of two fits, in a folder whose name holds a space: each run's export and checkpoints, and
    the shared ``export/`` (the fit that finished last). The newer run's id sorts first."""
    out = tmp_path / "my fits" / "out"
    # (run id, its model's rate, when it finished): the newer fit's model is at 8 kHz
    for run_id, rate, finished in (("zz-older", 16000, 1e9), ("aa-newer", 8000, 2e9)):
        run_dir = out / "1" / run_id
        save_waveform_export(WaveformTask(preset="tiny", sample_rate=rate), run_dir / "export")
        (run_dir / "checkpoints").mkdir()
        (run_dir / "checkpoints" / "last.ckpt").write_bytes(b"")  # named only, never loaded here
        os.utime(run_dir / "export" / "config.json", (finished, finished))
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), out / "export")
    return out


def test_the_api_names_the_call_that_loads_the_model(fit_out):
    assert WaveformGenerator.load(str(fit_out)).sample_rate == 8000  # --out itself loads its export/
    for folder, rate in ((fit_out / "1", 8000),):
        with pytest.raises(CheckpointError) as err:
            WaveformGenerator.load(str(folder))
        message = str(err.value)
        assert message.startswith(
            f"{folder} is a fit's output folder, not a saved model: load the model in it"
        )
        assert "--ckpt_path" not in message and "--out" not in message  # the command's words, not Python's
        (call,) = re.findall(r"WaveformGenerator\.load\(.*\)$", message)
        assert eval(call).sample_rate == rate  # pasted as written: the newest fit's model


def test_the_command_names_ckpt_path_quoted_for_the_shell(fit_out, tmp_path):
    base = ["--num", "1", "--seconds", "0.001", "--out", str(tmp_path / "clips")]
    # --out itself loads its export/, as WaveformGenerator.load does; an experiment folder is refused
    folder = fit_out / "1"
    with pytest.raises(CheckpointError) as err:
        generate_command(["--ckpt_path", str(folder), *base])
    message = str(err.value)
    newest = shlex.quote(str(folder / "aa-newer" / "export"))
    assert message.endswith(f"not a saved model: pass --ckpt_path {newest}")
    assert "WaveformGenerator" not in message
    fix = message.split("pass ", 1)[1].split(", or ")[0]
    assert generate_command([*shlex.split(fix), *base]) == 0  # pasted as written
    assert (tmp_path / "clips" / "sample_000.wav").is_file()
