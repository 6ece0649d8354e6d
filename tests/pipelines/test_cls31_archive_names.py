"""A UCR/UEA problem folder whose files are named in another case (``gunpoint_train.ts``, as a
download renamed to lower case leaves them) is read as that problem's TRAIN/TEST pair. Matched
case-sensitively it was read as one CSV per recording: "no recording CSV files found ... ssm-ts
classify --data.path takes the folder itself", the very command that failed."""

from __future__ import annotations

import shutil

import numpy as np

from ssm_ts.pipelines.sensor import SensorDataModule, find_archive_split, read_ts


def test_lower_case_archive_names_are_the_split(shared_data, tmp_path):
    source = shared_data / "classification" / "ItalyPowerDemand"
    shutil.copy(source / "ItalyPowerDemand_TRAIN.ts", tmp_path / "italypowerdemand_train.ts")
    shutil.copy(source / "ItalyPowerDemand_TEST.ts", tmp_path / "ItalyPowerDemand_test.TS")
    (tmp_path / "._italypowerdemand_train.ts").write_bytes(b"\x00\x05\x16\x07")  # macOS metadata
    train, test = find_archive_split(tmp_path)
    assert (train.name, test.name) == ("italypowerdemand_train.ts", "ItalyPowerDemand_test.TS")
    module = SensorDataModule(path=str(tmp_path), val_fraction=0.0)
    module.setup("fit")
    module.setup("test")
    assert (len(module.train_set), len(module.test_set)) == (67, 1029)
    expected = read_ts(source / "ItalyPowerDemand_TEST.ts")
    np.testing.assert_array_equal(module.test_set.labels, expected.labels)
