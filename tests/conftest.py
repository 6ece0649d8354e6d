"""Shared fixtures: the real data in ../shared/data, and a quiet, deterministic torch."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import torch

if TYPE_CHECKING:
    import pandas as pd

    from ssm_ts import Forecaster
    from ssm_ts.pipelines.sensor import SeriesSet

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SSM_TS_TEST_DATA", REPO_ROOT.parent / "shared" / "data"))
# what fits leave in the environment: Lightning's seed_everything its seed and whether loader workers are
# seeded, a DDP fit (ddp_spawn) the port of its rendezvous, which the next DDP fit would reuse
LEFT_BY_FITS = ("PL_GLOBAL_SEED", "PL_SEED_WORKERS", "MASTER_PORT")


MOST_WORKERS = 8  # each worker holds torch, Lightning and MLflow: about 1.5 GB


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker a core, at most :data:`MOST_WORKERS`; none (this process) for tests of
    one file, which run in one worker anyway (``--dist loadfile``) after starting the others for
    nothing (about 10 s)."""
    files = {Path(arg.split("::", 1)[0]) for arg in config.args}
    if len(files) == 1 and next(iter(files)).is_file():
        return 0
    return max(1, min(os.cpu_count() or 1, MOST_WORKERS))


def pytest_configure(config: pytest.Config) -> None:
    """Split the cores between pytest-xdist's workers (``-n``): one torch thread each on two cores.

    Two workers with two threads each on two cores oversubscribe them, and small ops then ran up to 60x
    slower (see :func:`single_thread`). ``OMP_NUM_THREADS`` carries the split to what a test starts (CLI
    subprocesses, notebook kernels, DDP processes)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        threads = max(1, (os.cpu_count() or 1) // workers)
        os.environ["OMP_NUM_THREADS"] = str(threads)
        torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data sets beside the project (../shared/data). Missing data fails, never skips."""
    if not SHARED_DATA.is_dir():
        pytest.fail(
            f"test data not found at {SHARED_DATA}: clone the project next to shared/ (../shared/data)"
        )
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _seed_and_isolate(tmp_path, monkeypatch):
    """Seed torch, and keep MLflow stores and outputs inside each test's tmp_path.

    Lightning's ``seed_everything`` (a front end's ``seed``, a CLI ``--seed_everything``) leaves its seed
    in the environment (``PL_GLOBAL_SEED``), and a CLI fit without ``--seed_everything`` then seeds with
    it instead of 0: such a fit trained another model after an earlier test's ``seed=3`` than alone
    (tests/cli/test_cli_machinery.py's line fit missed its slope). Each test starts and ends without it
    (:data:`LEFT_BY_FITS`, also a shell's), so module fixtures made between tests do not see it either.

    Lightning's MLflow logger sets MLflow's process-wide tracking URI (``mlflow.set_tracking_uri``), which
    takes precedence over ``MLFLOW_TRACKING_URI``: after a logged fit, ``mlflow.get_run`` or
    ``MlflowClient()`` in the next test read the previous test's store. It is unset after each test."""
    torch.manual_seed(0)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    # a developer's shell may name an experiment; the tests expect each use's default (ssm-ts-<use>)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)  # (a default front end's experiment too)
    for name in LEFT_BY_FITS:
        os.environ.pop(name, None)  # not monkeypatch: it would put back what a module fixture's fit left
    yield
    for name in LEFT_BY_FITS:
        os.environ.pop(name, None)
    verbosity = sys.modules.get("ssm_ts.training.verbosity")
    if verbosity is not None and verbosity.verbose_chosen():  # a --verbose test's choice lasts the process
        verbosity.set_verbosity(False)
    # (only where MLflow was imported: importing it for a test that never did would cost seconds); None
    # also unsets MLFLOW_TRACKING_URI, which monkeypatch then restores
    if "mlflow" in sys.modules:
        sys.modules["mlflow"].set_tracking_uri(None)
        # mlflow.set_experiment (a test of a fit inside the user's run) keeps its experiment in the module
        # and in MLFLOW_EXPERIMENT_ID, outside monkeypatch: a later notebook's kernel inherited it and its
        # fit logged to that id, not to ssm-ts-<use> (a developer's own value is put back by monkeypatch)
        sys.modules["mlflow"].tracking.fluent._active_experiment_id = None
        os.environ.pop("MLFLOW_EXPERIMENT_ID", None)


@pytest.fixture
def single_thread():
    """One torch thread: small ops on a busy shared CPU ran up to 60x slower with two (measured)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def gunpoint_ucr(shared_data) -> tuple[SeriesSet, SeriesSet]:
    """GunPoint (UCR) ``(TRAIN, TEST)`` as ``read_ts`` reads them: 50 and 150 univariate recordings of
    150 steps, labels "1" and "2". Read once a module (a test may change what it is given)."""
    from ssm_ts.pipelines.sensor import read_ts  # here: the sensor pipeline takes seconds to import

    folder = shared_data / "classification" / "GunPoint"
    return read_ts(folder / "GunPoint_TRAIN.ts"), read_ts(folder / "GunPoint_TEST.ts")


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """The first 1,200 hourly rows of ETTh1 (``date`` parsed, 7 series), read once a module. A module
    that needs another slice or file defines its own ``ett``, which takes precedence."""
    import pandas as pd

    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:1200]


@pytest.fixture(scope="session")
def co2_interpolated_fit(tmp_path_factory) -> tuple[Forecaster, Path]:
    """``(forecaster, csv path)``: nlinear fitted 1 epoch on the weekly CO2 CSV with its gaps filled by
    ``fill="interpolate"`` (no MLflow). Tests only read it (backtest, history_), never refit it."""
    from ssm_ts import Forecaster
    from ssm_ts.datasets import write_co2_csv

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("co2")
    path = write_co2_csv(folder / "co2.csv")
    fc = Forecaster(
        model="nlinear", lookback=52, horizon=13, max_epochs=1, seed=0, log_to_mlflow=False,
        out_dir=str(folder / "out"), trainer_options={"enable_progress_bar": False, "enable_model_summary": False},
    )  # fmt: skip
    fc.fit(path, time_col="date", target="co2", fill="interpolate")
    torch.set_num_threads(threads)
    return fc, path


@pytest.fixture(scope="session")
def basicmotions_random_features_cli_fit(shared_data, tmp_path_factory) -> tuple[Path, str, str]:
    """``(last.ckpt, tracking URI, run id)`` of one ``ssm-ts classify fit`` with the random-features
    BasicMotions config (tests/cli/test_classify_cli.py ``fit_random_features``). Tests only read it
    (its checkpoint, its logged model): a test that writes into its ``out`` fits its own."""
    from tests.cli.test_classify_cli import fit_random_features

    folder = shared_data / "classification" / "BasicMotions"
    return fit_random_features(folder, tmp_path_factory.mktemp("basicmotions_random_features"))


@pytest.fixture(scope="session", autouse=True)
def _mlflow_tables_from_a_template(tmp_path_factory):
    """A new sqlite MLflow store gets its tables as a copy of one store migrated once a session.

    MLflow builds a new store's tables by running all its alembic migrations: ~0.8 s a store, and a
    test that logs makes its own store (tests/tracking, the CLI machinery and concurrent fits took 69 s
    with migrations, 35 s with copies). Copying the migrated schema (sqlite's backup API)
    takes ~0.03 s and gives the same tables and alembic version; MLflow still makes the Default
    experiment itself, after. MLflow's own log line is kept (tests check that the CLI silences it).
    In-process stores only: the processes a test starts migrate their own."""
    import sqlite3
    import threading

    try:
        from mlflow.store.db import utils
    except ImportError:  # an image without MLflow (a lent GPU's, for tests/gpu, which log nothing)
        yield
        return

    migrate = utils._initialize_tables
    template = tmp_path_factory.mktemp("mlflow_template") / "mlflow.db"
    lock = threading.Lock()

    def from_template(engine) -> None:
        if engine.dialect.name != "sqlite":
            return migrate(engine)
        with lock:
            if not template.exists():
                import sqlalchemy

                made = sqlalchemy.create_engine(f"sqlite:///{template}")
                migrate(made)
                made.dispose()
        utils._logger.info("Creating initial MLflow database tables...")
        connection = engine.raw_connection()
        source = sqlite3.connect(template)
        try:
            source.backup(connection.driver_connection)
        finally:
            source.close()
            connection.close()
        return None

    from_template.migrate = migrate  # for tests/test_mlflow_store_template.py
    utils._initialize_tables = from_template
    yield
    utils._initialize_tables = migrate


@pytest.fixture
def in_tmp(shared_data, tmp_path, monkeypatch, single_thread) -> Path:
    """A test's own folder as the working directory, with the shared data as the data home (so CLI runs
    name data sets such as ``--data.path ETTh1``)."""
    from ssm_ts.data_fetch import ENV_DATA_HOME

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    return tmp_path
