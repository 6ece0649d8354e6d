"""The quiet or verbose choice reaches MLflow's later import without writing ``MLFLOW_LOGGING_LEVEL`` into
the process's environment: a process it starts afterwards (``mlflow ui`` from a notebook, a script's
subprocess) keeps the user's own value, or MLflow's default, as before fits stopped importing MLflow."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CHOICE_THEN_IMPORT = textwrap.dedent(
    """
    import importlib.util, logging, os, subprocess, sys
    from ssm_ts.training import set_verbosity

    set_verbosity(sys.argv[1] == "verbose")
    if sys.argv[1] == "verbose":  # quiet first, then verbose, both before MLflow's import
        set_verbosity(False)
        set_verbosity(True)
    print("mlflow imported by the choice:", "mlflow" in sys.modules)
    print("variable here:", os.environ.get("MLFLOW_LOGGING_LEVEL"))
    child = "import os; print(os.environ.get('MLFLOW_LOGGING_LEVEL'))"
    print("variable in a started process:", subprocess.check_output([sys.executable, "-c", child], text=True).strip())
    importlib.util.find_spec("mlflow")  # a look-up first, as a check that MLflow is installed makes
    import mlflow
    logging.getLogger("mlflow.store.db.utils").info("MLFLOW INFO LINE")
    logging.getLogger("mlflow.store.db.utils").error("MLFLOW ERROR LINE")
    print("mlflow level:", logging.getLevelName(logging.getLogger("mlflow").level))
    """
)


def _run(choice: str, user_level: str | None) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_LOGGING_LEVEL"}
    if user_level:
        env["MLFLOW_LOGGING_LEVEL"] = user_level
    done = subprocess.run(
        [sys.executable, "-c", CHOICE_THEN_IMPORT, choice],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, done.stderr


def test_quiet_keeps_the_users_mlflow_logging_level_for_started_processes_and_hides_info_lines():
    out, err = _run("quiet", "WARNING")
    assert "mlflow imported by the choice: False" in out
    assert "variable here: WARNING" in out  # was ERROR: the user's value written over
    assert "variable in a started process: WARNING" in out  # was ERROR
    assert "mlflow level: ERROR" in out  # quiet in this process, as before
    assert "MLFLOW INFO LINE" not in err
    assert "MLFLOW ERROR LINE" in err  # MLflow's own handler and format still show errors
    assert " ERROR mlflow.store.db.utils: MLFLOW ERROR LINE" in err


def test_verbose_chosen_after_quiet_shows_mlflow_info_lines_once_imported_and_leaves_the_environment():
    out, err = _run("verbose", None)
    assert "variable here: None" in out  # was INFO
    assert "variable in a started process: None" in out  # was INFO
    assert "mlflow level: INFO" in out
    assert " INFO mlflow.store.db.utils: MLFLOW INFO LINE" in err
