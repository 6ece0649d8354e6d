"""The other in-memory layouts sktime and aeon users hold, given to ``SSMClassifier``: each is read
as its recordings (values in the right channel and step) or refused with the one-line conversion.

They were: a list of DataFrames (sktime's df-list, each (time points, channels)) trained as
(channels, time points), 100 channels of 6 steps; a hierarchical multi-index (pd_multiindex_hier)
and a long table with an ``id`` column, read as a recording per row; a multi-index indexed (time,
recording) read as a recording per time point; sktime's pd-long told to drop its columns; a nested
frame's class column named by neither column nor fix; and a numeric label column of a multi-index
frame trained on as a channel, silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.api.classifier_inputs import as_recordings
from ssm_ts.errors import DataError

N, C, L = 6, 3, 8
X = np.arange(N * C * L, dtype=np.float64).reshape(N, C, L)  # every value tells its recording, channel, step
Y = np.array(["a", "b"] * 3)
NAMES = ["acc", "gyro", "mag"]


def multiindex() -> pd.DataFrame:
    index = pd.MultiIndex.from_product([range(N), range(L)], names=["instances", "timepoints"])
    return pd.DataFrame(X.transpose(0, 2, 1).reshape(N * L, C), index=index, columns=NAMES)


def values(X) -> np.ndarray:
    return np.stack(as_recordings(X).values)


def test_a_list_of_dataframes_is_read_as_time_points_by_channels():
    frames = [pd.DataFrame(x.T, columns=NAMES) for x in X]
    frames[1] = frames[1][NAMES[::-1]]  # columns in another order: read by name
    data = as_recordings(frames)
    np.testing.assert_array_equal(np.stack(data.values), X)
    assert data.channel_names == NAMES
    model = SSMClassifier(method="random_features", n_kernels=20).fit(frames, Y)
    assert list(model.feature_names_in_) == NAMES
    np.testing.assert_array_equal(model.predict_proba(frames), model.predict_proba(multiindex()))


def test_a_list_of_dataframes_with_other_columns_or_text_is_named():
    frames = [pd.DataFrame(x.T, columns=NAMES) for x in X]
    with pytest.raises(
        DataError, match=r"frame 2 has columns \['acc', 'gyro'\], frame 0 \['acc', 'gyro', 'mag'\]"
    ):
        as_recordings([*frames[:2], frames[2][["acc", "gyro"]]])
    frames[3] = frames[3].assign(mag="x")
    with pytest.raises(DataError, match=r"frame 3, column 'mag' holds 'x' \(row 0\), not a number"):
        as_recordings(frames)


def test_a_hierarchical_multiindex_names_recordings_by_all_levels_but_the_last():
    frame = pd.concat({"subject1": multiindex().loc[:2], "subject2": multiindex().loc[3:]}, names=["subject"])
    data = as_recordings(frame)
    np.testing.assert_array_equal(np.stack(data.values), X)
    assert data.ids[:2] == ["subject1/0", "subject1/1"] and data.ids[3] == "subject2/3"


def test_time_points_in_the_first_level_are_refused_with_the_swap():
    swapped = multiindex().swaplevel().sort_index()
    with pytest.raises(DataError) as caught:
        as_recordings(swapped)
    assert str(caught.value) == (
        "X (multi-index DataFrame): the first index level 'timepoints' holds time points and the second "
        "'instances' the recordings; the recording comes first (sktime's pd-multiindex: (instance, time "
        "point)). Swap them: X.swaplevel().sort_index()."
    )
    np.testing.assert_array_equal(values(swapped.swaplevel().sort_index()), X)  # the fix, as written


def test_sktime_pd_long_is_refused_with_the_pivot():
    X_long = multiindex().stack().reset_index()
    X_long.columns = ["index", "time_index", "column", "value"]
    with pytest.raises(
        DataError,
        match=r"pd-long .* X\.pivot\(index=\['index', 'time_index'\], columns='column', values='value'\)\.$",
    ):
        as_recordings(X_long)
    fixed = values(X_long.pivot(index=["index", "time_index"], columns="column", values="value"))
    np.testing.assert_array_equal(fixed, X)


def test_a_long_table_with_an_id_column_is_refused_with_its_index_and_labels():
    X_flat = multiindex().reset_index().rename(columns={"instances": "id", "timepoints": "time"})
    X_flat["label"] = np.repeat(Y, L)
    with pytest.raises(DataError) as caught:
        as_recordings(X_flat)
    fix = (
        "y = X.groupby('id', sort=False)['label'].first().to_numpy(); "
        "X = X.drop(columns=['label']).set_index(['id', 'time'])"
    )
    assert f"pd-multiindex, a column per channel): {fix}. " in str(caught.value)
    assert str(caught.value).endswith("drop it: X.drop(columns=['id']).")
    namespace = {"X": X_flat}
    exec(fix, namespace)  # the fix, as written
    np.testing.assert_array_equal(values(namespace["X"]), X)
    np.testing.assert_array_equal(namespace["y"], Y)


def test_a_nested_frame_with_its_class_column_names_it():
    nested = pd.DataFrame({name: [pd.Series(x[c]) for x in X] for c, name in enumerate(NAMES)})
    nested.insert(0, "class_vals", Y)  # as sktime's load_from_tsfile(..., return_separate_X_and_y=False)
    with pytest.raises(DataError) as caught:
        as_recordings(nested)
    fix = "y = X['class_vals'].to_numpy(); X = X.drop(columns=['class_vals'])"
    assert "column 'class_vals' holds 'a' (row 0), a single value, not a series" in str(caught.value)
    assert fix in str(caught.value)
    namespace = {"X": nested}
    exec(fix, namespace)
    np.testing.assert_array_equal(values(namespace["X"]), X)
    np.testing.assert_array_equal(namespace["y"], Y)


def test_a_label_channel_of_a_multiindex_frame_warns_at_the_users_line():
    codes = np.unique(Y, return_inverse=True)[1]
    frame = multiindex().assign(target=np.repeat(codes, L))
    with pytest.warns(UserWarning, match=r"column\(s\) \['target'\] hold each recording's label y") as caught:
        SSMClassifier(method="random_features", n_kernels=20).fit(frame, codes)
    assert [w.filename for w in caught if "label y" in str(w.message)] == [__file__]


def test_one_recording_as_a_dataframe_of_the_fitted_channels_says_to_pass_a_list():
    frames = [pd.DataFrame(x.T, columns=NAMES) for x in X]
    model = SSMClassifier(method="random_features", n_kernels=20).fit(frames, Y)
    with pytest.raises(DataError) as caught:
        model.predict(frames[0])
    assert str(caught.value).startswith(
        "X (DataFrame) has the fitted channels ['acc', 'gyro', 'mag'] as its columns: one recording, a row per "
        "time point? A DataFrame X without a MultiIndex is read as a row per recording"
    )
    assert "predict([X])" in str(caught.value)
    np.testing.assert_array_equal(model.predict([frames[0]]), model.predict(frames[:1]))  # the fix


def test_one_row_of_a_nested_frame_says_to_pass_a_frame():
    nested = pd.DataFrame({name: [pd.Series(x[c]) for x in X] for c, name in enumerate(NAMES)})
    model = SSMClassifier(method="random_features", n_kernels=20).fit(nested, Y)
    with pytest.raises(
        DataError, match=r"X is a pd\.Series indexed by the fitted channels \['acc', 'gyro', 'mag'\]"
    ):
        model.predict(nested.iloc[0])
    np.testing.assert_array_equal(model.predict(nested.iloc[0].to_frame().T), model.predict(nested.iloc[[0]]))


def test_a_nested_frame_with_a_missing_cell_names_its_rows():
    nested = pd.DataFrame({name: [pd.Series(x[c]) for x in X] for c, name in enumerate(NAMES)})
    nested.loc[[1, 4], "gyro"] = np.nan
    with pytest.raises(DataError) as caught:
        as_recordings(nested)
    assert str(caught.value).startswith(
        "X (nested DataFrame): column 'gyro' holds nan, not a series, on 2 row(s), [1, 4]; every recording "
        "needs a series in every channel"
    )


def test_a_wide_frame_with_channel_and_time_columns_is_refused_with_the_stack():
    wide = pd.DataFrame(X.reshape(N, C * L), columns=pd.MultiIndex.from_product([NAMES, range(L)]))
    with pytest.raises(
        DataError, match=r"2-level columns .* \(channel, time point\), pass X\.stack\(level=1\)"
    ):
        as_recordings(wide)
    data = as_recordings(wide.stack(level=1))  # the fix, as written
    np.testing.assert_array_equal(np.stack(data.values), X)
    assert data.channel_names == NAMES
    swapped = wide.swaplevel(axis=1).sort_index(axis=1)
    np.testing.assert_array_equal(values(swapped.stack(level=0)), X)
