"""An audio model's format settings (sample_rate, quantization, bits) follow the data options of the same
name. ``audio test --ckpt_path ... --data.bits 10`` on an 8-bit fit built a 1024-class model and stopped
in torch's ``load_state_dict`` with a traceback ("size mismatch for net.embedding.weight"); now a clear
error names the data option, its value and the checkpoint's, before any data is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssm_ts import cli
from tests.cli.test_audio_generate_named_checkpoints import FIT
from tests.cli_runs import run_cli_in

QUIET = [
    "--trainer.logger",
    "false",
    "--trainer.enable_progress_bar",
    "false",
    "--trainer.limit_test_batches",
    "1",
]


@pytest.fixture(scope="module")
def audio_fit(shared_data, tmp_path_factory) -> Path:
    """The last.ckpt of a tiny FSDD fit (8 kHz, 8-bit mu-law). Tests only read it."""
    folder = tmp_path_factory.mktemp("audio_format")
    run_cli_in(folder, [*FIT, "--out", "out", "--trainer.logger", "false"], shared_data)
    return next((folder / "out").rglob("last.ckpt"))


def test_another_audio_format_beside_the_checkpoint_is_refused_naming_it(audio_fit, data_home, capsys):
    test = ["audio", "test", "--ckpt_path", str(audio_fit), "--out", "out", *QUIET]
    assert cli.main([*test, "--data.bits", "10"]) == 1
    err = capsys.readouterr().err
    assert "ssm-ts audio test: error: --data.bits 10 (the checkpoint's: 8): --ckpt_path" in err, err
    assert "Drop --data.bits" in err and "Traceback" not in err, err
    # the fit's own format, given again, is no change
    assert cli.main([*test, "--data.bits", "8", "--data.sample_rate", "8000"]) == 0, capsys.readouterr().err
