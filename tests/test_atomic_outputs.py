"""A process killed (SIGKILL) while writing an output never leaves a half-written file under the output's name.

Each case runs the real writer in a child process whose low-level write (soundfile, safetensors,
pandas) writes a few bytes and then kills the process, as a power cut or an OOM kill would. The
output's name must then hold nothing or the previous complete version; the debris carries a
``.partial`` name that no reader mistakes for a result.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from ssm_ts.export import load_export, save_export

REPO = Path(__file__).resolve().parents[1]
DIE_WHILE_WRITING = """
import os, signal
from pathlib import Path

def die_while_writing(target, *args, **kwargs):
    Path(str(target)).write_bytes(b"RIFF" + bytes(64))  # the first bytes of a file, then the crash
    os.kill(os.getpid(), signal.SIGKILL)
"""


def run_killed(script: str, out: Path) -> None:
    code = textwrap.dedent(DIE_WHILE_WRITING) + textwrap.dedent(script)
    process = subprocess.run([sys.executable, "-c", code, str(out)], cwd=REPO, capture_output=True, text=True)
    assert process.returncode == -signal.SIGKILL, process.stderr[-2000:]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".partial" in p.name)


def test_wav_files_killed_mid_write(tmp_path):
    run_killed(
        """
        import sys, torch
        import soundfile
        from ssm_ts.tasks.waveform import write_clips
        real_write, calls = soundfile.write, []
        def second_write_dies(path, *args, **kwargs):
            calls.append(path)
            return real_write(path, *args, **kwargs) if len(calls) == 1 else die_while_writing(path)
        soundfile.write = second_write_dies
        write_clips(0.1 * torch.randn(3, 1600), 16000, Path(sys.argv[1]))
        """,
        tmp_path,
    )
    finished, killed = tmp_path / "sample_000.wav", tmp_path / "sample_001.wav"
    assert sf.info(finished).frames == 1600  # the clip written before the kill is whole
    assert not killed.exists() and not (tmp_path / "sample_002.wav").exists()
    assert len(leftovers(tmp_path)) == 1 and leftovers(tmp_path)[0].endswith(".partial.wav")


def test_export_killed_mid_overwrite_keeps_the_previous_export(tmp_path):
    export = tmp_path / "model"
    save_export(export, {"version": 1}, {"w": torch.ones(4)})
    run_killed(
        """
        import sys, torch
        import ssm_ts.export
        ssm_ts.export.save_file = lambda tensors, path: die_while_writing(path)
        ssm_ts.export.save_export(sys.argv[1] + "/model", {"version": 2}, {"w": torch.zeros(4)})
        """,
        tmp_path,
    )
    config, weights, _ = load_export(export)
    assert config == {"version": 1} and torch.equal(weights["w"], torch.ones(4))
    debris = [p.name for p in tmp_path.iterdir() if p.name != "model"]
    assert len(debris) == 1 and debris[0].startswith(".model.") and debris[0].endswith(".partial")


def test_forecast_csv_killed_mid_write_keeps_the_previous_forecast(tmp_path):
    previous = "date,OT\n2020-01-01,1.0\n"
    (tmp_path / "forecast.csv").write_text(previous)
    run_killed(
        """
        import sys
        import numpy as np, pandas as pd, torch
        from ssm_ts.pipelines.forecasting import ForecastDataModule
        from ssm_ts.tasks.forecasting import ForecastingTask
        frame = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=60, freq="h"), "OT": np.arange(60.0)})
        data = ForecastDataModule.from_frame(frame, lookback=8, horizon=4)
        data.setup("fit")
        task = ForecastingTask("nlinear", lookback=8, horizon=4, n_channels=1, n_outputs=1)
        pd.DataFrame.to_csv = lambda self, path, **kwargs: die_while_writing(path)
        task.write_predictions([torch.zeros(1, 4, 1, 1)], data, Path(sys.argv[1]))
        """,
        tmp_path,
    )
    assert (tmp_path / "forecast.csv").read_text() == previous
    assert not (tmp_path / "forecast.png").exists()
    debris = [p.name for p in tmp_path.iterdir() if p.name != "forecast.csv"]
    assert len(debris) == 1 and debris[0].startswith(".forecast.") and debris[0].endswith(".partial.csv")


def test_writers_leave_complete_files_when_not_interrupted(tmp_path):
    """The same writers, uninterrupted, leave whole files and no debris (the kill tests' baseline)."""
    from ssm_ts.tasks.waveform import write_clips

    paths = write_clips(0.1 * torch.randn(2, 800), 8000, tmp_path)
    assert [sf.info(p).frames for p in paths if p.suffix == ".wav"] == [800, 800]
    assert np.isfinite(sf.read(paths[0])[0]).all() and leftovers(tmp_path) == []


def test_outputs_are_created_with_the_umask_not_private(tmp_path):
    """Files and folders written atomically get the permissions ``open``/``mkdir`` would give them
    (0666 / 0777 less the umask): mkstemp/mkdtemp made them 0600 / 0700, unreadable to the group on
    a shared machine whatever the user's umask."""
    from ssm_ts.atomic import atomic_directory, atomic_path

    previous = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "forecast.csv") as tmp:
            tmp.write_text("a,b\n")
        with atomic_directory(tmp_path / "export") as folder:
            (folder / "config.json").write_text("{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "forecast.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "export").stat().st_mode) == 0o755
