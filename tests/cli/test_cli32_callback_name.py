"""``--trainer.callbacks+=EarlyStoping`` (a misspelt name): jsonargparse's error said "Expected a dot import
path string" once per type it tried, then "Expected a <class 'NoneType'>". It says the reason once and
names the closest of Lightning's callbacks, or the common ones and the form of an import path."""

from __future__ import annotations

import pytest

from ssm_ts import cli


def _error(line_use, capsys, name: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["line", "fit", f"--trainer.callbacks+={name}"])
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_a_misspelt_callback_names_the_closest_of_lightnings(line_use, capsys):
    err = _error(line_use, capsys, "EarlyStoping")
    assert err.count("Expected a dot import path string: EarlyStoping") == 1 and "NoneType" not in err
    assert "'EarlyStoping' is not a callback of Lightning's (did you mean EarlyStopping?)" in err

    err = _error(line_use, capsys, "Zzz")
    assert (
        "'Zzz' is not a callback of Lightning's (EarlyStopping, ModelCheckpoint, LearningRateMonitor" in err
    )
    assert "or a class's import path (my_package.MyCallback)" in err
