"""``classify test --ckpt_path ... --data.test_path OTHER.ts``: the hint after an error reading the data
named the fit's restored data settings and suggested ``--data.path``, though the file at fault came from
``--data.test_path``. It now names the option that gave the file."""

from __future__ import annotations

import re

from ssm_ts import cli


def test_the_hint_names_data_test_path_when_it_gave_the_file(
    basicmotions_random_features_cli_fit, in_tmp, shared_data, capsys
):
    ckpt = basicmotions_random_features_cli_fit[0]
    other = shared_data / "classification" / "GunPoint" / "GunPoint_TEST.ts"
    args = ["classify", "test", "--ckpt_path", str(ckpt), "--out", "out", "--data.test_path", str(other)]
    assert cli.main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "the file came from --data.test_path" in err, err
    # the restored settings are still listed, as the options that give them: --data.path PATH
    assert "data.path='" not in err and re.search(r"restored from the checkpoint: .*--data\.path \S", err), (
        err
    )
    assert "e.g. --data.path" not in err, err
