"""Forecaster.save replaces its folder whole: a folder of the user's own files (``fc.save("data")``)
or a file was deleted; both are refused now, while saving over an earlier save still works."""

from __future__ import annotations

import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError


def test_saving_over_an_earlier_save_works_and_loads(co2_interpolated_fit, tmp_path):
    fc, _ = co2_interpolated_fit
    target = tmp_path / "model"
    fc.save(target)
    fc.save(target)  # every file there is the earlier save's (conformal scores included)
    assert Forecaster.load(target).predict().equals(fc.predict())


def test_a_folder_of_other_files_is_refused_and_kept(co2_interpolated_fit, tmp_path):
    fc, _ = co2_interpolated_fit
    (tmp_path / "sales.csv").write_text("date,y\n2020-01-01,1\n")
    with pytest.raises(
        ConfigError, match=r"holds files that are no saved model \(sales\.csv\): saving replaces"
    ):
        fc.save(tmp_path)
    assert (tmp_path / "sales.csv").read_text().startswith("date,y")


def test_a_file_is_refused_and_kept(co2_interpolated_fit, tmp_path):
    fc, _ = co2_interpolated_fit
    taken = tmp_path / "model.json"
    taken.write_text("{}")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        fc.save(taken)
    assert taken.read_text() == "{}"
