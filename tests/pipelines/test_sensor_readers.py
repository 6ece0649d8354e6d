"""Sensor readers on the real UCR/UEA files and on small hand-written files; every bad input names itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError, DataFileNotFoundError
from ssm_ts.pipelines.sensor import (
    find_archive_split,
    make_series_set,
    read_arff,
    read_csv_folder,
    read_csv_long,
    read_numpy,
    read_series,
    read_ts,
)


def test_ts_equal_length_multivariate(shared_data):
    data = read_ts(shared_data / "classification/BasicMotions/BasicMotions_TRAIN.ts")
    assert len(data) == 40 and data.n_channels == 6
    assert set(data.lengths) == {100}
    assert sorted(set(data.labels)) == ["Badminton", "Running", "Standing", "Walking"]


def test_ts_unequal_lengths_kept_whole(shared_data):
    train, test = find_archive_split(shared_data / "classification/JapaneseVowels")
    data = read_ts(train)
    assert len(data) == 270 and data.n_channels == 12
    assert data.lengths.min() == 7 and data.lengths.max() == 26  # nothing truncated or padded on read
    pick = read_ts(shared_data / "classification/PickupGestureWiimoteZ/PickupGestureWiimoteZ_TRAIN.ts")
    assert pick.lengths.min() == 29 and pick.lengths.max() == 361


def test_arff_matches_ts(shared_data):
    folder = shared_data / "classification/BasicMotions"
    arff = read_arff(folder / "BasicMotions_TEST.arff")
    ts = read_series(folder / "BasicMotions_TEST.ts")
    assert all(np.allclose(a, b) for a, b in zip(arff.values, ts.values, strict=True))
    assert list(arff.labels) == list(ts.labels)


TS_MISSING = """@problemName toy
@univariate false
@dimensions 2
@classLabel true a b
@data
1,2,?,4:5,6,7,8:a
1,2,3:4,5,6:b
"""


def test_ts_missing_values_need_a_policy(tmp_path):
    path = tmp_path / "toy.ts"
    path.write_text(TS_MISSING)
    with pytest.raises(DataError, match=r"toy.ts, recording case 0.*nan_policy"):
        read_ts(path)
    data = read_ts(path, nan_policy="interpolate")
    np.testing.assert_allclose(data.values[0][0], [1, 2, 3, 4])
    assert list(data.lengths) == [4, 3]


def test_ts_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.ts"
    path.write_text("@classLabel true a b\n@data\n1,2:3,4:a\n1,2:b\n")
    with pytest.raises(DataError, match=r"line 4: 1 dimension but the first case has 2"):
        read_ts(path)
    path.write_text("@classLabel true a b\n@data\n1,x,3:a\n")
    with pytest.raises(DataError, match=r"line 3: a value is not a number"):
        read_ts(path)
    path.write_text("@classLabel true a b\n@data\n1,2,3:c\n")
    with pytest.raises(DataError, match=r"label 'c' is not among the declared classes"):
        read_ts(path)
    with pytest.raises(DataFileNotFoundError, match="nowhere.ts"):
        read_ts(tmp_path / "nowhere.ts")


def test_csv_long_and_folder(tmp_path):
    rows = []
    for rec, label, n in (("r1", "walk", 5), ("r2", "run", 3)):
        for t in reversed(range(n)):  # unsorted time: the reader sorts
            rows.append({"id": rec, "time": t, "ax": float(t), "ay": -float(t), "label": label})
    pd.DataFrame(rows).to_csv(tmp_path / "long.csv", index=False)
    data = read_csv_long(tmp_path / "long.csv")
    assert data.ids == ["r1", "r2"] and list(data.labels) == ["walk", "run"]
    np.testing.assert_allclose(data.values[0], [[0, 1, 2, 3, 4], [0, -1, -2, -3, -4]])

    folder = tmp_path / "recs"
    folder.mkdir()
    for i, n in enumerate((4, 6)):
        pd.DataFrame({"time": range(n), "x": np.arange(n) * (i + 1.0)}).to_csv(
            folder / f"rec{i}.csv", index=False
        )
    pd.DataFrame({"file": ["rec0.csv", "rec1.csv"], "label": ["a", "b"]}).to_csv(
        folder / "labels.csv", index=False
    )
    data = read_csv_folder(folder)
    assert list(data.lengths) == [4, 6] and list(data.labels) == ["a", "b"]
    pd.DataFrame({"file": ["rec0.csv"], "label": ["a"]}).to_csv(folder / "labels.csv", index=False)
    with pytest.raises(DataError, match=r"no label for 1 file\(s\) \['rec1.csv'\]"):
        read_csv_folder(folder)


def test_read_series_of_a_uea_problem_folder_names_its_files_and_how_to_read_them(shared_data, tmp_path):
    """A folder is read as one CSV per recording: given a UEA problem folder (as ``ssm-ts classify
    --data.path`` takes), read_series said only "no recording CSV files found"."""
    folder = shared_data / "classification/BasicMotions"
    message = r"holds BasicMotions_TEST.arff, .*read_series\(folder / 'BasicMotions_TRAIN.arff'\).*find_archive_split"
    with pytest.raises(DataError, match=message):
        read_series(folder)
    with pytest.raises(DataError, match=r"no recording CSV files found\.$"):
        read_csv_folder(tmp_path)  # an empty folder: nothing more to say


def test_csv_long_errors(tmp_path):
    pd.DataFrame({"id": [1, 1], "x": [1.0, 2.0], "label": ["a", "b"]}).to_csv(
        tmp_path / "two.csv", index=False
    )
    with pytest.raises(DataError, match="recording '1'.*2 different labels"):
        read_csv_long(tmp_path / "two.csv")
    pd.DataFrame({"id": [1, 2], "x": [1.0, "oops"], "label": ["a", "b"]}).to_csv(
        tmp_path / "nan.csv", index=False
    )
    with pytest.raises(DataError, match=r"column 'x' holds 'oops' on line 3, not a number"):
        read_csv_long(tmp_path / "nan.csv")
    pd.DataFrame({"rec": [1], "x": [1.0]}).to_csv(tmp_path / "noid.csv", index=False)
    with pytest.raises(DataError, match=r"no column\(s\) \['id'\]"):
        read_csv_long(tmp_path / "noid.csv")


def test_csv_long_reads_ids_and_labels_as_text_and_names_empty_cells(tmp_path):
    # pandas would drop a row with an empty id in the groupby and make the other ids floats ('1.0')
    (tmp_path / "ids.csv").write_text("id,time,x,label\n1,0,1,a\n,1,2,a\n1,2,3,a\n2,0,5,b\n")
    with pytest.raises(DataError, match=r"ids.csv: column 'id' is empty on 1 row\(s\), line\(s\) \[3\]"):
        read_csv_long(tmp_path / "ids.csv")
    (tmp_path / "lab.csv").write_text("id,time,x,label\n1,0,1,1\n1,1,3,\n2,0,5,2\n2,1,6,2\n")
    with pytest.raises(DataError, match=r"column 'label' is empty on 1 row\(s\), line\(s\) \[3\]"):
        read_csv_long(tmp_path / "lab.csv")
    (tmp_path / "ok.csv").write_text("id,time,x,label\n01,0,1,1\n01,1,3,1\n2,0,5,2\n")
    data = read_csv_long(tmp_path / "ok.csv")
    assert data.ids == ["01", "2"] and list(data.labels) == ["1", "2"]


def test_numpy_files(tmp_path):
    X = np.random.default_rng(0).normal(size=(6, 2, 9))
    np.save(tmp_path / "x.npy", X)
    assert read_numpy(tmp_path / "x.npy").n_channels == 2
    np.savez(tmp_path / "xy.npz", X=X, y=np.array(["a", "b"] * 3))
    data = read_series(tmp_path / "xy.npz")
    assert list(data.labels) == ["a", "b"] * 3
    np.testing.assert_allclose(data.values[3], X[3])


def test_numpy_unequal_lengths_are_nan_padded_with_lengths(tmp_path):
    # object arrays would need unpickling: unequal lengths are NaN-padded with a 'lengths' array
    X = np.full((2, 2, 5), np.nan)
    X[0, :, :3], X[1] = 1.0, 2.0
    np.savez(tmp_path / "padded.npz", X=X, y=np.array(["a", "b"]), lengths=np.array([3, 5]))
    data = read_numpy(tmp_path / "padded.npz")
    assert [v.shape for v in data.values] == [(2, 3), (2, 5)] and list(data.labels) == ["a", "b"]
    np.savez(tmp_path / "long.npz", X=X, lengths=np.array([3, 6]))
    with pytest.raises(DataError, match=r"lengths\[1\] = 6 is outside 1..5"):
        read_numpy(tmp_path / "long.npz")
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = np.ones((2, 3)), np.ones((2, 5))
    np.savez(tmp_path / "ragged.npz", X=ragged)
    with pytest.raises(DataError, match="Object arrays are not loaded .* with their lengths"):
        read_numpy(tmp_path / "ragged.npz")
    np.savez(tmp_path / "key.npz", data=X)
    with pytest.raises(DataError, match=r"no array 'X' inside \(found \['data'\]\); save the recordings"):
        read_numpy(tmp_path / "key.npz")


@pytest.mark.parametrize(
    ("values", "labels", "message"),
    [
        ([np.ones((2, 5)), np.ones((3, 5))], ["a", "b"], "recording 1: has 3 channels but recording 0 has 2"),
        (np.ones((3, 1, 4)), ["a", "b"], "2 labels for 3 recordings"),
        (np.ones((2, 1, 4)), ["a", None], r"recordings \[1\] have no label"),
        ([np.ones((1, 4)), np.ones((1, 0))], ["a", "b"], "recording 1: the recording is empty"),
        ([], None, "no recordings found"),
        (np.ones((2, 3, 4, 5)), None, r"expected an array \(n_recordings, channels, length\)"),
        (np.array([[[1.0, np.nan]], [[1.0, 2.0]]]), ["a", "b"], "channel 0, time step 1.*nan_policy"),
    ],
)
def test_array_errors_name_the_problem(values, labels, message):
    with pytest.raises(DataError, match=message):
        make_series_set(values, labels)


def test_list_of_unequal_recordings_and_nan_policies():
    data = make_series_set(
        [np.array([1.0, np.nan, 3.0]), np.arange(5.0)], ["a", "b"], nan_policy="interpolate"
    )
    np.testing.assert_allclose(data.values[0], [[1, 2, 3]])
    assert list(data.lengths) == [3, 5]
    zero = make_series_set([np.array([1.0, np.inf])], nan_policy="zero")
    np.testing.assert_allclose(zero.values[0], [[1, 0]])


def test_fsdd_clips_are_resampled_to_the_dataset_rate(shared_data, tmp_path):
    # a 16 kHz copy of an 8 kHz clip: same frames and mel bands (0-4 kHz) once resampled
    import shutil

    import soundfile as sf
    import torch
    import torchaudio.functional as AF

    from ssm_ts.pipelines.sensor import read_fsdd

    source = shared_data / "audio" / "fsdd" / "3_george_7.flac"
    shutil.copy(source, tmp_path / "3_george_7.flac")
    wave, rate = sf.read(source, dtype="float32")
    assert rate == 8000
    sf.write(tmp_path / "3_george_8.wav", AF.resample(torch.from_numpy(wave), rate, 16000).numpy(), 16000)
    original, denser = read_fsdd(tmp_path).values
    assert denser.shape == original.shape
    loud = original > np.log(1e-3)  # compare where there is sound (silence is at the log floor)
    assert np.abs(denser - original)[loud].mean() < 0.2


def test_arff_label_is_the_declared_class_attribute(tmp_path):
    header = "@relation x\n@attribute t1 numeric\n@attribute t2 numeric\n@attribute t3 numeric\n"
    (tmp_path / "unlabelled.arff").write_text(header + "@data\n1,2,3\n4,5,6\n")
    data = read_arff(tmp_path / "unlabelled.arff")  # no nominal attribute: every field is a time step
    assert data.labels is None and [v.tolist() for v in data.values] == [[[1, 2, 3]], [[4, 5, 6]]]
    first = "@relation x\n@attribute class {a,b}\n@attribute t1 numeric\n@attribute t2 numeric\n"
    (tmp_path / "first.arff").write_text(first + "@data\na,1,2\nb,3,4\n")
    data = read_arff(tmp_path / "first.arff")
    assert list(data.labels) == ["a", "b"] and [v.tolist() for v in data.values] == [[[1, 2]], [[3, 4]]]
    (tmp_path / "short.arff").write_text(header + "@attribute target {a,b}\n@data\n1,2,3,a\n1,2\n")
    with pytest.raises(DataError, match=r"short.arff, line 8: 2 fields, but the class attribute is field 4"):
        read_arff(tmp_path / "short.arff")


def write_ts(tmp_path, text: str, name: str = "header.ts"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ts_header_dimensions_are_checked(tmp_path):
    path = write_ts(tmp_path, "@dimensions 3\n@classLabel true a b\n@data\n1,2,3:4,5,6:a\n")
    with pytest.raises(
        DataError, match=r"header.ts, line 4: case 0 has 2 dimensions but the header declares @dimensions 3"
    ):
        read_ts(path)
    path = write_ts(tmp_path, "@univariate true\n@data\n1,2:3,4\n")
    with pytest.raises(
        DataError, match=r"line 3: case 0 has 2 dimensions but the header declares @univariate true"
    ):
        read_ts(path)
    path = write_ts(tmp_path, "@dimensions three\n@data\n1,2\n")
    with pytest.raises(DataError, match=r"line 1: @dimensions needs a positive whole number, found 'three'"):
        read_ts(path)


def test_ts_header_equal_length_is_checked(tmp_path):
    path = write_ts(tmp_path, "@equalLength true\n@classLabel true a b\n@data\n1,2,3:4,5,6:a\n1,2:4,5:b\n")
    with pytest.raises(
        DataError, match=r"header.ts, line 5 \(case 1\): 2 time steps but case 0 has 3 .*@equalLength true"
    ):
        read_ts(path, nan_policy="interpolate")
    path = write_ts(tmp_path, "@seriesLength 2\n@equalLength true\n@data\n1,2,3\n1,2,3\n")
    with pytest.raises(
        DataError, match=r"line 4 \(case 0\): 3 time steps but the header declares @seriesLength 2"
    ):
        read_ts(path)
    path = write_ts(tmp_path, "@equalLength false\n@data\n1,2,3\n1,2\n")
    assert list(read_ts(path).lengths) == [3, 2]


def test_ts_regression_file_is_named_as_such(tmp_path):
    path = write_ts(tmp_path, "@targetLabel true\n@data\n1,2,3:1.5\n1,2,4:2.5\n")
    with pytest.raises(DataError, match=r"header.ts: a regression file \(@targetLabel true\).*\[1.5, 2.5\]"):
        read_ts(path, nan_policy="interpolate")
    path = write_ts(tmp_path, "@targetLabel true\n@data\n1,2,3:high\n")
    with pytest.raises(DataError, match=r"line 3: the target 'high' is not a number"):
        read_ts(path)
    path = write_ts(tmp_path, "@targetLabel false\n@data\n1,2,3\n")
    assert read_ts(path).labels is None and read_ts(path).n_channels == 1


def test_ts_channels_of_different_lengths_are_not_missing_values(tmp_path):
    path = write_ts(tmp_path, "@classLabel true a b\n@data\n1,2,3:4,5,6:a\n1,2,3:4,5:b\n")
    for policy in ("error", "interpolate", "zero"):  # interpolate used to extend the short channel
        with pytest.raises(
            DataError, match=r"line 4: channels of different lengths in case 1 \(lengths \[3, 2\]\)"
        ):
            read_ts(path, nan_policy=policy)
    arff = tmp_path / "ragged.arff"
    arff.write_text(
        "@attribute series relational\n@attribute c1 numeric\n@end series\n@attribute class {a,b}\n@data\n'1,2,3\\n4,5',a\n"
    )
    with pytest.raises(DataError, match=r"ragged.arff, line 6: channels of different lengths in row 0"):
        read_arff(arff, nan_policy="interpolate")


def test_ts_class_labels_with_spaces_are_quoted_in_the_header(tmp_path):
    """'@classLabel true "walking fast" running' was split at the space, so every 'walking fast' case
    was 'not among the declared classes ['"walking', 'fast"', 'running']'."""
    header = '@classLabel true "walking fast" running\n@data\n'
    path = write_ts(tmp_path, header + "1,2,3:walking fast\n2,3,4: running\n1,2,3:'walking fast'\n")
    data = read_ts(path)
    assert list(data.labels) == ["walking fast", "running", "walking fast"]
    path = write_ts(tmp_path, "@classLabel true walking fast running\n@data\n1,2,3:walking fast\n")
    with pytest.raises(DataError, match=r"line 3: label 'walking fast' is not among.*quoted in the header"):
        read_ts(path)


def test_ts_time_stamps_are_read_onto_a_regular_grid(tmp_path):
    """sktime writes '@timeStamps true' files with '(time,value)' pairs; they were refused. Stamps are
    numbers or dates (whose ':' is not a field separator); a gap is missing, as '?' is."""
    header = "@timeStamps true\n@univariate false\n@dimensions 2\n@classLabel true a b\n@data\n"
    path = write_ts(
        tmp_path,
        header
        + "(2007-01-01 00:00:00,1.0),(2007-01-01 00:01:00,2.0),(2007-01-01 00:02:00,3.0)"
        + ":(2007-01-01 00:00:00,4),(2007-01-01 00:01:00,?),(2007-01-01 00:02:00,6):a\n"
        + "(2007-01-01 00:05:00,7),(2007-01-01 00:07:00,9):(2007-01-01 00:05:00,1),(2007-01-01 00:06:00,2):b\n",
        "stamped.ts",
    )
    with pytest.raises(DataError, match=r"stamped.ts, recording case 0: 1 missing"):
        read_ts(path)
    data = read_ts(path, nan_policy="interpolate")
    assert list(data.labels) == ["a", "b"]
    np.testing.assert_allclose(data.values[0], [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_allclose(data.values[1], [[7, 8, 9], [1, 2, 2]])  # 00:06 and 00:07 were gaps
    path = write_ts(
        tmp_path, "@timeStamps true\n@classLabel true a b\n@data\n(0,1),(2,3),(4,5):a\n(1,2),(3,4):b\n"
    )
    assert [v.tolist() for v in read_ts(path).values] == [[[1, 3, 5]], [[2, 4]]]  # the step is 2
    path = write_ts(tmp_path, "@timeStamps true\n@classLabel true a b\n@data\n(0,1),(2,3):a\n(0,2),(3,4):b\n")
    with pytest.raises(DataError, match=r"line 5 \(case 1\): time stamps off the regular step 2"):
        read_ts(path)
    path = write_ts(tmp_path, "@timeStamps true\n@classLabel true a b\n@data\n1,2,3:a\n")
    with pytest.raises(DataError, match=r"line 4: expected time-stamped values '\(time,value\)"):
        read_ts(path)
    path = write_ts(tmp_path, "@classLabel true a b\n@data\n(0,1),(1,2):a\n")
    with pytest.raises(DataError, match=r"declare '@timeStamps true'"):
        read_ts(path)
