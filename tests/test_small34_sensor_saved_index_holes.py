"""A sensor CSV saved with its pandas index after a filter (``df[keep].to_csv(path)``: ``Unnamed: 0``
holds ``0, 1, 2, 5, ...``) has that index left out of the channels, with the warning naming the fix, as
one without holes has; the forecasting reader tells it so by the same rule. Before, the sensor readers
read the row numbers as a channel: the model learnt each sample's position in the file."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.pipelines.saved_index_rule import counts_rows

CHANNELS = [f"acc_{i}" for i in range(3)] + [f"gyr_{i}" for i in range(3)]
SAVED_INDEX_WARNING = r"\['Unnamed: 0'\] hold row numbers .*df.to_csv\(path, index=False\)"


@pytest.fixture(scope="module")
def basic_motions(shared_data) -> pd.DataFrame:
    """BasicMotions' 40 training recordings as a long table (id, label, 6 channels; 100 rows each),
    each recording's rows numbered 0..99 in the index, as ``pd.concat`` of one frame each keeps them."""
    from ssm_ts.pipelines.sensor import read_ts

    data = read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts")
    frames = [
        pd.DataFrame(values.T, columns=CHANNELS).assign(id=f"rec{i}", label=label)
        for i, (values, label) in enumerate(zip(data.values, data.labels, strict=True))
    ]
    return pd.concat(frames)


def spikes_dropped(long: pd.DataFrame) -> pd.DataFrame:
    """The rows without a spike on acc_0 (5% dropped): a filter leaving holes in the index."""
    return long[long["acc_0"].abs() < long["acc_0"].abs().quantile(0.95)]


@pytest.mark.parametrize("numbered", ["over the file", "per recording"])
def test_a_filtered_long_csv_saved_with_its_index_has_no_index_channel(basic_motions, numbered, tmp_path):
    from ssm_ts.pipelines.sensor import read_csv_long

    long = basic_motions.reset_index(drop=True) if numbered == "over the file" else basic_motions
    kept = spikes_dropped(long)
    path = tmp_path / "motions.csv"
    kept.to_csv(path)  # Unnamed: 0 holds 0, 1, 2, 4, ... (or 0..99 with holes, per recording)
    with pytest.warns(UserWarning, match=SAVED_INDEX_WARNING + r", or name the channels: read_csv_long"):
        data = read_csv_long(path)
    assert data.channel_names == CHANNELS  # was ['Unnamed: 0', 'acc_0', ...]
    assert np.array_equal(data.values[1], kept[kept["id"] == "rec1"][CHANNELS].to_numpy().T)


def test_a_filtered_stream_saved_with_its_index_has_no_index_channel(basic_motions, tmp_path):
    from ssm_ts.pipelines.sensor import sliding_windows

    path = tmp_path / "stream.csv"
    spikes_dropped(basic_motions.reset_index(drop=True)).drop(columns="id").to_csv(path)
    with pytest.warns(UserWarning, match=SAVED_INDEX_WARNING):
        windows = sliding_windows(path, window=50, step=50, time_col=None)
    assert windows.channel_names == CHANNELS


def test_unnamed_integers_that_are_no_row_numbers_stay_channels(basic_motions, tmp_path):
    from ssm_ts.pipelines.sensor import read_csv_long

    rng = np.random.default_rng(0)
    long = basic_motions.reset_index(drop=True)
    path = tmp_path / "coded.csv"
    for values in (np.arange(len(long)) * 3, rng.permutation(len(long)), rng.integers(0, 9, len(long))):
        long.assign(**{"Unnamed: 0": values}).to_csv(path, index=False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert read_csv_long(path).channel_names == [*CHANNELS, "Unnamed: 0"]


def test_the_rule_per_part_counts_steps_within_parts_only():
    # two recordings, numbered 0..5 each, one hole in the second: the jump back to 0 is no step
    numbers = np.array([0, 1, 2, 3, 4, 5, 0, 1, 3, 4, 5])
    assert counts_rows(numbers, starts=np.array([6])) and not counts_rows(numbers)
    assert not counts_rows(numbers, holes=False, starts=np.array([6]))
    assert not counts_rows(np.array([0, 2, 4, 6, 0, 2, 4]), starts=np.array([4]))  # by twos: data
    assert not counts_rows(np.array([3, 4, 5, -1, 0, 2]), starts=np.array([3]))  # a part from -1


def test_a_per_recording_count_with_holes_after_named_columns_stays_a_channel(basic_motions, tmp_path):
    # a count whose header cell was left empty, after the named columns: data, not pandas' index,
    # which is written first (the whole-file rule asks the same of numbers with holes)
    from ssm_ts.pipelines.sensor import read_csv_long

    kept = spikes_dropped(basic_motions)  # each recording's own 0..99, with holes
    path = tmp_path / "counted.csv"
    kept.assign(**{"": kept.index}).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = read_csv_long(path)
    assert data.channel_names == [*CHANNELS, "Unnamed: 8"]
