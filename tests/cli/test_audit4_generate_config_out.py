"""``audio generate --config audio_digits_quick --ckpt_path last --out samples/`` after a fit with its own
``--out``: the error named the config's ``out:`` as "--out outputs/audio_digits_quick", an option the user
never gave. It now says the folder is the config's out: and how to name the fit's folder."""

from __future__ import annotations

from ssm_ts import cli


def test_a_missing_last_under_the_configs_out_names_the_config(in_tmp, capsys):
    args = ["audio", "generate", "--config", "audio_digits_quick", "--ckpt_path", "last", "--out", "samples/"]
    assert cli.main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "no last.ckpt under outputs/audio_digits_quick, the out: of --config audio_digits_quick" in err, (
        err
    )
    assert "--out outputs/audio_digits_quick" not in err, err
    assert "drop --config and pass --out DIR" in err, err


def test_without_config_the_error_still_names_the_out_given(in_tmp, capsys):
    assert cli.main(["audio", "generate", "--ckpt_path", "best", "--out", "fit_here"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "no best-*.ckpt under --out fit_here" in err, err
