"""UCR/UEA slips an aeon user makes, each now named with its fix: an ARFF file read as ``.ts``
(``--data.format ts``, or ``read_ts``) said only "expected a '@' header or '@data' before values" at
the ARFF's '%' comment; a ``.ts`` file read as ARFF (``--data.format arff``, ``read_arff``) was read,
silently and wrongly (GunPoint TRAIN: 149 steps and 50 classes, each case's "last value:label"); and
the archive's root folder (its problem folders side by side) given as ``--data.path`` said "no
recording CSV files found"."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_arff, read_series, read_ts


def test_an_arff_file_read_as_ts_is_named_as_arff(shared_data):
    path = shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.arff"
    with pytest.raises(DataError, match=r"line 1: .*looks like an ARFF file.*--data\.format arff"):
        read_ts(path)


def test_the_archive_root_names_its_problem_folders(shared_data):
    folder = shared_data / "classification"
    with pytest.raises(
        DataError, match=r"holds UCR/UEA problem folders \(ArrowHead, BasicMotions, .*--data\.path"
    ):
        read_series(folder)


def test_a_ts_file_read_as_arff_is_refused_as_ts(shared_data):
    path = shared_data / "classification" / "GunPoint" / "GunPoint_TRAIN.ts"
    with pytest.raises(DataError, match=r"@problemName is a \.ts header, not ARFF.*read_ts\(path\)"):
        read_arff(path)
    with pytest.raises(DataError, match=r"--data\.format ts"):
        read_series(path, format="arff")


def test_a_data_set_name_given_to_a_reader_says_where_its_files_are(tmp_path, monkeypatch):
    """``ssm-ts classify --data.path BasicMotions`` reads it from the data home; ``read_series`` takes a
    file, and said only "data file not found: BasicMotions"."""
    from ssm_ts.errors import DataFileNotFoundError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        DataFileNotFoundError, match=r"classification_files\('BasicMotions'\) gives its files"
    ):
        read_series("basicmotions")
    with pytest.raises(
        DataFileNotFoundError, match=r"not found: my_data\.ts; check the path \(data\.path\)$"
    ):
        read_series("my_data.ts")
