"""``from ssm_ts.pipelines.sensor import *`` gives every documented name, the data module's too
(loaded at first use, so it imports Lightning, as ``from ssm_ts.pipelines.sensor import
SensorDataModule`` does); a name of ``__all__`` the package cannot give would fail the star import."""

from __future__ import annotations


def test_star_import_gives_every_name_of_all_including_the_data_module():
    from ssm_ts.pipelines import sensor
    from ssm_ts.pipelines.sensor.datamodule import SensorDataModule, collate_recordings, stratified_split

    names: dict = {}
    exec("from ssm_ts.pipelines.sensor import *", names)
    assert set(sensor.__all__) <= set(names)
    assert names["SensorDataModule"] is SensorDataModule
    assert names["collate_recordings"] is collate_recordings
    assert names["stratified_split"] is stratified_split
    assert names["read_series"] is sensor.read_series


def test_named_import_of_the_data_module_still_works():
    from ssm_ts.pipelines.sensor import SensorDataModule
    from ssm_ts.pipelines.sensor.datamodule import SensorDataModule as Defined

    assert SensorDataModule is Defined
