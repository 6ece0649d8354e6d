"""A CLI fit without ``--seed_everything`` seeds with 0, as the Python API's ``seed=0`` does, whatever
seed an earlier fit in the same process (a notebook's ``Forecaster.fit(seed=3)``, then ``!ssm-ts``)
left in ``PL_GLOBAL_SEED``; before, it took that seed."""

from __future__ import annotations

import pytest
import yaml

from ssm_ts import cli


@pytest.mark.parametrize("leaked", [None, "3"])
def test_a_cli_fit_seeds_with_0_unless_told(leaked, shared_data, monkeypatch, capsys):
    if leaked is not None:
        monkeypatch.setenv("PL_GLOBAL_SEED", leaked)
    args = [
        "forecast",
        "fit",
        "--data.path",
        str(shared_data / "forecasting" / "ETTh1.csv"),
        "--print_config",
    ]
    with pytest.raises(SystemExit):
        cli.main(args)
    assert yaml.safe_load(capsys.readouterr().out)["seed_everything"] == 0
    with pytest.raises(SystemExit):
        cli.main([*args[:-1], "--seed_everything", "5", "--print_config"])
    assert yaml.safe_load(capsys.readouterr().out)["seed_everything"] == 5
