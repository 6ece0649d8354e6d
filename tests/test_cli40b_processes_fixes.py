"""The closed-form (``random_features``) fit refused on several processes: with ``--trainer.strategy ddp_spawn
--trainer.devices 1`` it was let through (one process) and torch's "DistributedDataParallel is not needed"
traceback came from the started process; with ``--trainer.num_nodes 2 --trainer.devices 1`` the fix named
``--trainer.devices 1``, the setting given; a predict under ``ddp_spawn`` on one device failed in
``torch.cat`` on no predictions. Each is refused before a process starts, with a fix that runs."""

from __future__ import annotations

from pathlib import Path

from ssm_ts import cli
from tests.test_cli40_processes_refused_before_launch import (  # noqa: F401  (fixtures)
    QUIET,
    RANDOM_FEATURES,
    spawns,
    stream_csv,
)


def test_ddp_on_one_process_is_refused_and_the_fix_drops_the_strategy(stream_csv, spawns, capsys):  # noqa: F811
    fit = [
        "classify",
        "fit",
        *stream_csv,
        *RANDOM_FEATURES,
        *QUIET,
        "--trainer.accelerator",
        "cpu",
        "--out",
        "out",
    ]
    assert cli.main([*fit, "--trainer.devices", "1", "--trainer.strategy", "ddp_spawn"]) == 1
    assert spawns == []
    err = capsys.readouterr().err
    assert "(no gradient steps for DDP to share, so DDP cannot wrap it)" in err
    assert (
        "Fit it on one device: ssm-ts classify fit --trainer.devices 1 --trainer.strategy auto (Python" in err
    )
    assert (
        cli.main([*fit, "--trainer.devices", "1", "--trainer.strategy", "auto"]) == 0
    )  # the fix, as printed


def test_several_nodes_get_num_nodes_1_in_the_fix(stream_csv, spawns, capsys):  # noqa: F811
    fit = ["classify", "fit", *stream_csv, *RANDOM_FEATURES, *QUIET, "--trainer.accelerator", "cpu",
           "--trainer.devices", "1", "--trainer.num_nodes", "2", "--out", "out"]  # fmt: skip
    assert cli.main(fit) == 1
    assert spawns == []
    err = capsys.readouterr().err
    assert "(no gradient steps for DDP to share over 2)" in err
    assert "ssm-ts classify fit --trainer.devices 1 --trainer.num_nodes 1 --trainer.strategy auto" in err


def test_predict_under_ddp_spawn_on_one_process_is_refused_before_it_starts(stream_csv, spawns, capsys):  # noqa: F811
    # was: the started process predicted, the command's got none: torch.cat(): expected a non-empty list
    assert cli.main(["classify", "fit", *stream_csv, *RANDOM_FEATURES, *QUIET, "--out", "out"]) == 0
    (ckpt,) = [str(path) for path in Path("out").rglob("last.ckpt")]
    predict = ["classify", "predict", "--ckpt_path", ckpt, "--data.path", "stream.csv", "--trainer.accelerator",
               "cpu", "--trainer.enable_progress_bar", "false", "--out", "out"]  # fmt: skip
    capsys.readouterr()
    assert cli.main([*predict, "--trainer.devices", "1", "--trainer.strategy", "ddp_spawn"]) == 1
    assert spawns == []
    err = capsys.readouterr().err
    assert "predicts in a started process, which returns no predictions to it" in err
    assert "ssm-ts classify predict --trainer.devices 1 --trainer.strategy auto" in err
    assert cli.main([*predict, "--trainer.devices", "1", "--trainer.strategy", "auto"]) == 0  # the fix
    assert Path("out/predictions.csv").is_file()
