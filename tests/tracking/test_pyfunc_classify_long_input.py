"""The classifier pyfunc given a long DataFrame: one output row per recording, in the order the ids
first appear in the input (with or without a ``time`` column), each row naming its id; a text column
that is not a channel is a DataError naming it, not a raw float-conversion error.

A ``classify fit`` with the random-features config on BasicMotions (UEA) logs the pyfunc; the
TEST recordings go in as a long frame. Before, with a ``time`` column the rows came back sorted by
id as text (``r0, r1, r10, r11, r2``) and without one in input order: rows lined up by position
with the input's recordings were mismatched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_ts
from tests.cli_runs import load_logged_model

IDS = [f"r{i}" for i in (10, 2, 1, 0, 3, 11, 4, 5, 6, 7, 8, 9)]  # text order differs from this


@pytest.fixture(scope="module")
def basicmotions(shared_data, basicmotions_random_features_cli_fit):
    """``(the logged pyfunc, the first 12 TEST recordings (6, 100) each)``."""
    folder = shared_data / "classification" / "BasicMotions"
    _, uri, run_id = basicmotions_random_features_cli_fit
    test = read_ts(folder / "BasicMotions_TEST.ts")
    return load_logged_model(uri, run_id), np.stack(test.values[: len(IDS)])


def long_frame(recordings: np.ndarray, shuffle: bool) -> pd.DataFrame:
    """Recordings ``(n, 6, length)`` as rows ``id, time, c0..c5``; ``shuffle``: the rows of every
    recording in random order (the ``time`` column restores it), recordings kept in ``IDS`` order."""
    rng = np.random.default_rng(0)
    parts = []
    for rec_id, values in zip(IDS, recordings, strict=True):
        part = pd.DataFrame(values.T, columns=[f"c{j}" for j in range(values.shape[0])])
        part.insert(0, "time", np.arange(values.shape[1]))
        part.insert(0, "id", rec_id)
        parts.append(part.iloc[rng.permutation(len(part))] if shuffle else part)
    return pd.concat(parts, ignore_index=True)


def test_timed_long_frame_rows_come_back_in_input_id_order(basicmotions):
    loaded, recordings = basicmotions
    reference = loaded.predict(recordings)  # an array: rows in input order
    out = loaded.predict(long_frame(recordings, shuffle=True))
    assert out["id"].tolist() == IDS  # was r0, r1, r10, r11, r2, ...
    columns = [c for c in out.columns if c.startswith("p_")]
    np.testing.assert_allclose(out[columns].to_numpy(), reference[columns].to_numpy(), atol=1e-9)
    assert (out["predicted"].to_numpy() == reference["predicted"].to_numpy()).all()


def test_untimed_long_frame_keeps_the_same_order(basicmotions):
    loaded, recordings = basicmotions
    timed = loaded.predict(long_frame(recordings, shuffle=False))
    untimed = loaded.predict(long_frame(recordings, shuffle=False).drop(columns="time"))
    assert untimed["id"].tolist() == IDS
    pd.testing.assert_frame_equal(untimed, timed)


def test_interleaved_rows_are_ordered_by_each_ids_first_row(basicmotions):
    # rows of r2 before r10's last rows: r10 still comes first (its first row does)
    loaded, recordings = basicmotions
    frame = long_frame(recordings, shuffle=False)
    first, second = frame[frame["id"] == "r10"], frame[frame["id"] == "r2"]
    rest = frame[~frame["id"].isin(["r10", "r2"])]
    mixed = pd.concat([first.iloc[:50], second, first.iloc[50:], rest], ignore_index=True)
    assert loaded.predict(mixed)["id"].tolist() == IDS


def test_a_text_column_is_named_with_the_fix(basicmotions):
    loaded, recordings = basicmotions
    frame = long_frame(recordings, shuffle=False)
    frame["subject"] = "bob"
    with pytest.raises(DataError, match=r"column 'subject' holds 'bob'.*not a number") as caught:
        loaded.predict(frame)
    message = str(caught.value)
    assert "drop" in message and "c0" in message  # the fix and the channel columns it took
    frame["c3"] = frame["c3"].astype(object)
    frame.loc[5, "c3"] = "oops"  # a stray cell in a channel: named with its row
    with pytest.raises(DataError, match=r"column 'c3' holds 'oops' \(row 5"):
        loaded.predict(frame.drop(columns="subject"))
