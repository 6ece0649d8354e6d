"""``ssm-ts forecast predict`` of a long-table model on a file holding its series under other column names
(``series``, ``value`` for the fit's ``unique_id``, ``y``) with no option naming them: the error was
"columns ['HUFL', 'OT'] not found in other.csv; columns are ['series', 'date', 'value']" alone. Where the file
holds as many other columns as it lacks fitted ones, of their kinds in one way only, the command now offers
the read under the fitted names (the fix :mod:`ssm_ts.cli.renamed_columns` gives for --data.id_col series),
and the flag it prints reads the file. On ETTh1's HUFL and OT as a long table."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest

from ssm_ts import cli
from ssm_ts.cli.renamed_columns import _renames_by_kind

FIT = ["forecast", "fit", "--data.path", "long.csv", "--data.time_col", "date", "--model.model", "nlinear",
       "--model.lookback", "8", "--model.horizon", "2", "--trainer.max_epochs", "1",
       "--trainer.limit_train_batches", "1", "--trainer.limit_val_batches", "1", "--trainer.logger", "false",
       "--trainer.enable_progress_bar", "false", "--out", "fit"]  # fmt: skip
RENAMED = {"unique_id": "series", "y": "value"}


@pytest.fixture
def predict(in_tmp, shared_data) -> list[str]:
    """A model fitted on long.csv (unique_id, date, y: 60 hours of ETTh1's HUFL and OT): its predict command;
    the rows as a DataFrame in long.csv."""
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "HUFL", "OT"], nrows=60)
    long = ett.melt(id_vars="date", var_name="unique_id", value_name="y")[["unique_id", "date", "y"]]
    long.to_csv("long.csv", index=False)
    assert cli.main(FIT) == 0
    (ckpt,) = Path("fit").rglob("last.ckpt")
    return ["forecast", "predict", "--ckpt_path", str(ckpt), "--trainer.logger", "false", "--out", "out"]


def test_a_csv_is_offered_the_read_under_the_fitted_names_and_it_reads(predict, capsys):
    pd.read_csv("long.csv").rename(columns=RENAMED).to_csv("other.csv", sep=";", index=False)
    capsys.readouterr()
    assert cli.main([*predict, "--data.path", "other.csv", "--data.read_options", "{sep: ';'}"]) == 1
    err = capsys.readouterr().err
    assert "columns ['HUFL', 'OT'] not found in other.csv" in err
    offered = (
        "(If they hold the data the model was fitted on, read other.csv under the fitted names (series -> "
        "unique_id, value -> y): --data.read_options '{sep: \";\", header: 0, names: [unique_id, date, y]}', "
        "or rename those columns in the file)"
    )
    assert offered in err, err
    (flag,) = re.findall(r"--data\.read_options ('[^']*')", err)
    assert cli.main([*predict, "--data.path", "other.csv", "--data.read_options", *shlex.split(flag)]) == 0
    assert sorted(set(pd.read_csv("out/forecast.csv")["unique_id"])) == ["HUFL", "OT"]


def test_a_parquet_file_with_its_times_as_index_is_offered_the_rename(predict, capsys):
    long = pd.read_csv("long.csv", parse_dates=["date"]).rename(columns=RENAMED)
    long.set_index("date").to_parquet("other.parquet")
    long.assign(extra=1.0).to_csv("extra.csv", index=False)
    capsys.readouterr()
    assert cli.main([*predict, "--data.path", "other.parquet"]) == 1
    err = capsys.readouterr().err
    assert (
        "under the fitted names (series -> unique_id, value -> y): rename those columns in the file)" in err
    )
    assert "--data.read_options" not in err  # a Parquet file takes none
    assert cli.main([*predict, "--data.path", "extra.csv"]) == 1  # a column more: which is which is not known
    assert "under the fitted names" not in capsys.readouterr().err


def test_two_renamed_number_columns_are_not_guessed():
    spec = {"time_col": "date", "targets": ["HUFL", "OT"], "long_format": False}
    head = pd.DataFrame({"date": ["2016-07-01 00:00"], "a": [5.8], "b": [30.5]})
    assert _renames_by_kind(spec, head, None) == {}
    assert _renames_by_kind({**spec, "targets": ["OT"]}, head.drop(columns="a"), None) == {"b": "OT"}
