"""A fit that logs nothing does not import MLflow (seconds: every fit's quiet default imported it only to
set its logger's level), and quiet still hides MLflow's chatter once something imports it: importing
MLflow sets its logger's level again (``MLFLOW_LOGGING_LEVEL``, INFO without it). Verbose chosen before
the import: tests/test_rev38b_mlflow_level_on_import.py."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

# A fresh process: the shared trainer of every fit, a fit that logs nothing, then MLflow imported as a
# logging fit (or the user) imports it, and one of its INFO lines (as "Creating initial MLflow database").
FIT_THEN_IMPORT = textwrap.dedent(
    """
    import logging, sys
    import lightning.pytorch as pl
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    from ssm_ts.training import build_trainer

    class Line(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(1, 1)
        def training_step(self, batch, batch_idx):
            return self.linear(batch[0]).pow(2).mean()
        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = DataLoader(TensorDataset(torch.ones(4, 1)), batch_size=2)
    build_trainer(max_epochs=1, out_dir=sys.argv[1], accelerator="cpu", progress=False).fit(Line(), data)
    print("mlflow imported by the fit:", "mlflow" in sys.modules)
    import mlflow
    logging.getLogger("mlflow.store.db.utils").info("MLFLOW INFO CHATTER")
    print("mlflow level:", logging.getLevelName(logging.getLogger("mlflow").getEffectiveLevel()))
    """
)


def test_a_fit_that_logs_nothing_leaves_mlflow_unimported_and_quiet_holds_after_its_import(tmp_path):
    # a developer's own MLFLOW_LOGGING_LEVEL is left out: MLflow would start with it
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_LOGGING_LEVEL"}
    done = subprocess.run(
        [sys.executable, "-c", FIT_THEN_IMPORT, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "mlflow imported by the fit: False" in done.stdout  # was True: set_verbosity imported it
    assert "mlflow level: ERROR" in done.stdout
    assert "MLFLOW INFO CHATTER" not in done.stdout + done.stderr
