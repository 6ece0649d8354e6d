"""The sensor readers keep the channel names a file gives (a CSV's columns), and recordings are
matched to a model's channels by name.

BasicMotions (6 channels) written as CSVs named ``acc_x ... gyro_z``: a folder whose files list the
columns in different orders was read by position, so one file's ``gyro_z`` became another's ``acc_x``
without a word. ``read_csv_long`` and ``read_csv_folder`` now keep the names (``channel_names``), the
folder reader reads every file in the first file's column order, and :func:`match_channels` reorders
a set to a model's names or names what is missing or extra. Unnamed data (``.ts``, arrays) stays
positional.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import (
    SensorDataModule,
    match_channels,
    read_csv_folder,
    read_csv_long,
    read_ts,
)

CHANNELS = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]


@pytest.fixture(scope="module")
def train(shared_data):
    return read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts")


def write_folder(folder, data, orders):
    """One CSV per recording, recording ``i``'s columns in ``orders[i % len(orders)]``; labels.csv."""
    folder.mkdir()
    for i, v in enumerate(data.values):
        order = orders[i % len(orders)]
        frame = pd.DataFrame({name: v[CHANNELS.index(name) if name in CHANNELS else 0] for name in order})
        frame.insert(0, "time", np.arange(v.shape[1]) * 0.1)
        frame.to_csv(folder / f"rec{i:02d}.csv", index=False)
    pd.DataFrame({"file": [f"rec{i:02d}.csv" for i in range(len(data))], "label": data.labels}).to_csv(
        folder / "labels.csv", index=False
    )


def test_a_folder_of_csvs_is_read_by_column_name(train, tmp_path):
    assert read_ts.__name__ and train.channel_names is None  # a .ts names no channels
    write_folder(tmp_path / "folder", train, [CHANNELS, CHANNELS[::-1]])
    data = read_csv_folder(tmp_path / "folder")
    assert data.channel_names == CHANNELS
    for got, expected in zip(data.values, train.values, strict=True):
        np.testing.assert_array_equal(got, expected)  # rec01 (columns reversed) too
    assert data.subset([1, 2]).channel_names == CHANNELS

    write_folder(tmp_path / "other", train, [CHANNELS, [*CHANNELS[:5], "mag_x"]])
    with pytest.raises(
        DataError, match=r"rec01.csv: channel columns .*'mag_x'.*rec00.csv has \[.*'gyro_z'\]"
    ):
        read_csv_folder(tmp_path / "other")


def test_a_long_csv_keeps_its_channel_names_and_match_channels_reorders_them(train, tmp_path):
    order = ["gyro_z", "acc_y", "gyro_x", "acc_x", "gyro_y", "acc_z"]
    rows = []
    for i, v in enumerate(train.values[:8]):
        frame = pd.DataFrame({"id": i, "time": np.arange(v.shape[1]), "label": train.labels[i]})
        rows.append(frame.assign(**{name: v[CHANNELS.index(name)] for name in order}))
    pd.concat(rows).to_csv(tmp_path / "long.csv", index=False)
    data = read_csv_long(tmp_path / "long.csv")
    assert data.channel_names == order

    matched = match_channels(data, CHANNELS)
    assert matched.channel_names == CHANNELS
    for got, expected in zip(matched.values, train.values[:8], strict=True):
        np.testing.assert_array_equal(got, expected)
    assert match_channels(train, CHANNELS) is train  # unnamed data: by position
    assert match_channels(data, None) is data  # a model without names: by position

    with pytest.raises(DataError) as raised:
        match_channels(data, [*CHANNELS[:5], "mag_x"], "fix it")
    message = str(raised.value)
    assert (
        "no channel(s) ['mag_x']" in message
        and "channel(s) ['gyro_z'] the model was not fitted on" in message
    )
    assert "'acc_x', 'acc_y', 'acc_z', 'gyro_x', 'gyro_y', 'mag_x']" in message and message.endswith(
        "fix it."
    )


def test_the_data_module_reorders_predict_data_to_the_model_channels(train, tmp_path):
    write_folder(tmp_path / "folder", train, [CHANNELS[::-1]])  # every file reversed
    module = SensorDataModule(predict_path=str(tmp_path / "folder"), format="csv_folder")
    module.setup("predict")
    assert module.channel_names == CHANNELS[::-1]
    module.match_channels(CHANNELS)
    assert module.channel_names == CHANNELS
    np.testing.assert_array_equal(module.predict_set.values[3], train.values[3])
    with pytest.raises(DataError, match=r"no channel\(s\) \['mag_x'\].*data.path"):
        module.match_channels([*CHANNELS[:5], "mag_x"])
