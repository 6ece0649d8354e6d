"""A continued grid search tries every grid point once. Optuna's GridSampler shuffles its grid by its
seed and stores each trial's point as an index into that order; a continued search reseeded it (the seed
plus the trials so far, which keeps TPE from drawing the first run's settings again), so the stored
indices named other points: the continued search ran a point again and never ran another."""

from __future__ import annotations

from ssm_ts.api.tuning import tune_forecaster

SMALL = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=1,
             trainer_options={"limit_train_batches": 5}, log_to_mlflow=False)  # fmt: skip


def test_a_continued_grid_search_runs_each_point_once(ett, single_thread, fits, tmp_path):
    space = {"lr": [1e-3, 3e-3], "model_options.instance_norm": ["last", "none"]}
    kwargs = dict(
        sampler="grid", storage=f"sqlite:///{tmp_path / 'optuna.db'}", out_dir=str(tmp_path), **SMALL
    )
    tune_forecaster(ett, space, n_trials=1, **kwargs)
    result = tune_forecaster(ett, space, **kwargs)  # the rest of the grid: 4 points in all
    assert result.earlier_trials == 1 and len(fits) == 4
    points = sorted(zip(result.trials["lr"], result.trials["model_options.instance_norm"], strict=True))
    assert points == [(1e-3, "last"), (1e-3, "none"), (3e-3, "last"), (3e-3, "none")]
