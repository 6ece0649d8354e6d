"""The closed-form (``random_features``) fit refused on several processes: with ``--trainer.strategy ddp_spawn
--trainer.devices 1`` it was let through (one process) and torch's "DistributedDataParallel is not needed"
traceback came from the started process; with ``--trainer.num_nodes 2 --trainer.devices 1`` the fix named
``--trainer.devices 1``, the setting given. Both are refused before a process starts, with a fix that runs."""

from __future__ import annotations

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
