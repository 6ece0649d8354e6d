"""Review of a long table's per-series inputs at 1,000 series: reading them scans no row per series,
and the model picks each series' own covariates without repeating every channel for each series."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts.errors import DataError
from ssm_ts.models.forecasting_registry import build_forecasting_model
from ssm_ts.pipelines.forecasting.covariate_spans import feature_reads
from ssm_ts.pipelines.forecasting.series_features import fit_features


def test_the_features_of_many_series_are_read_in_time_linear_in_the_rows():
    """1,500 series of 20 rows, each with its own price and a static: the checks built a set of every
    row's series for each series and compared every row with each series (8.5 s; now ~0.1 s)."""
    n_series, n_times = 1500, 20
    ids = [f"s{i}" for i in range(n_series)]
    frame = pd.DataFrame({"unique_id": np.repeat(ids, n_times), "ds": np.tile(np.arange(n_times), n_series),
                          "y": 1.0, "price": 2.0})  # fmt: skip
    frame.loc[frame.index[-1], "price"] = np.nan  # an empty end: the check of the ends looks at rows
    static = pd.DataFrame({"unique_id": ids, "size": np.arange(n_series, dtype=float)})
    start = time.perf_counter()
    with pytest.raises(DataError, match=r"empty for series 's1499' at 1 of its times"):
        fit_features(frame, static, "ds", None, ["price"], [])
    frame.loc[frame.index[-1], "price"] = 2.0
    features, data, *_ = fit_features(frame, static, "ds", None, ["price"], [])
    assert time.perf_counter() - start < 1.5
    sizes = data[data["unique_id"].str.startswith("size[")]
    assert len(sizes) == n_series * n_times
    assert sizes.groupby("unique_id", sort=False)["y"].first().tolist()[:3] == [0.0, 1.0, 2.0]


def test_each_target_picks_its_own_covariates_without_repeating_them_all():
    """A channel-independent model of 500 series, each reading its own 2 of the 1,000 covariate
    channels: the forward pass repeated the windows' 1,000 channels for every series before picking 2
    (B x 500 x L x 1,000 values; GBs at 1,000 series). Each series still reads its own channels."""
    torch.manual_seed(0)
    n_series, lookback = 500, 16
    index = [[s, n_series + s] for s in range(n_series)]  # its price, then its static
    model = build_forecasting_model("s4d", lookback=lookback, horizon=2, n_channels=3 * n_series,
                                    n_outputs=n_series, covariate_index=index,
                                    options={"d_model": 8, "n_layers": 1}).eval()  # fmt: skip
    with torch.no_grad():  # away from the initialisation, where a covariate may move nothing
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.3)
    x = torch.randn(2, lookback, 3 * n_series)
    activities = [torch.profiler.ProfilerActivity.CPU]
    with torch.no_grad(), torch.profiler.profile(activities=activities, profile_memory=True) as prof:
        prediction = model(x).prediction
    largest = max(event.cpu_memory_usage for event in prof.events())
    assert largest < 20 * x.nelement() * x.element_size()  # the repeat held 500 x x
    bumped = x.clone()
    bumped[..., 2 * n_series + 7] += 5  # series 7's static (channel n_series + 7 of the covariates)
    with torch.no_grad():
        moved = (model(bumped).prediction - prediction).abs().amax(dim=(0, 1, 3)) > 0
        some = model(x, rows=torch.tensor([7, n_series + 9])).prediction
    assert torch.nonzero(moved).flatten().tolist() == [7]
    torch.testing.assert_close(some[0, :, 7], prediction[0, :, 7])
    torch.testing.assert_close(some[1, :, 9], prediction[1, :, 9])


def test_which_series_reads_each_feature_is_told_in_time_linear_in_the_covariates():
    """3,000 series with 3 features each: every covariate name was tried against every series (O(9M),
    seconds at each data read); the owner is read from the name's brackets (odd ids that name two
    series keep the last, as before)."""
    n_series = 3000
    targets = [f"s{i}" for i in range(n_series)]
    spec = SimpleNamespace(
        targets=targets,
        past_covariates=[f"price[{t}]" for t in targets] + ["temp"],
        future_covariates=[f"size[{t}]" for t in targets] + [f"promo[{t}]" for t in targets],
    )
    start = time.perf_counter()
    reads = feature_reads(spec)
    assert time.perf_counter() - start < 1.0
    assert reads[5] == [n_series, 5, n_series + 6, 2 * n_series + 6]
    odd = SimpleNamespace(targets=["1", "11", "a[1"], past_covariates=["x[11]", "x[1]", "x[a[1]", "hour"],
                          future_covariates=[])  # fmt: skip
    assert feature_reads(odd) == [[3, 1], [3, 0], [3, 2]]
