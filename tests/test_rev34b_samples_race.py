"""Two fits into one ``--out`` at the same time (which ssm-ts supports), neither making listening
samples: both retire the ``<out>/samples`` an earlier fit published. The one that finds it gone when it
moves it aside (the other fit moved it first) has nothing left to do; it raised FileNotFoundError after
training, which marked its MLflow run FAILED and left its model unlogged."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

from ssm_ts.cli import fit_outputs
from ssm_ts.cli.fit_outputs import retire_earlier_samples

# this fit's MLflow run, which logged no samples (all that retire_earlier_samples asks of it)
NO_SAMPLES_RUN = SimpleNamespace(
    run_id="run", experiment=SimpleNamespace(list_artifacts=lambda run_id, path: [])
)


def _earlier_samples(out: Path) -> Path:
    """``<out>/samples`` as an earlier fit published it: an epoch folder of clips beside their sheet."""
    epoch = out / "samples" / "epoch_001"
    epoch.mkdir(parents=True)
    (epoch / "epoch001_sample0.wav").write_text("clip")
    (epoch / "spectrograms.png").write_text("sheet")
    return out / "samples"


def test_a_fit_that_finds_the_samples_retired_by_another_goes_on(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    stale = _earlier_samples(out)
    looked_up = fit_outputs._samples_owner

    def other_fit_retires_them_meanwhile(samples: Path, folder: Path):
        owner = looked_up(samples, folder)
        shutil.rmtree(stale)  # the other fit, between this one's checks and its move
        return owner

    monkeypatch.setattr(fit_outputs, "_samples_owner", other_fit_retires_them_meanwhile)
    retire_earlier_samples(NO_SAMPLES_RUN, out)  # raised FileNotFoundError
    assert not stale.exists() and not [p.name for p in out.iterdir()]
    assert "removed" not in capsys.readouterr().err  # the other fit says so, not this one
