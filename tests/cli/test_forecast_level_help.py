"""What ``ssm-ts forecast predict --help`` says of ``--level``: a CLI fit keeps its conformal scores in
its best checkpoint (and export), and a checkpoint without them (last.ckpt, or one written by an
older ssm-ts) is calibrated at predict time; the help said every predict calibrated by itself."""

from __future__ import annotations

import pytest

from ssm_ts import cli


def test_predict_help_says_where_the_level_scores_come_from(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["forecast", "predict", "--help"])
    assert exit_info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # the help wraps long lines
    start = out.index("--level LEVEL, --level+ LEVEL")  # the option's entry, after the usage line
    level_help = out[start : out.index("--interval_method", start)]
    assert "scores the fit kept in its best checkpoint (--ckpt_path best)" in level_help
    assert "a checkpoint without them (last.ckpt, or one written by an older ssm-ts)" in level_help
    assert "calibrated on the data's validation split" not in level_help
