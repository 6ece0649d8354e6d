"""A ragged panel: series of a long table that start and end at different times (real ETTh1 columns).

Each series trains on windows inside its own span, is scaled by its own training rows, and
forecasts (and backtests) after its own last observed time; a multivariate model and series too
short for a window are errors that name the series and the fix.
"""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule

LOOKBACK, HORIZON = 48, 12
# rows [first, end) of ``ett`` (the first 1,200 rows of ETTh1, tests/conftest.py) each series keeps:
# OT whole, the others start later and/or end earlier
SPANS = {"OT": (0, 1200), "HUFL": (100, 1150), "LUFL": (300, 1200), "MUFL": (0, 1100)}


def ragged_table(ett: pd.DataFrame, spans: dict[str, tuple[int, int]] = SPANS) -> pd.DataFrame:
    """``unique_id, ds, y`` with series ``name`` holding ETTh1 rows ``spans[name]``."""
    pieces = [
        pd.DataFrame({"unique_id": name, "ds": ett["date"].iloc[a:b], "y": ett[name].iloc[a:b]})
        for name, (a, b) in spans.items()
    ]
    return pd.concat(pieces, ignore_index=True)


def quiet_nlinear(out_dir: str) -> Forecaster:
    """A one-epoch NLinear forecaster with quantiles 0.1 and 0.9, without MLflow or progress output,
    in one thread."""
    torch.set_num_threads(1)
    return Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9],
                      max_epochs=1, log_to_mlflow=False, out_dir=out_dir,
                      trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory):
    forecaster = quiet_nlinear(str(tmp_path_factory.mktemp("out")))
    return forecaster.fit(ragged_table(ett))


def test_windows_lie_inside_each_span_and_match_a_hand_count(ett):
    module = ForecastDataModule.from_frame(ragged_table(ett), lookback=LOOKBACK, horizon=HORIZON)
    module.setup("fit")
    assert module.ragged and module.spec.targets == ["HUFL", "LUFL", "MUFL", "OT"]
    # standard split of the 1,200 shared rows: train [0, 840), val [840, 960), test [960, 1200).
    # A window of 60 rows starting at s counts for a series if [s, s + 60) lies inside its span:
    # train s in 0..780: HUFL s 100..780 (681), LUFL 300..780 (481), MUFL and OT 781 each;
    # val s in 792..900: 109 for each series; test s in 912..1140: HUFL s <= 1090 (179), LUFL 229,
    # MUFL s <= 1040 (129), OT 229.
    hand = {"train": 681 + 481 + 781 + 781, "val": 4 * 109, "test": 179 + 229 + 129 + 229}
    for split, expected in hand.items():
        windows = module.windows(split)
        assert windows.n_series_windows == expected, split
        for index in range(len(windows)):
            x, y = windows[index]
            start = int(windows.starts[index])
            for j, name in enumerate(module.spec.targets):
                first, end = SPANS[name]
                inside = first <= start and start + LOOKBACK + HORIZON <= end
                assert bool(windows.valid[index, j]) == inside
                if inside:  # the series' own data, no cell outside its span
                    rows = slice(start, start + LOOKBACK + HORIZON)
                    np.testing.assert_array_equal(torch.cat([x[:, j], y[:, j]]).numpy(), ett[name].iloc[rows])
                else:
                    assert y[:, j].isnan().all()


def test_each_series_is_scaled_by_its_own_training_rows(ett):
    module = ForecastDataModule.from_frame(ragged_table(ett), lookback=LOOKBACK, horizon=HORIZON)
    module.setup("fit")
    scaler = module.scaler
    for j, name in enumerate(module.spec.targets):
        first, end = SPANS[name]
        own = ett[name].iloc[first : min(end, module.bounds.train_end)].to_numpy()
        assert scaler.mean[j] == pytest.approx(own.mean(), rel=1e-12)
        assert scaler.scale[j] == pytest.approx(own.std(), rel=1e-12)


def test_each_series_forecasts_after_its_own_last_time_from_its_own_window(fitted, ett):
    forecast = fitted.predict()
    task = fitted.task_
    x = np.stack([ett[name].iloc[SPANS[name][1] - LOOKBACK : SPANS[name][1]].to_numpy()
                  for name in fitted.spec_.targets], axis=1)  # fmt: skip
    with torch.no_grad():
        expected = task.forecast(torch.tensor(x, dtype=torch.float64)[None]).numpy()[0]  # (H, C, Q)
    for j, name in enumerate(fitted.spec_.targets):
        own = forecast[forecast["unique_id"] == name]
        last = ett["date"].iloc[SPANS[name][1] - 1]
        assert own["ds"].tolist() == list(pd.date_range(last, periods=HORIZON + 1, freq="h")[1:])
        np.testing.assert_array_equal(own["y"].to_numpy(), expected[:, j, 1])
        np.testing.assert_array_equal(own["y_q0.9"].to_numpy(), expected[:, j, 2])
    # wide: the union of the future times, NaN where a series has no forecast
    wide = fitted.predict(long=False)
    assert len(wide) == 3 * HORIZON  # OT and LUFL end together; HUFL and MUFL on their own
    assert wide["MUFL"].notna().sum() == HORIZON and wide["OT"].notna().sum() == HORIZON
    # channel independence: another series' history does not change a series' forecast
    shorter = ragged_table(ett, {**SPANS, "OT": (0, 1000)})
    again = fitted.predict(shorter)
    np.testing.assert_array_equal(
        again[again["unique_id"] == "MUFL"]["y"], forecast[forecast["unique_id"] == "MUFL"]["y"]
    )


def test_backtest_cutoffs_are_per_series_and_windows_equal_predict_up_to_them(fitted, ett):
    data = ragged_table(ett)
    backtest = fitted.backtest(data, n_windows=3, step=HORIZON)
    assert list(backtest.columns) == [
        "cutoff",
        "unique_id",
        "ds",
        "y",
        "y_q0.1",
        "y_q0.5",
        "y_q0.9",
        "y_actual",
    ]
    for name, (_, end) in SPANS.items():
        own = backtest[backtest["unique_id"] == name]
        cutoffs = sorted(own["cutoff"].unique())
        assert cutoffs == [ett["date"].iloc[end - 1 - HORIZON * (3 - i)] for i in range(3)]
        np.testing.assert_array_equal(own["y_actual"], ett[name].iloc[end - 3 * HORIZON : end])
        for cutoff in cutoffs:  # the series cut at the cutoff, the others whole
            forecast = fitted.predict(data[(data["unique_id"] != name) | (data["ds"] <= cutoff)])
            forecast = forecast[forecast["unique_id"] == name]
            window = own[own["cutoff"] == cutoff]
            assert window["ds"].tolist() == forecast["ds"].tolist()
            np.testing.assert_array_equal(window["y"].to_numpy(), forecast["y"].to_numpy())
    wide = fitted.backtest(data, n_windows=3, step=HORIZON, long=False)
    assert wide["MUFL_actual"].notna().sum() == 3 * HORIZON and "cutoff" in wide.columns


def test_a_saved_model_and_its_pyfunc_forecast_as_the_fitted_one(fitted, tmp_path):
    from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc, input_example

    expected = fitted.predict()
    loaded = Forecaster.load(fitted.save(tmp_path / "model"))
    pd.testing.assert_frame_equal(loaded.predict(), expected)
    pyfunc = ForecastPyfunc()
    pyfunc.load_context(types.SimpleNamespace(artifacts={"forecaster": str(tmp_path / "model")}))
    pd.testing.assert_frame_equal(pyfunc.predict(None, pd.DataFrame()), expected)
    example = input_example(fitted.history_, fitted.spec_, LOOKBACK, HORIZON)
    assert example.groupby("unique_id").size().tolist() == [LOOKBACK] * 4  # each series' own last rows
    assert example["y"].notna().all()
    pd.testing.assert_frame_equal(pyfunc.predict(None, example), expected)


def test_plot_draws_each_series_over_its_own_span(fitted):
    import matplotlib.pyplot as plt

    figure = fitted.plot(n_history=10_000)
    for ax in figure.axes:
        history, forecast = ax.get_lines()[:2]
        first, end = SPANS[ax.get_ylabel()]
        assert len(history.get_xdata()) == end - first and len(forecast.get_xdata()) == HORIZON
    plt.close(figure)


def test_ragged_panel_errors_name_the_series_and_the_fix(fitted, ett, tmp_path):
    options = dict(
        lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path)
    )
    with pytest.raises(DataError, match=r"'HUFL' \(1050 rows.*channel_independent=True"):
        Forecaster(model="nlinear", channel_independent=False, **options).fit(ragged_table(ett))
    late = {**SPANS, "LUFL": (800, 1200)}  # 40 training rows: no training window of 60
    with pytest.raises(DataError, match=r"1 of 4 series has no training window.*'LUFL' \(400 rows"):
        Forecaster(model="nlinear", **options).fit(ragged_table(ett, late))
    short = ragged_table(ett, {**SPANS, "MUFL": (1070, 1100)})
    # a channel-independent model forecasts the series a long table holds: leaving the short one out works
    with pytest.raises(DataError, match=r"lookback\) of every series; 1 series has fewer: 'MUFL' \(30 rows.*"
                       r"Pass a longer history of them. A channel-independent model given a long table "
                       r"forecasts the series it holds, so one without them forecasts the others"):  # fmt: skip
        fitted.predict(short)
    with pytest.raises(DataError, match=r"need 348 rows of each series.*'MUFL' \(30 rows.*fewer windows.*"
                       r"a longer history of those series, or leave them out of a long table"):  # fmt: skip
        fitted.backtest(short, n_windows=25)
    others = short[short["unique_id"] != "MUFL"]
    assert set(fitted.predict(others)["unique_id"]) == {"HUFL", "LUFL", "OT"}
    assert set(fitted.backtest(others, n_windows=25)["unique_id"]) == {"HUFL", "LUFL", "OT"}


def test_masked_loss_is_the_loss_of_the_valid_values_only(fitted):
    task = fitted.task_
    prediction = torch.randn(4, HORIZON, 4, 3)
    y = torch.randn(4, HORIZON, 4)
    y_ragged = y.clone()
    y_ragged[:2, :, 1] = float("nan")
    valid = ~y_ragged.isnan()
    expected = task.loss_fn(prediction[valid].reshape(1, -1, 1, 3), y[valid].reshape(1, -1, 1))
    assert task._loss(prediction, y_ragged).item() == pytest.approx(expected.item(), rel=1e-6)
    assert task._loss(prediction, y).item() == task.loss_fn(prediction, y).item()


# ---------------------------------------------------------------- rectangular panels: as before

PINNED_COMMIT = "69bc5bca0a111f5a95247ccf35948afaeec8f122"  # the last commit before ragged panels
_PRELUDE = r"""
import importlib.util, json, pickle, sys
from pathlib import Path

root, data, out = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
packages = {"ssm_ts": root / "ssm_ts", "ssm_ts.kernels": root / "kernels", "ssm_ts.pipelines": root / "pipelines"}


class Finder:  # the code under ``root``, whatever the installed package points at
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name in packages:
            return importlib.util.spec_from_file_location(
                name, packages[name] / "__init__.py", submodule_search_locations=[str(packages[name])])
        return None


sys.meta_path.insert(0, Finder)
import pandas as pd, torch
torch.set_num_threads(1)
"""
_RUN_RECTANGULAR = (
    _PRELUDE
    + r"""
from ssm_ts import Forecaster
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tracking.pyfunc_forecast import input_example

ett = pd.read_csv(data, parse_dates=["date"]).iloc[:600]
long = pd.concat([pd.DataFrame({"unique_id": n, "ds": ett["date"], "y": ett[n]}) for n in ("OT", "HUFL", "LUFL")])
wide = ett[["date", "OT", "HUFL", "MUFL"]]
results = {}
for name, table, fit in (("long", long, {}), ("wide", wide, {"target": "OT", "past_covariates": ["HUFL", "MUFL"]})):
    module = ForecastDataModule.from_frame(table, lookback=24, horizon=6, **fit)
    module.setup("fit")
    x, y = next(iter(module.train_dataloader()))
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, quantiles=[0.1, 0.9], max_epochs=1, log_to_mlflow=False,
                    out_dir=str(Path(out).parent / name), trainer_options={"enable_progress_bar": False})
    fc.fit(table, **fit)
    fc.save(Path(out).parent / f"{name}-export")
    results[name] = {
        "batch": (x.numpy(), y.numpy()), "scaler": module.scaler.to_dict(), "metrics": fc.metrics_,
        "n_windows": [len(module.windows(s)) for s in ("train", "val", "test")],
        "predict": fc.predict(), "predict_wide": fc.predict(long=False), "future_times": fc.future_times(),
        "backtest": fc.backtest(table, n_windows=3), "backtest_wide": fc.backtest(table, n_windows=3, long=False),
        "history": fc.history_, "example": input_example(fc.history_, fc.spec_, 24, 6),
        "extras": json.loads((Path(out).parent / f"{name}-export" / "extras.json").read_text()),
        "loaded": Forecaster.load(Path(out).parent / f"{name}-export").predict(),
    }
Path(out).write_bytes(pickle.dumps(results))
"""
)


def _results_before_and_after(old, repo, data, folder, code: str = _RUN_RECTANGULAR):
    """``(before, after)``: what ``code`` gives with the code under ``old`` (a one-thread process) and
    with this checkout's code, run in this process on one thread while the other runs (one a core).
    Running the current code here saves a process's imports (torch, Lightning: most of its time)."""
    import os
    import pickle
    import subprocess
    import sys

    outs = {}
    for name in ("before", "after"):
        outs[name] = folder / name / "out.pkl"
        outs[name].parent.mkdir(parents=True)
    script = outs["before"].parent / "run.py"
    script.write_text(
        code + "\nimport os\nos._exit(0)  # its results are written: skip the interpreter's teardown\n"
    )
    process = subprocess.Popen([sys.executable, str(script), str(old), str(data), str(outs["before"])],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    try:
        _run_here(code, data, outs["after"])
    finally:
        stderr = process.communicate()[1]  # it ends before any assert
    assert process.returncode == 0, stderr[-3000:]
    assert repo / "ssm_ts" == _imported_package_folder()  # "after" is this checkout's code
    return tuple(pickle.loads(outs[name].read_bytes()) for name in ("before", "after"))


def _run_here(code: str, data, out) -> None:
    """``code`` less its prelude (which points the imports at a folder) in this process, one thread."""
    import json
    import pickle
    from pathlib import Path

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        names = {"data": str(data), "out": str(out), "Path": Path, "json": json, "pickle": pickle, "pd": pd}
        exec(code.removeprefix(_PRELUDE), {**names, "torch": torch, "__name__": "__run_here__"})
    finally:
        torch.set_num_threads(threads)


def _imported_package_folder():
    from pathlib import Path

    import ssm_ts

    return Path(ssm_ts.__file__).resolve().parent


def _code_at(commit: str, into):
    """The ``ssm_ts``, ``pipelines`` and ``kernels`` folders of ``commit`` extracted under ``into``."""
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(repo), "archive", commit, "ssm_ts", "pipelines", "kernels"],
                             capture_output=True)  # fmt: skip
    if archive.returncode:
        pytest.skip(f"commit {commit[:7]} not in this checkout's history")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return repo


def test_rectangular_panels_give_bit_identical_results_to_before(shared_data, tmp_path):
    """Long and wide (with covariates) rectangular panels: batches, scaler, metrics, forecasts,
    backtests, exports and the pyfunc example as the code before ragged panels gave them."""
    old = tmp_path / "old"
    repo = _code_at(PINNED_COMMIT, old)
    data = shared_data / "forecasting" / "ETTh1.csv"
    before, after = _results_before_and_after(old, repo, data, tmp_path)
    for name in ("long", "wide"):
        was, now = before[name], after[name]
        for key in ("predict", "predict_wide", "backtest", "backtest_wide", "history", "example", "loaded"):
            pd.testing.assert_frame_equal(now[key], was[key], check_exact=True, obj=f"{name} {key}")
        for a, b in zip(now["batch"], was["batch"], strict=True):
            np.testing.assert_array_equal(a, b)
        pd.testing.assert_index_equal(now["future_times"], was["future_times"], exact=True)
        for key in ("scaler", "metrics", "n_windows", "extras"):
            assert now[key] == was[key], f"{name} {key}"


def test_cli_predict_writes_each_series_forecast_after_its_own_end(fitted, ett, tmp_path):
    """``ssm-ts forecast predict``: the data module's window and ``forecast.csv`` per series."""
    module = ForecastDataModule.from_frame(ragged_table(ett), lookback=LOOKBACK, horizon=HORIZON)
    module.fitted_spec = fitted.spec_
    (batch,) = list(module.predict_dataloader())
    with torch.no_grad():
        prediction = fitted.task_.predict_step(batch, 0)
    csv_path, _ = fitted.task_.write_predictions([prediction], module, tmp_path)
    written = pd.read_csv(csv_path, parse_dates=["ds"])
    expected = fitted.predict()
    assert written["unique_id"].tolist() == expected["unique_id"].tolist()
    assert written["ds"].tolist() == expected["ds"].tolist()
    np.testing.assert_allclose(written["y"], expected["y"], rtol=1e-12)


# ---------------------------------------------------------------- SpaceTime's auxiliary loss

PINNED_BEFORE_MASKED_AUX = (
    "371cc9a847aa719e4f3d18c76b8e40f98f89f891"  # the last commit before the aux terms took a validity mask
)
_RUN_SPACETIME = (
    _PRELUDE
    + r"""
from ssm_ts import Forecaster
from ssm_ts.models.forecasting_registry import build_forecasting_model

ett = pd.read_csv(data, parse_dates=["date"]).iloc[:500]
long = pd.concat([pd.DataFrame({"unique_id": n, "ds": ett["date"], "y": ett[n]}) for n in ("OT", "HUFL", "LUFL")])
options = {"d_model": 8, "d_state": 8, "n_layers": 1, "instance_norm": "mean_std"}
fc = Forecaster(model="spacetime", lookback=24, horizon=6, max_epochs=1, batch_size=64, model_options=options,
                log_to_mlflow=False, out_dir=str(Path(out).parent / "fit"), trainer_options={"enable_progress_bar": False})
fc.fit(long)
torch.manual_seed(0)
model = build_forecasting_model("spacetime", lookback=24, horizon=6, n_channels=3, n_outputs=2, options=options)
out_ = model(torch.randn(5, 24, 3))
out_.aux_loss.backward()
results = {"metrics": fc.metrics_, "predict": fc.predict(),
           "weights": {k: v.numpy() for k, v in fc.task_.state_dict().items()},
           "aux": out_.aux_loss.item(), "prediction": out_.prediction.detach().numpy(),
           "grads": {k: p.grad.numpy() for k, p in model.named_parameters() if p.grad is not None}}
Path(out).write_bytes(pickle.dumps(results))
"""
)


def test_spacetime_on_a_rectangular_panel_is_bit_identical_to_before_the_mask(shared_data, tmp_path):
    """Without a mask (a rectangular panel) SpaceTime's aux loss, gradients, a 1-epoch fit's weights,
    metrics and forecasts are exactly those of the code before the validity mask."""
    old = tmp_path / "old"
    repo = _code_at(PINNED_BEFORE_MASKED_AUX, old)
    data = shared_data / "forecasting" / "ETTh1.csv"
    before, after = _results_before_and_after(old, repo, data, tmp_path, _RUN_SPACETIME)
    assert after["aux"] == before["aux"] and after["metrics"] == before["metrics"]
    pd.testing.assert_frame_equal(after["predict"], before["predict"], check_exact=True)
    np.testing.assert_array_equal(after["prediction"], before["prediction"])
    for key in ("weights", "grads"):
        assert after[key].keys() == before[key].keys()
        for name, value in after[key].items():
            np.testing.assert_array_equal(value, before[key][name], err_msg=f"{key} {name}")


def test_spacetime_fit_on_a_ragged_panel_counts_only_valid_series_in_its_aux_loss(ett, tmp_path, monkeypatch):
    """A 1-epoch SpaceTime fit (instance_norm="mean_std": the zero-filled series have std 0) on real
    ETTh1 series of different spans: each training step hands the model the mask of the series its
    windows are valid for (all training (window, series) pairs once per epoch), the aux loss is
    finite, and so are the validation metrics."""
    from ssm_ts.models.forecast_base import ForecastModel

    spans = {"OT": (0, 1200), "HUFL": (100, 1150), "LUFL": (300, 1200)}
    table = ragged_table(ett, spans)
    seen = []
    original = ForecastModel.forward

    def spy(self, x, valid=None, rows=None):
        out = original(self, x, valid=valid, rows=rows)
        if self.training:
            seen.append((valid, out.aux_loss.detach()))
        return out

    monkeypatch.setattr(ForecastModel, "forward", spy)
    torch.set_num_threads(1)
    forecaster = Forecaster(model="spacetime", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, batch_size=71,
                            model_options={"d_model": 16, "d_state": 16, "n_layers": 1, "instance_norm": "mean_std"},
                            log_to_mlflow=False, out_dir=str(tmp_path), patience=None,
                            trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    forecaster.fit(table)
    module = ForecastDataModule.from_frame(table, lookback=LOOKBACK, horizon=HORIZON)
    module.setup("fit")
    assert seen and all(valid is not None for valid, _ in seen)
    masks = torch.cat([valid for valid, _ in seen])
    assert not masks.all()  # windows before HUFL / LUFL start are in the batches
    # HUFL 100..780 (681), LUFL 300..780 (481), OT 0..780 (781) training windows of 60 rows; batches
    # of 71 split the 781 windows evenly, so the epoch drops no last batch
    assert int(masks.sum()) == module.windows("train").n_series_windows == 681 + 481 + 781
    assert all(torch.isfinite(aux) for _, aux in seen)
    for key in ("val_loss", "val_mse", "test_loss"):
        assert np.isfinite(forecaster.metrics_[key]), key
    assert np.isfinite(forecaster.predict()["y"]).all()
