"""An error of a use's own command (`forecast tune`) names that command in its prefix, and reading a UTF-16
config for the other-use check is no traceback for a direct caller."""

from __future__ import annotations

from ssm_ts.cli import main
from ssm_ts.tasks.config_use import config_contents


def test_a_tune_error_names_the_tune_command(tmp_path, capsys):
    code = main(
        ["forecast", "tune", "--data.path", str(tmp_path / "x.csv"), "--space", "{lr: {low: 1, high: 0.1}}"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("ssm-ts forecast tune: error: search space 'lr'"), err


def test_config_contents_skips_a_utf16_file(tmp_path):
    utf16, utf8 = tmp_path / "ps.yaml", tmp_path / "ok.yaml"
    utf16.write_text("out: runs\n", encoding="utf-16")
    utf8.write_text("out: runs\n", encoding="utf-8")
    assert config_contents(["--config", str(utf16), "--config", str(utf8)]) == [(str(utf8), {"out": "runs"})]
