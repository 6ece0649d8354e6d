"""Review of ``classify predict`` on one recording's CSV and of the split error's fix.

- The check for an ``id`` column parses the header and one row also under ``read_options``
  ``skipfooter``: it parsed every row with pandas' python engine (13 s for a 127 MB file, whose
  reading takes 2.6 s).
- A model fitted on a long CSV with ``--data.format csv`` keeps that format in its checkpoint, so
  ``classify predict --data.path walk.csv`` was the "no column(s) ['id']" error, whose hint says
  that classify predict classifies such a file as it is.
- The stratified split's error spells its ``val_fraction=0`` fix for the command line too.

The recording is BasicMotions (UEA) TEST recording 3, as a CSV ``time, gyr_z, ..., acc_x``
(tests/test_cls37_one_recording_csv.py's fixture)."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import (
    SensorDataModule,
    csv_recording,
    make_series_set,
    stratified_split,
)
from tests.test_cls37_one_recording_csv import CHANNELS, write_recording
from tests.test_cls37_one_recording_csv import recording as cls37_recording

recording = cls37_recording  # its fixture: BasicMotions TEST recording 3, (6, 100)


def test_the_id_check_parses_one_row_under_skipfooter(recording, tmp_path, monkeypatch):
    path = write_recording(tmp_path / "walk.csv", recording)
    with path.open("a") as file:
        file.write("exported by the logger\n")
    parsed = []
    read = csv_recording.read_csv_file

    def spy(*args, **kwargs):
        frame = read(*args, **kwargs)
        parsed.append(len(frame))
        return frame

    monkeypatch.setattr(csv_recording, "read_csv_file", spy)
    assert csv_recording.is_one_recording_csv(path, {"skipfooter": 1})
    assert parsed == [1], parsed  # was [100]: every row, by the python engine


def test_a_long_csv_format_kept_by_the_checkpoint_reads_one_recording(recording, tmp_path):
    path = write_recording(tmp_path / "walk.csv", recording, CHANNELS[::-1])
    module = SensorDataModule(predict_path=str(path), format="csv")  # as a fit on a long CSV saves it
    module.fitted_channel_names = CHANNELS
    module.setup("predict")
    assert module.predict_set.ids == ["walk.csv"] and module.predict_set.channel_names == CHANNELS
    np.testing.assert_array_equal(module.predict_set.values[0], recording)


@pytest.mark.parametrize(
    ("labels", "fraction"),
    [(["a"] * 6 + ["b", "c"], 0.25), (["a"] * 4 + ["b"] * 4 + ["c"] * 4, 0.1)],  # one recording; too few
)
def test_the_split_error_gives_the_fix_for_the_command_line(labels, fraction):
    data = make_series_set(np.ones((len(labels), 1, 4)), labels)
    with pytest.raises(DataError, match=r"val_fraction=0 \(ssm-ts classify: --data\.val_fraction 0\)"):
        stratified_split(data, fraction, seed=0)
