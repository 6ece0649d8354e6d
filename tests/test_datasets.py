"""Standard data sets from a data home: checksums verified, clear errors offline, nothing half-written."""

from __future__ import annotations

import shutil

import pytest

from ssm_ts import datasets
from ssm_ts.data_fetch import ENV_DATA_HOME, RemoteFile, data_home, fetch
from ssm_ts.errors import DataError, DataFileNotFoundError


def test_every_standard_file_in_the_shared_data_verifies(shared_data):
    for name in datasets.FORECASTING_FILES:
        assert datasets.forecasting_csv(name, home=shared_data, download=False).is_file()
    for name in datasets.CLASSIFICATION_FILES:
        train, test = datasets.classification_files(name, home=shared_data, download=False)
        assert train.name == f"{name}_TRAIN.ts" and test.name == f"{name}_TEST.ts"
    assert any(datasets.audio_folder("fsdd", home=shared_data).glob("*.flac"))


def test_data_home_comes_from_argument_then_environment(monkeypatch, tmp_path, shared_data):
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    assert data_home() == shared_data
    assert data_home(tmp_path) == tmp_path
    assert datasets.forecasting_csv("ETTh1").parent == shared_data / "forecasting"


def test_missing_file_without_network_names_file_and_place(tmp_path):
    remote = RemoteFile("forecasting/x.csv", "0" * 64, url="http://127.0.0.1:9/x.csv")
    with pytest.raises(
        DataFileNotFoundError, match=r"x.csv not found and the download from .* failed .* put it at"
    ):
        fetch(remote, tmp_path)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing half-written
    with pytest.raises(DataFileNotFoundError, match="download=False"):
        datasets.forecasting_csv("ETTh1", home=tmp_path, download=False)
    with pytest.raises(DataFileNotFoundError, match="no direct download: it is part of the Autoformer"):
        datasets.forecasting_csv("exchange_rate", home=tmp_path)


def test_corrupt_file_is_refused(tmp_path, shared_data):
    copy = tmp_path / "forecasting" / "ETTh1.csv"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(shared_data / "forecasting" / "ETTh1.csv", copy)
    with open(copy, "a") as f:
        f.write("2018-01-01 00:00:00,1,1,1,1,1,1,1\n")
    with pytest.raises(DataError, match="does not match the published file"):
        datasets.forecasting_csv("ETTh1", home=tmp_path)


def test_unknown_names_list_the_available_sets():
    with pytest.raises(DataError, match="available: .*BasicMotions"):
        datasets.classification_files("BasicMotion")
    with pytest.raises(DataFileNotFoundError, match="espeak-ng"):
        datasets.audio_folder("espeak-digits", home="/nonexistent-data-home")


def test_outside_the_repository_every_helper_says_where_to_put_the_data(tmp_path, monkeypatch):
    """A wheel user, offline, in a folder without ../shared/data: each helper names the file or folder,
    the data home it looked in and the SSM_TS_DATA_HOME setting, not a traceback from deep inside."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(tmp_path / "home"))
    monkeypatch.setattr("ssm_ts.data_fetch._download", _offline)
    attempts = [
        lambda: datasets.forecasting_csv("ETTh1"),
        lambda: datasets.forecasting_csv("national_illness"),
        lambda: datasets.classification_files("GunPoint"),
        lambda: datasets.audio_folder("fsdd"),
    ]
    for attempt in attempts:
        with pytest.raises(DataFileNotFoundError) as err:
            attempt()
        assert str(tmp_path / "home") in str(err.value) and ENV_DATA_HOME in str(err.value), str(err.value)


def _offline(url):
    raise OSError("Name or service not known")


def test_a_bare_name_resolves_through_the_data_home_but_never_shadows_a_file(
    tmp_path, monkeypatch, shared_data
):
    """``--data.path ETTh1`` is the data home's ETTh1.csv; a file or folder of that name here wins, and a
    path with a folder or a suffix is passed on as given (its reader reports a missing one, as before)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    monkeypatch.setattr("ssm_ts.data_fetch._download", _offline)
    expected = shared_data / "forecasting" / "ETTh1.csv"
    assert datasets.resolve_data_path("ETTh1", "forecast") == str(expected)
    assert datasets.resolve_data_path("etth1", "forecast") == str(expected)  # case does not matter
    basic = datasets.resolve_data_path("BasicMotions", "classify")
    assert basic == str(shared_data / "classification" / "BasicMotions")
    assert datasets.resolve_data_path("espeak-digits", "audio") == str(
        shared_data / "audio" / "espeak-digits"
    )
    for given in ("ETTh1.csv", "data/ETTh1", "missing/file.csv", None):
        assert datasets.resolve_data_path(given, "forecast") == given
    (tmp_path / "ETTh1").write_text("date,x\n")
    assert datasets.resolve_data_path("ETTh1", "forecast") == "ETTh1"
    with pytest.raises(
        DataError, match=r"data.root GunPoint: .*not a standard data set.*espeak-digits, fsdd"
    ):
        datasets.resolve_data_path("GunPoint", "audio", setting="data.root")  # a set of another use
