"""static_df's ids written otherwise than the long table's: ids read as text there ('001', a CSV read
with dtype=str, or store codes) and as numbers in static_df (1). Every series was said to lack its row,
with a filter fix that, pasted, left the table empty; the error names both id sets and, for
zero-padded ids, the zfill that matches them."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.series_features import fit_features


@pytest.fixture()
def padded(ett) -> pd.DataFrame:
    """Two ETTh1 series of a long table, their ids zero-padded text."""
    rows = ett.iloc[:50]
    return pd.concat(
        [pd.DataFrame({"unique_id": name, "ds": rows["date"], "y": rows[column]})
         for name, column in (("001", "OT"), ("002", "HUFL"))],
        ignore_index=True,
    )  # fmt: skip


def test_numeric_static_ids_of_zero_padded_series_get_the_zfill_that_matches(padded):
    static_df = pd.DataFrame({"unique_id": [1, 2], "size": [10.0, 50.0]})
    with pytest.raises(DataError) as error:
        fit_features(padded, static_df, None, None, [], [])
    fix = "static_df['unique_id'] = static_df['unique_id'].astype(str).str.zfill(3)"
    assert str(error.value) == (
        "static_df's 'unique_id' values [1, 2] (int64) name none of the long table's series ['001', '002']: "
        f"the table's ids are zero-padded text. Write static_df's so: {fix}."
    )
    exec(fix)  # noqa: S102 - the fix as pasted
    features, *_ = fit_features(padded, static_df, None, None, [], [])
    assert features.statics == {"size": {"001": 10.0, "002": 50.0}}


def test_static_ids_naming_no_series_say_so(padded):
    static_df = pd.DataFrame({"unique_id": ["a", "b"], "size": [10.0, 50.0]})
    with pytest.raises(DataError, match=r"values \['a', 'b'\] \(.*\) name none of the long table's series"):
        fit_features(padded, static_df, None, None, [], [])
