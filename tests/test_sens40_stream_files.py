"""``window`` (a continuous CSV stream cut into windows) given with a UCR/UEA ``.ts`` or ``.arff`` file
(``format="auto"``): the file was read as a CSV, and failed with advice for one ("Pass
read_options={'skiprows': 19}"); it is a ConfigError naming the file, its format and the fix. A stream
in a file of another suffix (``.txt``) is still read as a CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.sensor.datamodule import SensorDataModule


def test_a_ucr_file_or_folder_is_no_stream(shared_data):
    folder = shared_data / "classification"
    for path in (folder / "GunPoint", folder / "BasicMotions" / "BasicMotions_TRAIN.arff"):
        module = SensorDataModule(str(path), window=10)
        with pytest.raises(ConfigError) as err:
            module.setup("fit")
        message = str(err.value)
        assert "data.window cuts a continuous CSV stream into windows, but " in message
        assert "which holds recordings already: leave data.window out (and data.step)" in message
        assert ("_TRAIN.ts is read as format 'ts'" in message) or (
            "_TRAIN.arff is read as format 'arff'" in message
        )


def test_a_stream_in_a_txt_file_is_read_as_a_csv(tmp_path):
    rng = np.random.default_rng(0)
    stream = pd.DataFrame({"a": rng.normal(size=60), "label": np.repeat(["walk", "run", "walk"], 20)})
    stream.to_csv(tmp_path / "stream.txt", index=False)
    module = SensorDataModule(str(tmp_path / "stream.txt"), window=10, val_fraction=0)
    module.setup("fit")
    assert len(module.train_set) == 6 and sorted(set(module.train_set.labels)) == ["run", "walk"]
