"""A YAML config saved on Windows: a byte-order mark and CRLF line ends are read; UTF-16 (Windows
PowerShell 5's ``ssm-ts configs show NAME > my.yaml``, Notepad's "Unicode") and a Windows code page
were a UnicodeDecodeError traceback."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from ssm_ts.cli.config_text import check_config_texts
from ssm_ts.errors import ConfigError

CONFIG = "model:\n  model: dlinear\n  lookback: 24\n  horizon: 6\ndata:\n  path: data ü.csv\ntrainer:\n  max_epochs: 1\n"


@pytest.mark.parametrize("command", [["forecast", "fit"], ["forecast", "tune"], ["audio", "generate"]])
def test_a_utf16_config_is_named_with_the_fix(in_tmp, capsys, command):
    (in_tmp / "my cfg.yaml").write_text(CONFIG, encoding="utf-16", newline="\r\n")
    assert cli.main([*command, "--config", "my cfg.yaml"]) == 1
    err = capsys.readouterr().err
    assert "--config my cfg.yaml: the file is UTF-16 text" in err
    assert "Save it as UTF-8" in err and "Traceback" not in err


def test_a_code_page_config_is_named(tmp_path):
    path = tmp_path / "cp.yaml"
    path.write_text(CONFIG, encoding="cp1252")
    with pytest.raises(ConfigError, match=r"cp.yaml: the file is not UTF-8 text \(byte \d+ is 0xfc"):
        check_config_texts(["fit", "-c", str(path)])


def test_a_bom_and_crlf_config_is_read(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_text(CONFIG, encoding="utf-8-sig", newline="\r\n")
    check_config_texts(["fit", f"--config={path}"])  # no error: jsonargparse reads it
