"""Today's rows alone, after the data a model was fitted on, in a European CSV (';' between fields,
decimal commas) read with read_options, on real ETTh1 rows: the error's fix,
pd.concat([pd.read_csv(earlier_path), pd.read_csv(new_path)]), read each file as one text column. It
now names the fit's read options in the line (or, for date options a DataFrame is not read with, says
to append the rows to the fit's file), and the command says the copy is written as the fit's file is."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.errors import DataError

_OPTIONS = {"sep": ";", "decimal": ","}


def _fit(ett: pd.DataFrame, read_options: dict, **csv) -> Forecaster:
    """nlinear fitted one short epoch on 300 hourly ETTh1 rows of fit.csv, written with ``csv``."""
    ett[["date", "OT", "HUFL"]].iloc[:300].to_csv("fit.csv", index=False, **csv)
    ett[["date", "OT", "HUFL"]].iloc[300:310].to_csv("today.csv", index=False, **csv)
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
                    trainer_options={"limit_train_batches": 2, "enable_progress_bar": False})  # fmt: skip
    return fc.fit("fit.csv", time_col="date", read_options=read_options)


def test_the_fix_for_new_rows_alone_reads_both_files_with_the_fit_s_read_options(in_tmp, ett):
    fit = _fit(ett, _OPTIONS, sep=";", decimal=",")
    with pytest.raises(DataError) as raised:
        fit.predict("today.csv")
    message = str(raised.value)
    line = re.search(r"Python: (model\.predict\(pd\.concat\(.*?\]\)\))", message).group(1)
    assert line == (
        "model.predict(pd.concat([pd.read_csv(earlier_path, sep=';', decimal=','), "
        "pd.read_csv(new_path, sep=';', decimal=',')]))"
    )
    assert "read with the fit's read_options {'sep': ';', 'decimal': ','}" in message
    # the line as written runs: two numeric columns, the forecast after today's rows
    forecast = eval(line, {"pd": pd, "model": fit, "earlier_path": "fit.csv", "new_path": "today.csv"})
    assert forecast["date"].iloc[0] == pd.Timestamp("2016-07-13 22:00") and forecast["OT"].notna().all()


def test_date_options_get_the_fit_s_file_with_the_rows_appended(in_tmp, ett):
    fit = _fit(ett, {**_OPTIONS, "date_format": "%d.%m.%Y %H:%M"}, sep=";", decimal=",",
               date_format="%d.%m.%Y %H:%M")  # fmt: skip
    with pytest.raises(DataError) as raised:
        fit.predict("today.csv")
    message = str(raised.value)
    assert (
        "append the new rows to a copy of the file the fit read, written as it is, and pass its path"
        in message
    )
    assert "pd.read_csv(" not in message
    today = (
        Path("today.csv").read_text().splitlines(keepends=True)[1:]
    )  # its rows, as the fit's file writes them
    Path("both.csv").write_text(Path("fit.csv").read_text() + "".join(today))  # the fix: appended to a copy
    assert fit.predict("both.csv")["date"].iloc[0] == pd.Timestamp("2016-07-13 22:00")


def test_the_command_says_the_copy_is_written_as_the_fit_s_file(in_tmp, ett, capsys):
    fit = _fit(ett, _OPTIONS, sep=";", decimal=",")
    args = ["forecast", "predict", "--ckpt_path", fit.best_checkpoint_, "--data.path", "today.csv"]
    assert cli.main([*args, "--out", "pred", "--trainer.logger", "false"]) == 1
    err = capsys.readouterr().err
    assert (
        "a copy of fit.csv with the new rows appended, written as fit.csv is (the fit's --data.read_options"
        in err
    )
    # the options as the command takes them, and they read the fit's file with today's rows appended
    (flag,) = re.findall(r"--data\.read_options ('[^']*') read it", err)
    assert flag == """'{sep: ";", decimal: ","}'""", err
    today = Path("today.csv").read_text().splitlines(keepends=True)[1:]
    Path("both.csv").write_text(Path("fit.csv").read_text() + "".join(today))
    again = [*args[:-1], "both.csv", "--data.read_options", *shlex.split(flag), "--trainer.logger", "false"]
    assert cli.main([*again, "--out", "pred"]) == 0, capsys.readouterr().err
    assert pd.read_csv("pred/forecast.csv")["date"].iloc[0] == "2016-07-13 22:00:00"
