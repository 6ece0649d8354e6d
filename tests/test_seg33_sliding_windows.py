"""``sliding_windows``: a continuous stream (a row per sample: channels, a label per sample, a subject,
a time) cut into windows to classify. The stream is real data: BasicMotions' training recordings
(smart-watch accelerometer + gyroscope at 10 Hz, 100 samples each) laid end to end, ten per subject."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sensor import StreamWindows, read_ts, sliding_windows

CHANNELS = [f"{kind}_{axis}" for kind in ("acc", "gyro") for axis in "xyz"]
LENGTH, STEP_S = 100, 0.1  # BasicMotions: 100 samples at 10 Hz


@pytest.fixture(scope="module")
def recordings(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    data = read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts")
    return np.stack(data.values), data.labels


@pytest.fixture(scope="module")
def stream(recordings) -> pd.DataFrame:
    """Recording i is the (i // 4)-th take of subject ``s{i % 4}``: each subject does every activity
    (the archive file is sorted by class)."""
    X, y = recordings
    parts = []
    for i in range(len(X)):
        part = pd.DataFrame(X[i].T, columns=CHANNELS)
        part.insert(0, "time", np.round((np.arange(LENGTH) + (i // 4) * LENGTH) * STEP_S, 6))
        part["activity"], part["subject"] = y[i], f"s{i % 4}"
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _in_subject(recordings, subject: int) -> tuple[np.ndarray, np.ndarray]:
    X, y = recordings
    return X[subject::4], y[subject::4]


def test_windows_at_the_recordings_steps_are_the_recordings(stream, recordings):
    w = sliding_windows(stream, window=LENGTH, step=LENGTH, label_col="activity", group_col="subject")
    assert isinstance(w, StreamWindows) and w.X.dtype == np.float32 and w.X.shape == (40, 6, LENGTH)
    for s in range(4):  # groups in the order they first appear, each in time order
        X, y = _in_subject(recordings, s)
        mine = w.groups == f"s{s}"
        np.testing.assert_array_equal(w.X[mine], X.astype(np.float32))
        np.testing.assert_array_equal(w.y[mine], y)
        np.testing.assert_allclose(w.starts[mine], np.arange(10) * LENGTH * STEP_S)
        np.testing.assert_allclose(w.ends[mine], (np.arange(10) * LENGTH + LENGTH - 1) * STEP_S)
    assert w.channel_names == CHANNELS and w.sampling_step == pytest.approx(STEP_S)
    X, y, groups, starts = w  # unpacks as the tuple the other libraries return
    assert X is w.X and y is w.y and groups is w.groups and starts is w.starts


def _majority(labels: list[str]) -> str:
    """By hand: the most frequent label; a tie to the tied label whose last sample comes latest."""
    counts = Counter(labels)
    best = max(counts.values())
    return max(
        (lab for lab in counts if counts[lab] == best),
        key=lambda lab: max(i for i, x in enumerate(labels) if x == lab),
    )


def test_overlapping_windows_from_a_csv_match_a_hand_computation(stream, tmp_path):
    path = tmp_path / "stream.csv"
    stream.sample(frac=1.0, random_state=0).to_csv(path, index=False)  # shuffled: sorted by time per subject
    window, step = 64, 24
    w = sliding_windows(path, window=window, step=step, label_col="activity", group_col="subject")
    expected_x, expected_y, expected_groups = [], [], []
    for subject in pd.unique(w.groups):  # the subjects in the order the shuffled file first names them
        rows = stream[stream["subject"] == subject]
        for first in range(0, len(rows) - window + 1, step):
            block = rows.iloc[first : first + window]
            expected_x.append(block[CHANNELS].to_numpy().T)
            expected_y.append(_majority(block["activity"].tolist()))
            expected_groups.append(subject)
    assert len(w) == 4 * ((10 * LENGTH - window) // step + 1)
    np.testing.assert_allclose(w.X, np.stack(expected_x), rtol=1e-6)  # float32 of the CSV's text
    assert w.y.tolist() == expected_y and w.groups.tolist() == expected_groups
    np.testing.assert_allclose(w.ends - w.starts, (window - 1) * STEP_S)


def test_label_rules_at_the_change_of_activity(stream, recordings):
    _, y = _in_subject(recordings, 0)
    one = stream[stream["subject"] == "s0"].drop(columns="subject")
    # windows starting 30 samples into take k: 70 of take k, 30 of take k + 1 (the last one fits no more)
    options = dict(window=LENGTH, step=LENGTH, label_col="activity")
    shifted = one.iloc[30:]
    majority = sliding_windows(shifted, **options)
    last = sliding_windows(shifted, **options, label_rule="last")
    assert majority.y.tolist() == y[:9].tolist() and last.y.tolist() == y[1:10].tolist()
    # half and half: a tie goes to the later activity (the one the window ends in)
    tied = sliding_windows(one.iloc[50:], **options)
    assert tied.y.tolist() == y[1:10].tolist()
    pure = sliding_windows(one, window=50, step=25, label_col="activity", label_rule="pure")
    changes = [k for k in range(9) if y[k] != y[k + 1]]
    # per take 3 windows inside it, and the one straddling two takes when they are the same activity
    assert len(pure) == 10 * 3 + (9 - len(changes))
    assert all(
        len(set(one.set_index("time").loc[s:e, "activity"])) == 1
        for s, e in zip(pure.starts, pure.ends, strict=True)
    )


def test_no_window_crosses_a_time_gap_or_a_subject(stream):
    lost_rows = range(450, 462)  # 12 samples of recording 4: subject s0's second take
    lost = stream.drop(index=lost_rows)
    w = sliding_windows(lost, window=40, step=20, label_col="activity", group_col="subject")
    np.testing.assert_allclose(w.ends - w.starts, 39 * STEP_S)  # every window: 40 consecutive samples
    times = stream.loc[lost_rows, "time"]
    first, last = times.min(), times.max()
    s0 = w.groups == "s0"
    assert not ((w.starts[s0] <= last) & (w.ends[s0] >= first)).any()
    # by hand: subject s0's stretches before and after the gap, each windowed on its own
    s0_times = stream.loc[stream["subject"] == "s0", "time"].to_numpy()
    before = int((s0_times < first).sum())
    after = int((s0_times > last).sum())
    assert s0.sum() == (before - 40) // 20 + 1 + (after - 40) // 20 + 1
    assert (w.groups != "s0").sum() == 3 * ((1000 - 40) // 20 + 1)


def test_dates_as_times_give_the_start_of_each_window(stream):
    one = stream[stream["subject"] == "s1"].drop(columns="subject")
    one["time"] = pd.Timestamp("2024-05-01 09:00") + pd.to_timedelta(one["time"], unit="s")
    w = sliding_windows(one, window=LENGTH, step=LENGTH, label_col="activity")
    assert w.starts.dtype == np.dtype("datetime64[ns]") and w.sampling_step == pd.Timedelta("100ms")
    assert pd.Timestamp(w.starts[3]) == pd.Timestamp("2024-05-01 09:00:30")
    # times in the index, as a logger's frame often has them: read as the time column
    indexed = sliding_windows(one.set_index("time"), window=LENGTH, step=LENGTH, label_col="activity")
    np.testing.assert_array_equal(indexed.starts, w.starts)
    np.testing.assert_array_equal(indexed.X, w.X)


def test_classify_windows_and_map_predictions_of_a_new_stream_back_to_time(stream):
    from sklearn.model_selection import GroupKFold, cross_val_score

    train = sliding_windows(stream, window=50, step=50, label_col="activity", group_col="subject")
    clf = SSMClassifier(method="random_features", n_kernels=64)
    # folds hold out whole subjects: no sample of a test window was seen in training
    scores = cross_val_score(clf, train.X, train.y, groups=train.groups, cv=GroupKFold(n_splits=2))
    assert scores.mean() > 0.5  # 4 activities: chance is 0.25
    clf.fit(train.X, train.y)
    new = stream[stream["subject"] == "s3"].drop(columns=["activity", "subject"])
    w = sliding_windows(new, window=50, step=25, label_col=None)
    assert w.y is None and len(w) == (1000 - 50) // 25 + 1
    predicted = pd.DataFrame({"start": w.starts, "end": w.ends, "activity": clf.predict(w.X)})
    truth = stream[stream["subject"] == "s3"].set_index("time")["activity"]
    assert (predicted["activity"].to_numpy() == truth.loc[predicted["end"]].to_numpy()).mean() > 0.5


def test_missing_values_follow_nan_policy(stream):
    one = stream[stream["subject"] == "s2"].drop(columns="subject").reset_index(drop=True)
    one.loc[7, "gyro_y"] = np.nan
    with pytest.raises(
        DataError, match=r"column 'gyro_y' has a missing .* index \[7\].*nan_policy='interpolate'"
    ):
        sliding_windows(one, window=20, step=20, label_col="activity")
    w = sliding_windows(one, window=20, step=20, label_col="activity", nan_policy="interpolate")
    k = CHANNELS.index("gyro_y")
    assert w.X[0, k, 7] == pytest.approx((one.loc[6, "gyro_y"] + one.loc[8, "gyro_y"]) / 2)
    assert sliding_windows(one, window=20, step=20, label_col="activity", nan_policy="zero").X[0, k, 7] == 0


def test_errors_name_the_column_row_and_fix(stream, tmp_path):
    for step in (0, -5, 2.5):
        with pytest.raises(ConfigError, match=r"step=.*whole number of samples above 0; step=32"):
            sliding_windows(stream, window=64, step=step, label_col="activity")
    short = stream[(stream["subject"] != "s3") | (stream["time"] < 3.0)]  # s3: 30 samples
    with pytest.raises(
        DataError, match=r"subject 's3': no window of 64 samples fits: the recording has 30"
    ) as err:
        sliding_windows(short, window=64, step=32, label_col="activity", group_col="subject")
    df = short  # the fix as written
    df = eval(str(err.value).split("leave it out: df = ")[1].rstrip("."))
    assert len(sliding_windows(df, window=64, step=32, label_col="activity", group_col="subject")) == 3 * 30

    path = tmp_path / "stream.csv"
    unlabelled = stream.copy()
    unlabelled.loc[5, "activity"] = None
    unlabelled.to_csv(path, index=False)
    with pytest.raises(
        DataError, match=r"stream.csv: column 'activity' is empty on 1 row\(s\), line\(s\) \[7\]"
    ):
        sliding_windows(path, window=64, step=32, label_col="activity")
    with pytest.raises(
        DataError,
        match=r"column 'activity' holds text \('Standing' on line\(s\) \[2\]\).*label_col='activity'",
    ):
        sliding_windows(path, window=64, step=32, label_col=None)
    with pytest.raises(DataError, match=r"no label column 'label'.*label_col=None"):
        sliding_windows(stream, window=64, step=32)
