"""The sensor readers record the recordings' sampling step from their times (a CSV time column, ``.ts``
``@timeStamps``), and ``SensorDataModule`` keeps the training step in its checkpoint state.

Real data: GunPoint (UCR, 150 steps per recording) written as a long CSV with times every 0.02 (50 Hz),
and resampled to twice its rate with times every 0.01. Before, the readers sorted by the times and
dropped them: ``SeriesSet`` had no step, so nothing could tell a 100 Hz predict file from a 50 Hz one."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.signal import resample_poly

from ssm_ts.pipelines.sensor import (
    SamplingStepWarning,
    SensorDataModule,
    SeriesSet,
    check_sampling_step,
    read_csv_folder,
    read_csv_long,
    read_series,
    read_ts,
)
from ssm_ts.pipelines.sensor.sampling_step import step_from_state, step_state

START = pd.Timestamp("2024-03-01 08:00:00")


def twice_the_rate(data: SeriesSet) -> list[np.ndarray]:
    """Each recording resampled to twice its rate (``padtype="line"``: zero padding rings at the ends)."""
    return [resample_poly(v, 2, 1, axis=-1, padtype="line") for v in data.values]


def long_frame(
    data: SeriesSet, step: float, values: list[np.ndarray] | None = None, dates: bool = False
) -> pd.DataFrame:
    """A long CSV table ``id, time, c0.., label``: recording ``i`` sampled every ``step`` (seconds
    from ``START`` as ISO dates when ``dates``), its rows shuffled (the reader sorts by time)."""
    frames = []
    for i, v in enumerate(values if values is not None else data.values):
        times = np.round(np.arange(v.shape[1]) * step, 9)
        time = (START + pd.to_timedelta(times, unit="s")).strftime("%Y-%m-%d %H:%M:%S.%f") if dates else times
        frame = pd.DataFrame({"id": f"rec{i}", "time": time})
        for c, channel in enumerate(v):
            frame[f"c{c}"] = channel
        frame["label"] = data.labels[i]
        frames.append(frame.sample(frac=1.0, random_state=i))
    return pd.concat(frames, ignore_index=True)


def write_long_csv(path: Path, data: SeriesSet, step: float, **options) -> Path:
    long_frame(data, step, **options).to_csv(path, index=False)
    return path


def write_stamped_ts(path: Path, data: SeriesSet, stamps) -> Path:
    """``data`` as a ``@timeStamps true`` .ts file (as sktime writes it); ``stamps(length)`` gives a
    recording's time stamps as text."""
    classes = " ".join(sorted(set(data.labels)))
    lines = [f"@problemName stamped\n@timeStamps true\n@univariate true\n@classLabel true {classes}\n@data\n"]
    for v, label in zip(data.values, data.labels, strict=True):
        pairs = ",".join(f"({t},{float(x)!r})" for t, x in zip(stamps(v.shape[1]), v[0], strict=True))
        lines.append(f"{pairs}:{label}\n")
    path.write_text("".join(lines))
    return path


@pytest.fixture(scope="module")
def gunpoint(shared_data) -> tuple[SeriesSet, SeriesSet]:
    folder = shared_data / "classification" / "GunPoint"
    return read_ts(folder / "GunPoint_TRAIN.ts"), read_ts(folder / "GunPoint_TEST.ts")


def test_long_csv_records_the_step_of_its_time_column(gunpoint, tmp_path):
    train, test = gunpoint
    at_50 = read_series(write_long_csv(tmp_path / "train.csv", train, 0.02))
    assert at_50.sampling_step == 0.02
    np.testing.assert_array_equal(np.stack(at_50.values), np.stack(train.values))  # sorted back by time
    twice = read_series(write_long_csv(tmp_path / "twice.csv", test, 0.01, values=twice_the_rate(test)))
    assert twice.sampling_step == 0.01 and twice.values[0].shape == (1, 300)
    assert at_50.subset([0, 2]).sampling_step == 0.02  # kept by a split

    # dates: a Timedelta; the read options that order the rows read the step too
    dated = read_csv_long(write_long_csv(tmp_path / "dated.csv", train, 0.02, dates=True))
    assert dated.sampling_step == pd.Timedelta(milliseconds=20)
    frame = long_frame(train, 60.0, dates=True)
    frame["time"] = pd.to_datetime(frame["time"]).dt.strftime("%d.%m.%Y %H:%M")
    frame.to_csv(tmp_path / "dayfirst.csv", index=False)
    by_day = read_csv_long(tmp_path / "dayfirst.csv", read_options={"dayfirst": True})
    assert by_day.sampling_step == pd.Timedelta(minutes=1)

    # jitter of a millisecond and a dropped sample leave the median step
    frame = long_frame(train, 0.02)
    frame["time"] += np.random.default_rng(0).uniform(-0.001, 0.001, len(frame))
    frame.drop(index=[5, 400]).to_csv(tmp_path / "jitter.csv", index=False)
    assert read_csv_long(tmp_path / "jitter.csv").sampling_step == pytest.approx(0.02, rel=0.02)

    # no time column, or times that are neither numbers nor dates: no step, read as before
    long_frame(train, 0.02).drop(columns="time").to_csv(tmp_path / "untimed.csv", index=False)
    assert read_csv_long(tmp_path / "untimed.csv").sampling_step is None
    frame = long_frame(train, 0.02)
    frame["time"] = "t" + (frame["time"] * 50).round().astype(int).astype(str).str.zfill(3)
    frame.to_csv(tmp_path / "named.csv", index=False)
    assert read_csv_long(tmp_path / "named.csv").sampling_step is None


def test_csv_folder_records_the_step_of_its_files(gunpoint, tmp_path):
    train, _ = gunpoint
    labels = []
    for i in range(6):
        frame = pd.DataFrame({"time": np.arange(150) * 0.5, "x": train.values[i][0]})
        frame.to_csv(tmp_path / f"rec{i}.csv", index=False)
        labels.append({"file": f"rec{i}.csv", "label": train.labels[i]})
    pd.DataFrame(labels).to_csv(tmp_path / "labels.csv", index=False)
    data = read_csv_folder(tmp_path)
    assert data.sampling_step == 0.5
    np.testing.assert_array_equal(data.values[3], train.values[3])
    assert read_series(tmp_path).sampling_step == 0.5  # through the CLI's reader (a folder: csv_folder)


def test_recordings_at_different_steps_in_one_file_are_named(gunpoint, tmp_path):
    """The model reads every recording of a file at one step: two recordings at twice the rate
    among ten are named, and the file keeps the median step."""
    train, _ = gunpoint
    values = [
        v if i not in (3, 7) else resample_poly(v, 2, 1, axis=-1, padtype="line")
        for i, v in enumerate(train.values[:10])
    ]
    frame = long_frame(train.subset(range(10)), 0.02, values=values)
    frame.loc[frame["id"].isin(["rec3", "rec7"]), "time"] /= 2
    frame.to_csv(tmp_path / "mixed.csv", index=False)
    with pytest.warns(SamplingStepWarning) as record:
        data = read_csv_long(tmp_path / "mixed.csv")
    (message,) = [str(w.message) for w in record]
    assert "2 of 10 recordings are sampled at another step than the file's median 0.02" in message
    assert "'rec3' every 0.01, 'rec7' every 0.01" in message and "resample them to one step" in message
    assert data.sampling_step == 0.02


def test_ts_time_stamps_give_the_step(gunpoint, tmp_path):
    train, _ = gunpoint
    numbers = read_ts(
        write_stamped_ts(tmp_path / "n.ts", train, lambda n: [f"{0.02 * k:.2f}" for k in range(n)])
    )
    assert numbers.sampling_step == pytest.approx(0.02, rel=1e-9)
    np.testing.assert_array_equal(np.stack(numbers.values), np.stack(train.values))
    minutes = pd.date_range("2007-01-01", periods=150, freq="min").strftime("%Y-%m-%d %H:%M:%S")
    dated = read_ts(write_stamped_ts(tmp_path / "d.ts", train, lambda n: minutes[:n]))
    assert dated.sampling_step == pd.Timedelta(minutes=1)
    assert train.sampling_step is None  # an unstamped file has no times


def test_datamodule_keeps_the_training_step_in_its_checkpoint_state(gunpoint, tmp_path):
    """Lightning saves ``state_dict()`` in checkpoints and calls ``load_state_dict`` on restore; the
    state holds plain values, so a weights_only load reads it."""
    train, _ = gunpoint
    module = SensorDataModule(path=str(write_long_csv(tmp_path / "train.csv", train, 0.02)), val_fraction=0)
    module.setup("fit")
    assert module.fit_sampling_step == 0.02
    torch.save({"SensorDataModule": module.state_dict()}, tmp_path / "state.pt")
    restored = SensorDataModule()
    restored.load_state_dict(torch.load(tmp_path / "state.pt", weights_only=True)["SensorDataModule"])
    assert restored.fit_sampling_step == 0.02
    for step in (pd.Timedelta(milliseconds=20), None, 0.5):
        assert step_from_state(step_state(step)) == step
    restored.load_state_dict({})  # a checkpoint saved before the step: unknown, nothing to check
    assert restored.fit_sampling_step is None


def test_check_sampling_step_names_both_steps_and_the_rate():
    fix = "--model.rate {rate}"
    with pytest.warns(SamplingStepWarning) as record:
        check_sampling_step(0.02, 0.01, 1.0, source="new.csv", fix=fix)
    message = str(record[0].message)
    assert message.startswith("new.csv: sampled every 0.01, the training recordings every 0.02")
    assert "pass --model.rate 0.5, the rate being their step / the training step = 0.01 / 0.02" in message
    with pytest.warns(
        SamplingStepWarning, match=r"rate 0.25 was given, .* makes the rate 2 .*--model.rate 2,"
    ):
        check_sampling_step(0.01, 0.02, 0.25, source="slow.csv", fix=fix)
    minute, second = pd.Timedelta(minutes=1), pd.Timedelta(seconds=1)
    with pytest.warns(
        SamplingStepWarning, match=r"every 1 s, the training recordings every 60 s\. .*rate 0.0166667"
    ):
        check_sampling_step(minute, second, 1.0, source="d.csv", fix=fix)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_sampling_step(0.02, 0.01, 0.5, source="x", fix=fix) is None  # the rate matches
        assert check_sampling_step(0.02, 0.0201, 1.0, source="x", fix=fix) is None  # within 2%
        assert check_sampling_step(None, 0.01, 1.0, source="x", fix=fix) is None  # no training times
        assert check_sampling_step(0.02, None, 1.0, source="x", fix=fix) is None  # no times here
        assert check_sampling_step(0.02, second, 1.0, source="x", fix=fix) is None  # units unknown


def test_only_numeric_steps_are_told_about_other_time_units():
    """Dates carry their unit: the 'milliseconds against seconds' sentence (and 'check the units')
    is for numeric time columns only; it was shown for dates too."""
    fix = "--model.rate {rate}"
    minute, second = pd.Timedelta(minutes=1), pd.Timedelta(seconds=1)
    with pytest.warns(SamplingStepWarning) as record:
        check_sampling_step(minute, second, 1.0, source="d.csv", fix=fix)
        check_sampling_step(minute, second, 0.5, source="d.csv", fix=fix)
        check_sampling_step(0.02, 0.01, 1.0, source="n.csv", fix=fix)
        check_sampling_step(0.02, 0.01, 0.25, source="n.csv", fix=fix)
    dates_default, dates_given, numbers_default, numbers_given = (str(r.message) for r in record)
    for message in (dates_default, dates_given):
        assert "units" not in message and "milliseconds" not in message
    assert "If their times are in other units than the training file's (milliseconds against seconds)" in (
        numbers_default
    )
    assert "or check the units of the time columns" in numbers_given
