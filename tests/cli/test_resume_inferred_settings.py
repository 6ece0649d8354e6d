"""``ssm-ts forecast fit --ckpt_path last`` with a data setting the fit inferred, spelled out
(``--data.time_col date`` after a fit that found its time column itself): the same training, so it
resumes, in the same MLflow run, which keeps its parameters and is not tagged. It was refused as
"--data.time_col: None in the checkpoint, 'date' now". Another value than the one inferred is still
refused before training, saying what the ``None`` resolved to (on ETTh1, named from the data home)."""

from __future__ import annotations

from ssm_ts import cli
from tests.cli.test_resume_settings import FIRST, experiment_runs, last_checkpoint, resume_args

# time column and targets inferred: every series a target
INFERRED = ["forecast", "fit", "--data.path", "ETTh1", "--data.boundaries", "[600, 800, 1000]",
            "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48",
            "--model.horizon", "12"]  # fmt: skip
SERIES = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]


def test_inferred_values_spelled_out_resume_and_other_ones_are_refused_naming_them(data_home, capsys):
    out = data_home / "out"
    assert cli.main([*INFERRED, *FIRST]) == 0
    steps = last_checkpoint(out)["global_step"]
    before = next(out.rglob("last.ckpt")).read_bytes()
    capsys.readouterr()

    assert cli.main(resume_args("forecast", "--data.target", "OT")) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert (
        f"--data.target: None (resolved to {SERIES!r}) in the checkpoint, 'OT' now. Resuming continues" in err
    ), err
    assert "Traceback" not in err
    assert next(out.rglob("last.ckpt")).read_bytes() == before  # refused before any training

    spelled = ["--data.time_col", "date", "--data.target", f"[{', '.join(SERIES)}]", "--data.freq", "h"]
    code = cli.main(resume_args("forecast", *spelled))
    err = " ".join(capsys.readouterr().err.split())
    assert code == 0, err
    assert "resuming with the values the fit inferred, spelled out (the same training):" in err
    assert last_checkpoint(out)["global_step"] == 2 * steps  # it trained on
    (run,) = experiment_runs("forecast")
    assert run.info.status == "FINISHED"
    assert run.data.params["data.time_col"] == "None"  # the run keeps its first values
    # the same training: no data setting tagged, only the longer training the resume asked for
    assert [k for k in run.data.tags if k.startswith("resumed.")] == ["resumed.1.trainer.max_epochs"]
