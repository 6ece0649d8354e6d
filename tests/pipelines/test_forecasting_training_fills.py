"""``fill="interpolate"``: no training, validation or test window of the data module reads a value the
fill drew from its own forecast rows (or later ones). On real ETTh1 rows with a few rows cut out.

The module fills the whole table once and its windows share it, so a gap just before a window's first
forecast row is interpolated toward that window's own first target: the window's inputs would hold
its target (training and early stopping on leaked values), and ``predict``, which carries the last
observed value over a trailing gap, would see other inputs than training did. The rules are those of
a backtest window (:mod:`ssm_ts.pipelines.forecasting.fills`): targets and past covariates are
readable before the first forecast row, known-future covariates up to the last; filled rows ending
what a window may read hold the last observed value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.pipelines.forecasting import ForecastDataModule
from tests.api.test_forecaster_ragged import SPANS, ragged_table

LOOKBACK, HORIZON = 48, 12
# the default split of 1,200 rows: train [0, 840), val [840, 960), test [960, 1200); a gap of 6 rows
# just before one window's first forecast row in each split
GAPS = {"train": range(300, 306), "val": range(900, 906), "test": range(1000, 1006)}
COVARIATES = dict(target="OT", past_covariates=["HUFL"], future_covariates=["LUFL"])


def cut(ett: pd.DataFrame, *gaps: range) -> pd.DataFrame:
    """``ett`` (the first 1,200 rows of ETTh1) without the rows of ``gaps``: the regular grid makes them
    gaps that the fill invents again."""
    return ett.drop(index=[row for gap in gaps for row in gap])


def module(table: pd.DataFrame, **settings) -> ForecastDataModule:
    data = ForecastDataModule.from_frame(table, lookback=LOOKBACK, horizon=HORIZON, **settings)
    data.setup("fit")
    return data


def position(data: ForecastDataModule, split: str, origin: int) -> int:
    """The index of the ``split`` window whose first forecast row is ``origin``."""
    return int(np.flatnonzero(np.asarray(data.windows(split).starts) == origin - LOOKBACK)[0])


def window_x(data: ForecastDataModule, split: str, origin: int) -> np.ndarray:
    """``x (lookback, n_channels)`` of the ``split`` window whose first forecast row is ``origin``."""
    return data.windows(split)[position(data, split, origin)][0].numpy()


def last_rows(frame: pd.DataFrame, row: int, columns: list[str], n: int) -> np.ndarray:
    """``(n, len(columns))``: row ``row`` of ``columns``, ``n`` times (a value carried over ``n`` rows)."""
    return np.repeat(frame.loc[[row], columns].to_numpy(), n, axis=0)


def raw_slices(data: ForecastDataModule, split: str) -> np.ndarray:
    """Every ``split`` window's inputs cut straight from the module's filled arrays (the windows as
    they were before any carry): ``(n_windows, lookback, n_channels)``."""
    inputs, _ = data._window_arrays()
    return np.stack([inputs[s : s + LOOKBACK] for s in data.windows(split).starts])


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_a_window_inputs_do_not_depend_on_its_own_targets(ett, split):
    gap = GAPS[split]
    table = cut(ett, *GAPS.values())
    changed = table.copy()
    targets = changed.index.isin(range(gap.stop, gap.stop + HORIZON))  # the window's forecast rows
    changed.loc[targets, ett.columns[1:]] += 10.0
    x = window_x(module(table, fill="interpolate"), split, gap.stop)
    np.testing.assert_array_equal(x, window_x(module(changed, fill="interpolate"), split, gap.stop))
    # the gap carries the last observed row, as predict on the rows before the window would read it
    np.testing.assert_array_equal(
        x[-len(gap) :], last_rows(ett, gap.start - 1, list(ett.columns[1:]), len(gap))
    )
    np.testing.assert_array_equal(x[: -len(gap)], ett.iloc[gap.stop - LOOKBACK : gap.start, 1:].to_numpy())
    # ... which is what fill="ffill" gives that window, bit for bit
    np.testing.assert_array_equal(x, window_x(module(table, fill="ffill"), split, gap.stop))


def test_covariates_are_read_up_to_their_own_readable_row(ett):
    """Targets and a past covariate up to the window's first forecast row, a known-future covariate up
    to its last: a gap there is interpolated when an observed row follows inside that range, carried
    when the gap ends it."""
    gap = GAPS["train"]
    table = cut(ett, gap)
    data = module(table, fill="interpolate", **COVARIATES)
    filled = module(table, fill="interpolate", **COVARIATES)._window_arrays()[0]  # the table's fill
    # the window forecasting from row 306: OT and HUFL carried over the gap; LUFL's known rows run to 317
    x = window_x(data, "train", gap.stop)
    start = gap.stop - LOOKBACK
    np.testing.assert_array_equal(x[-6:, :2], last_rows(ett, gap.start - 1, ["OT", "HUFL"], 6))
    np.testing.assert_array_equal(x[:, 2], filled[start : gap.stop, 2])  # interpolated: both ends readable
    # the window whose known-future rows end with the gap (first forecast row 294): LUFL carried from
    # row 299, whatever row 306, its first unreadable one, holds
    origin = gap.stop - HORIZON
    x = window_x(data, "train", origin)
    lufl = x[:, 2]  # rows origin - lookback + horizon .. origin + horizon - 1 of LUFL
    np.testing.assert_array_equal(lufl[-6:], [ett["LUFL"].iloc[gap.start - 1]] * 6)
    np.testing.assert_array_equal(lufl[:-6], ett["LUFL"].iloc[origin - LOOKBACK + HORIZON : gap.start])
    changed = table.copy()
    changed.loc[gap.stop, "LUFL"] += 10.0
    again = module(changed, fill="interpolate", **COVARIATES)
    np.testing.assert_array_equal(x, window_x(again, "train", origin))


def test_a_ragged_series_window_reads_no_value_filled_from_its_own_targets(ett):
    """HUFL (rows 100-1149) loses rows 300-305; its training window forecasting from row 306 reads
    HUFL's last value there, whatever its targets; the other series' columns are untouched."""
    gap, hufl = GAPS["train"], 0  # the series are sorted: HUFL, LUFL, MUFL, OT
    table = ragged_table(ett, SPANS)
    hufl_rows = table["unique_id"] == "HUFL"
    table = table[~(hufl_rows & table["ds"].isin(ett["date"].iloc[gap.start : gap.stop]))]
    changed = table.copy()
    targets = hufl_rows & changed["ds"].isin(ett["date"].iloc[gap.stop : gap.stop + HORIZON])
    changed.loc[targets, "y"] += 10.0
    data = module(table, fill="interpolate")
    assert data.ragged
    x = window_x(data, "train", gap.stop)
    np.testing.assert_array_equal(x, window_x(module(changed, fill="interpolate"), "train", gap.stop))
    np.testing.assert_array_equal(x[-6:, hufl], [ett["HUFL"].iloc[gap.start - 1]] * 6)
    raw = raw_slices(data, "train")[position(data, "train", gap.stop)]
    np.testing.assert_array_equal(x[:, 1:], raw[:, 1:])


@pytest.mark.parametrize(
    ("fill", "gaps", "columns"),
    [
        ("ffill", tuple(GAPS.values()), {}),
        ("ffill", tuple(GAPS.values()), COVARIATES),
        (None, (), {}),  # no fill, no gap
        ("interpolate", (), COVARIATES),  # nothing to fill
    ],
)
def test_ffill_and_unfilled_windows_are_the_raw_slices_bit_for_bit(ett, fill, gaps, columns):
    data = module(cut(ett, *gaps), fill=fill, **columns)
    for split in ("train", "val", "test"):
        windows = data.windows(split)
        x = np.stack([windows[i][0].numpy() for i in range(len(windows))])
        np.testing.assert_array_equal(x, raw_slices(data, split))
        assert windows.carried == 0  # nothing to carry: no window is copied or patched
        batched = windows.inputs_of(torch.arange(len(windows))).numpy()
        np.testing.assert_array_equal(batched, x)


def test_the_loaders_and_the_batched_reader_give_the_carried_windows(ett):
    """What the validation loss (val_dataloader) and the ridge initialisation (inputs_of) read."""
    data = module(cut(ett, *GAPS.values()), fill="interpolate", **COVARIATES)
    for split in ("train", "val", "test"):
        windows = data.windows(split)
        x = np.stack([windows[i][0].numpy() for i in range(len(windows))])
        assert windows.carried > 0 and (x != raw_slices(data, split)).any()
        positions = torch.randperm(len(windows), generator=torch.Generator().manual_seed(0))
        np.testing.assert_array_equal(windows.inputs_of(positions).numpy(), x[positions.numpy()])
    loaded = torch.cat([batch[0] for batch in data.val_dataloader()]).numpy()
    np.testing.assert_array_equal(loaded, np.stack([w[0].numpy() for w in data.windows("val")]))


def test_the_ridge_initialisation_reads_the_carried_training_windows(ett, tmp_path, monkeypatch):
    """``linear_init="ridge"`` gathers the training windows in batches, not through ``__getitem__``."""
    import ssm_ts.models.linear as linear

    torch.set_num_threads(1)
    seen: list[torch.Tensor] = []
    ridge = linear.init_linear_path_with_ridge

    def spy(model, train_windows, val_windows=(), *args, **kwargs):
        train = list(train_windows)
        seen.extend(batch[0] for batch in train)
        return ridge(model, train, val_windows, *args, **kwargs)

    monkeypatch.setattr(linear, "init_linear_path_with_ridge", spy)
    table = cut(ett, *GAPS.values())
    forecaster = Forecaster(model="spacetime", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, patience=None,
                            model_options={"d_model": 8, "d_state": 8, "n_layers": 1, "linear_init": "ridge"},
                            log_to_mlflow=False, out_dir=str(tmp_path),
                            trainer_options={"limit_train_batches": 1, "limit_val_batches": 1,
                                             "enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    forecaster.fit(table, fill="interpolate")
    windows = module(table, fill="interpolate").windows("train")
    assert windows.carried > 0
    x = torch.stack([windows[i][0] for i in range(len(windows))])
    np.testing.assert_allclose(torch.cat(seen).double().numpy(), forecaster.task_.scale_inputs(x).double().numpy(),
                               rtol=0, atol=1e-12)  # fmt: skip
