"""The data module keeps which target values the data holds: every split's windows carry NaN targets
where ``fill=`` invented the value (neuralforecast's ``available_mask``), and their inputs keep the
fill, which the model reads as ``predict`` does. Real ETTh1 rows (the first 1,200: train [0, 840),
val [840, 960), test [960, 1200)) with gaps cut in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule, filled_targets

LOOKBACK, HORIZON = 48, 12
GAPS = {"OT": [range(300, 310), range(880, 892), range(1000, 1024)], "HUFL": [range(1100, 1105)]}


def module(ett: pd.DataFrame, gaps: dict[str, list[range]], **settings) -> ForecastDataModule:
    table = ett[["date", "OT", "HUFL"]].copy()
    for column, rows in gaps.items():
        table.loc[[r for gap in rows for r in gap], column] = np.nan
    data = ForecastDataModule.from_frame(table, lookback=LOOKBACK, horizon=HORIZON, **settings)
    data.setup("fit")
    return data


@pytest.mark.parametrize("fill", ["ffill", "interpolate"])
def test_every_split_has_nan_targets_exactly_where_the_fill_invented_them(ett, fill):
    data = module(ett, GAPS, fill=fill)
    filled = filled_targets(data.frame, data.spec)
    assert filled.sum() == 10 + 12 + 24 + 5
    np.testing.assert_array_equal(data.observed_targets, ~filled)
    inputs, targets = data._window_arrays()
    assert not np.isnan(targets).any()  # the shared table keeps the fill
    for split in ("train", "val", "test"):
        windows = data.windows(split)
        missing = 0
        for i in range(len(windows)):
            x, y = windows[i]
            first = int(windows.starts[i]) + LOOKBACK
            np.testing.assert_array_equal(y.isnan().numpy(), filled[first : first + HORIZON])
            np.testing.assert_array_equal(y.numpy()[~filled[first : first + HORIZON]],
                                          targets[first : first + HORIZON][~filled[first : first + HORIZON]])  # fmt: skip
            assert not x.isnan().any()  # the inputs are read filled
            missing += int(y.isnan().sum())
        assert missing > 0, split


def test_inputs_are_those_of_the_windows_without_the_mask(ett):
    """The mask touches the targets only: a window's ``x`` is what it was (carries included)."""
    data = module(ett, GAPS, fill="interpolate")
    windows = data.windows("val")
    positions = torch.arange(len(windows))
    gathered = windows.inputs_of(positions)
    for i in range(0, len(windows), 7):
        np.testing.assert_array_equal(windows[i][0].numpy(), gathered[i].numpy())


def test_a_validation_split_of_filled_values_only_is_a_clear_error(ett):
    # rows 800-999 of OT cut out: the validation rows [840, 960) hold nothing but the fill
    with pytest.raises(DataError, match=r"every target value of the val split .* fill='interpolate'"):
        module(ett, {"OT": [range(800, 1000)]}, fill="interpolate", target="OT")


def test_data_without_gaps_has_no_mask(ett):
    data = module(ett, {}, fill="ffill")
    assert data.observed_targets is None
    windows = data.windows("test")
    assert windows.observed is None
    x, y = windows[3]
    _, targets = data._window_arrays()
    first = int(windows.starts[3]) + LOOKBACK
    np.testing.assert_array_equal(y.numpy(), targets[first : first + HORIZON])
