"""A long table's per-series inputs, as neuralforecast users give them: exogenous columns whose values
differ by series (``unique_id, ds, y, load``) and ``fit(df, static_df=...)``. Two series of ETTh1 (OT
and HUFL), each with its own load column, make the long table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.models.forecasting_registry import build_forecasting_model
from ssm_ts.pipelines.forecasting.series_features import read_static_df
from tests.series_features_data import STATIC as SIZES
from tests.series_features_data import long_table, tiny_forecaster


@pytest.fixture(scope="module")
def long_df(ett) -> pd.DataFrame:
    """OT with MULL as its load, HUFL with LULL (other values)."""
    return long_table(ett)


# the sizes and a boolean static (get_dummies' columns are booleans)
STATIC = SIZES.assign(indoor=[True, False])


@pytest.fixture(scope="module")
def fitted(long_df, tmp_path_factory) -> Forecaster:
    torch.set_num_threads(1)
    fc = tiny_forecaster(tmp_path_factory.mktemp("static33"))
    return fc.fit(long_df, past_covariates=["load"], static_df=STATIC)


def test_each_series_reads_its_own_covariate_column(fitted, long_df):
    """A covariate column of a long table whose values differ by series: each series' own values are
    its input (they were refused: 'other columns are not read'), and only its own: changing HUFL's
    load moves HUFL's forecast, never OT's."""
    history = fitted.history_
    for name in ("OT", "HUFL"):
        own = long_df[long_df["unique_id"] == name]["load"].to_numpy()
        np.testing.assert_array_equal(history[f"load[{name}]"].to_numpy(), own)
    assert fitted.spec_.targets == ["HUFL", "OT"] and fitted.spec_.past_covariates == [
        "load[OT]",
        "load[HUFL]",
    ]
    before = fitted.predict(long_df)
    changed = long_df.assign(
        load=np.where(long_df["unique_id"] == "HUFL", long_df["load"] * 3 + 5, long_df["load"])
    )
    after = fitted.predict(changed)
    ot, hufl = (before["unique_id"] == "OT").to_numpy(), (before["unique_id"] == "HUFL").to_numpy()
    np.testing.assert_array_equal(after["y"].to_numpy()[ot], before["y"].to_numpy()[ot])
    assert not np.allclose(after["y"].to_numpy()[hufl], before["y"].to_numpy()[hufl])


def test_static_features_are_covariates_scaled_across_the_series(fitted):
    """Statics are known-future covariates constant in time, scaled over the series (per column, a
    constant scales to 0 and the model could not tell the series apart); booleans (get_dummies'
    columns) are read as 0/1."""
    spec = fitted.spec_
    assert spec.future_covariates == ["size[OT]", "size[HUFL]", "indoor[OT]", "indoor[HUFL]"]
    scaler = fitted.task_.scaler_state(spec.input_columns)
    values = np.array([10.0, 50.0, 1.0, 0.0])  # as the columns: size of OT, HUFL; indoor of OT, HUFL
    scaled = (values - np.array(scaler.mean[-4:])) / np.array(scaler.scale[-4:])
    scaled = dict(zip(scaler.columns[-4:], scaled.tolist(), strict=True))
    assert scaled == {"size[OT]": -1.0, "size[HUFL]": 1.0, "indoor[OT]": 1.0, "indoor[HUFL]": -1.0}
    # each target reads the shared covariates (none), then its own load, size and indoor
    covariates = [*spec.past_covariates, *spec.future_covariates]
    index = fitted.task_.hparams.covariate_index
    assert [[covariates[i] for i in row] for row in index] == [
        ["load[HUFL]", "size[HUFL]", "indoor[HUFL]"],
        ["load[OT]", "size[OT]", "indoor[OT]"],
    ]


def test_predict_backtest_and_a_loaded_model_reuse_the_stored_statics(fitted, long_df, tmp_path):
    """predict() needs no future rows of the user's (the statics are known), predict(df) and backtest(df)
    take the long table without static_df, and save/load keeps the statics."""
    forecast = fitted.predict()
    assert forecast.groupby("unique_id").size().to_dict() == {"HUFL": 6, "OT": 6}
    pd.testing.assert_frame_equal(fitted.predict(long_df), forecast)
    backtest = fitted.backtest(long_df, n_windows=1)
    assert set(backtest["unique_id"]) == {"OT", "HUFL"} and backtest["y"].notna().all()
    loaded = Forecaster.load(fitted.save(tmp_path / "model"))
    assert loaded.series_features_ == fitted.series_features_
    pd.testing.assert_frame_equal(loaded.predict(long_df), forecast)
    # a series the model was not fitted on (no scaler, no statics) gets no forecast, with a warning
    new = long_df[long_df["unique_id"] == "OT"].assign(unique_id="MUFL")
    with pytest.warns(
        UserWarning, match=r"series \['MUFL'\] is not among those the model was fitted to forecast"
    ):
        pd.testing.assert_frame_equal(loaded.predict(pd.concat([long_df, new], ignore_index=True)), forecast)
    with pytest.raises(DataError, match=r"has no column 'load': the model was fitted with the per-series"):
        loaded.predict(long_df.drop(columns="load"))
    with pytest.raises(
        DataError, match=r"has no rows of series \['HUFL'\]; the model reads per-series inputs"
    ):
        loaded.predict(long_df[long_df["unique_id"] == "OT"])


@pytest.mark.parametrize(
    ("static", "message"),
    [
        (STATIC.iloc[:1], r"static_df has no row for series \['HUFL'\] of the long table"),
        (pd.concat([STATIC, STATIC.iloc[:1]]), r"series 'OT' has 2 rows \(rows \[0, 2\].*drop_duplicates"),
        (
            STATIC.assign(size=[1.0, np.nan]),
            r"column 'size' is empty \(NaN\) or infinite for series \['HUFL'\]",
        ),
        (
            STATIC.assign(size=pd.array([1, None], dtype="Int64")),
            r"column 'size' is empty \(NaN\) or infinite",
        ),
        (STATIC.assign(load=[1.0, 2.0]), r"column 'load' is a column of the long table too.*rename"),
        (
            STATIC.rename(columns={"unique_id": "store"}),
            r"has no column 'unique_id'.*\{'store': 'unique_id'\}",
        ),
    ],
)
def test_a_bad_static_df_is_refused_before_training(long_df, static, message, tmp_path):
    with pytest.raises(DataError, match=message):
        tiny_forecaster(tmp_path).fit(long_df, static_df=static)


def test_a_text_static_is_refused_with_the_one_hot_fix_that_reads_it(long_df):
    """The error's get_dummies call, pasted, gives a static_df that is read."""
    static = STATIC.assign(region=["north", "south"])
    with pytest.raises(DataError, match=r"column 'region' holds text") as error:
        read_static_df(static, "unique_id", long_df, ["OT", "HUFL"])
    fix = str(error.value).split("One-hot encode it: ")[1].rstrip(".")
    scope = {"pd": pd, "static_df": static}
    exec(fix, scope)  # noqa: S102
    read = read_static_df(scope["static_df"], "unique_id", long_df, ["OT", "HUFL"])
    assert read["region_north"] == {"OT": 1.0, "HUFL": 0.0}


def test_a_covariate_column_given_for_some_series_only_is_refused(long_df, tmp_path):
    some = long_df.assign(load=long_df["load"].where(long_df["unique_id"] == "OT"))
    with pytest.raises(
        DataError, match=r"column 'load' \(a per-series covariate\) has no values for series \['HUFL'\]"
    ):
        tiny_forecaster(tmp_path).fit(some, past_covariates=["load"])


def test_static_df_of_a_csv_or_a_wide_table_names_the_fix(long_df, tmp_path):
    with pytest.raises(
        ConfigError, match=r"or both as DataFrames, fit\(pd.read_csv\(.*\), static_df=static_df\)"
    ):
        tiny_forecaster(tmp_path).fit(str(tmp_path / "long.csv"), static_df=STATIC)
    wide = long_df.pivot(index="ds", columns="unique_id", values="y").reset_index()
    with pytest.raises(DataError, match=r"the DataFrame is wide.*df.melt\(id_vars=\['ds'\]"):
        tiny_forecaster(tmp_path).fit(wide, static_df=STATIC)


def test_covariate_index_gives_each_folded_target_its_own_channels():
    """The model's channel-independent fold: target c reads the covariate channels of its row only."""
    torch.manual_seed(0)
    model = build_forecasting_model("s4d", lookback=8, horizon=2, n_channels=5, n_outputs=2,
                                    covariate_index=[[0, 1], [0, 2]], options={"d_model": 8, "n_layers": 1})  # fmt: skip
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.3)
    model.eval()
    x = torch.randn(3, 8, 5)
    moved = {}
    for channel in (2, 3, 4):  # the shared covariate, target 0's own, target 1's own
        bumped = x.clone()
        bumped[..., channel] += 5
        change = (model(bumped).prediction - model(x).prediction).abs().amax(dim=(0, 1, 3))
        moved[channel] = (change > 0).tolist()
    assert moved == {2: [True, True], 3: [True, False], 4: [False, True]}
    rows = torch.tensor([1, 4])  # (window 0, target 1), (window 2, target 0)
    some = model(x, rows=rows).prediction.permute(0, 2, 1, 3).reshape(6, 2)[rows]
    torch.testing.assert_close(some, model(x).prediction.permute(0, 2, 1, 3).reshape(6, 2)[rows])
    with pytest.raises(ConfigError, match=r"covariate_index must list, for each of the 2 targets"):
        build_forecasting_model(
            "nlinear", lookback=8, horizon=2, n_channels=5, n_outputs=2, covariate_index=[[0, 3]]
        )


def test_futr_df_gives_each_series_its_own_known_future_column(long_df, tmp_path):
    """neuralforecast's futr_df (unique_id, ds, the known-future column; the statics are stored) gives
    the forecast the rows appended to the history do."""
    ends = long_df.groupby("unique_id")["ds"].transform("max")
    last = long_df["ds"] > ends - pd.Timedelta(hours=6)  # each series' last 6 hours: the future
    history, futr_df = long_df[~last], long_df[last].drop(columns="y")
    fc = tiny_forecaster(tmp_path).fit(history, future_covariates=["load"], static_df=STATIC)
    appended = fc.predict(pd.concat([history, futr_df], ignore_index=True))
    pd.testing.assert_frame_equal(fc.predict(history, futr_df=futr_df), appended)
    with pytest.raises(DataError, match=r"the futr_df DataFrame has no column 'load'"):
        fc.predict(history, futr_df=futr_df.drop(columns="load"))


def test_the_future_rows_of_many_series_statics_are_one_frame():
    """predict() of 300 series' statics built its future rows a column at a time: pandas'
    PerformanceWarning (a fragmented frame) at every fit and forecast."""
    import warnings

    from ssm_ts.pipelines.forecasting.series_features import SeriesFeatures
    from ssm_ts.pipelines.forecasting.series_spec import SeriesSpec

    names = [f"store_{i}" for i in range(300)]
    features = SeriesFeatures(
        "unique_id", "y", names, statics={"size": {n: float(i) for i, n in enumerate(names)}}
    )
    spec = SeriesSpec(time_col="ds", targets=names, freq="D", future_covariates=features.covariates()[1])
    frame = pd.DataFrame(columns=["ds", *spec.input_columns])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = features.future_rows(frame, spec, pd.date_range("2024-01-01", periods=3))
    assert list(rows.columns) == list(frame.columns) and rows["size[store_299]"].tolist() == [299.0] * 3
    assert rows[names].isna().all().all()


def test_a_covariate_column_empty_at_a_series_start_is_refused_with_a_fix_that_fits(long_df, tmp_path):
    """HUFL's first loads missing: outside the covariate's own span no check or fill reached them, and
    the fit stopped at its first batch with a NaN loss. The error's fix, pasted, fits."""
    df = long_df.copy()
    df.loc[df.index[(df["unique_id"] == "HUFL").to_numpy()][:10], "load"] = np.nan
    with pytest.raises(
        DataError, match=r"column 'load' \(a per-series covariate\) is empty for series 'HUFL' at 10"
    ) as error:
        tiny_forecaster(tmp_path).fit(df, past_covariates=["load"])
    scope = {"df": df}
    exec(str(error.value).split("leave those rows out: ")[1].rstrip("."), scope)  # noqa: S102
    fc = tiny_forecaster(tmp_path).fit(scope["df"], past_covariates=["load"])
    assert np.isfinite(fc.metrics_["val_loss"]) and fc.predict()["y"].notna().all()
