"""The benchmark scripts' own behaviour, with what they measure stubbed out.

A smoke run (``--quick``) writes ``results/<name>_quick.json``: checking that a script runs must not
overwrite the results of the full run that docs/benchmarks.md quotes (``bench_kernels --quick`` replaced
the GPU figures in ``results/bench_kernels.json``)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

# script -> (its functions that measure, replaced by stubs returning nothing; extra arguments)
SCRIPTS = {
    "bench_kernels": ({"build_cases": [], "cpu_rows": []}, ["--device", "cpu"]),
    "tune_kernels": (
        {"vandermonde_sweep": [], "diag_scan_sweep": [], "ssm_step_rows": []},
        ["--device", "cpu"],
    ),
    "classify_audio_scale": ({"plan": []}, []),
    "forecast_defaults": ({"run_case": {}, "table_rows": []}, ["--only", "ILI"]),
    "classify_uea": ({"datasets": []}, []),
}


@pytest.fixture
def load_script(monkeypatch, tmp_path):
    """Import ``benchmarks/<name>.py`` with its results folder in ``tmp_path``; undo its sys.path and modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)

    def load(name: str):
        spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        if "_common" in sys.modules:  # rocket_reference.py imports nothing of the project
            monkeypatch.setattr(sys.modules["_common"], "RESULTS_DIR", tmp_path / "results")
        for attribute, value in (("RESULTS_DIR", tmp_path / "results"), ("REPO", tmp_path)):
            if hasattr(module, attribute):
                monkeypatch.setattr(module, attribute, value)
        return module

    yield load
    for name in set(sys.modules) - before:
        if name in ("_common", "_inputs", "bench_kernels") or name.startswith("benchmark_"):
            del sys.modules[name]


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("quick", [True, False])
def test_a_quick_run_writes_its_own_results_file(script, quick, load_script, monkeypatch, tmp_path):
    module = load_script(script)
    stubs, arguments = SCRIPTS[script]
    for function, result in stubs.items():
        monkeypatch.setattr(module, function, lambda *args, result=result, **kwargs: result)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *arguments, *(["--quick"] if quick else [])])
    module.main()
    written = sorted(p.name for p in (tmp_path / "results").glob("*.json"))
    assert written == [f"{script}_quick.json" if quick else f"{script}.json"]


def test_rocket_reference_without_aeon_says_which_environment_to_use(load_script, monkeypatch):
    """It ran in the project's environment (no aeon) into a bare ModuleNotFoundError traceback."""
    module = load_script("rocket_reference")
    monkeypatch.setattr(module, "limit_threads", lambda threads: None)  # it sets thread variables
    monkeypatch.setitem(sys.modules, "aeon", None)  # import aeon fails, installed or not
    monkeypatch.setattr(sys, "argv", ["rocket_reference.py", "--only", "ArrowHead"])
    with pytest.raises(SystemExit, match=r"aeon.*its own aeon environment.*pip install aeon=="):
        module.main()


@pytest.mark.parametrize(
    ("script", "arguments"),
    [
        ("bench_kernels", ["--device", "cuda"]),
        ("tune_kernels", []),  # its default device is CUDA
        ("generation_speed", ["--device", "cuda"]),
        ("forecast_ett", ["--cases", "--device", "cuda:0"]),
    ],
)
def test_a_cuda_device_on_a_machine_without_one_is_a_message(script, arguments, load_script, monkeypatch):
    """torch's "Found no NVIDIA driver" traceback came from deep inside the first CUDA allocation."""
    import torch

    module = load_script(script)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *arguments])
    with pytest.raises(SystemExit, match=r"--device cuda(:0)?: no CUDA device here.*--device cpu"):
        module.main()


# ---------------------------------------------------------------- a researcher's first runs (bench36)


def test_a_results_file_says_when_where_and_with_what_it_was_measured(load_script):
    """It named the Python and torch versions only: no date, commit or ssm-ts version to place a figure."""
    load_script("bench_core")
    common = sys.modules["_common"]
    payload = json.loads(common.write_results("some_benchmark", {"rows": []}).read_text())
    machine = payload["machine"]
    assert machine["date"].startswith("20") and machine["date"].endswith("+00:00")
    assert machine["git_commit"] is None or len(machine["git_commit"].split("-")[0]) == 40
    assert machine["ssm_ts"] and machine["torch"] and machine["cpu_threads"] >= 1


def test_a_re_run_keeps_the_earlier_results_file(load_script, monkeypatch, tmp_path):
    """A second run replaced results/<name>.json, the figures the docs quote, without a word."""
    load_script("bench_core")
    common = sys.modules["_common"]
    monkeypatch.setattr(sys.modules["_inputs"], "_WRITTEN", set())  # a first process
    common.write_results("some_benchmark", {"run": 1})
    common.write_results("some_benchmark", {"run": 1, "more": True})  # a save after each case: in place
    monkeypatch.setattr(sys.modules["_inputs"], "_WRITTEN", set())  # a second process
    common.write_results("some_benchmark", {"run": 2})
    files = sorted((tmp_path / "results").glob("some_benchmark*.json"))
    assert len(files) == 2, files
    runs = {path.name: json.loads(path.read_text()) for path in files}
    assert runs.pop("some_benchmark.json")["run"] == 2
    (earlier,) = runs.values()
    assert earlier["run"] == 1 and earlier["more"] is True


def _threads() -> list[str]:
    import torch

    return ["--threads", str(torch.get_num_threads())]  # main() sets them for the whole process


@pytest.mark.parametrize(
    ("script", "arguments", "ran"),
    [
        ("classify_uea", ["--only", "BasicMotions", *_threads()], "run_random_features"),
        ("forecast_defaults", ["--only", "ILI"], "run_case"),
        ("forecast_ett", ["--cases", "ETTh1:S:96", "--step-repeats", "0"], "SplitTensors"),
        ("forecast_intervals", ["--datasets", "ETTm1", *_threads()], "run_dataset"),
        ("audio_nll", ["--datasets", "fsdd", *_threads()], "run"),
    ],
)
def test_a_missing_data_folder_is_named_before_any_run(
    script, arguments, ran, load_script, monkeypatch, tmp_path
):
    """classify_uea.py ended in a FileNotFoundError traceback; the forecasting scripts read the CSV
    only when their case came (forecast_defaults.py after the bundled CO2 series had run)."""
    module = load_script(script)
    monkeypatch.setattr(module, ran, lambda *a, **k: pytest.fail(f"{script} ran without its data"))
    option = "--data-dir" if script in ("forecast_ett", "forecast_intervals") else "--data"
    missing = tmp_path / "no_data_here"
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(missing), *arguments])
    with pytest.raises(SystemExit, match=rf"{missing}: no such folder\. It should hold .*Pass {option} "):
        module.main()


def test_a_forecasting_folder_without_the_file_names_it(load_script, monkeypatch, tmp_path):
    module = load_script("forecast_ett")
    (tmp_path / "ETTm1.csv").write_text("date,OT\n")
    monkeypatch.setattr(sys, "argv", ["forecast_ett.py", "--data", str(tmp_path), "--cases", "ETTh1:S:96"])
    with pytest.raises(
        SystemExit, match=r"no ETTh1\.csv there \(its \.csv files: ETTm1\.csv\)\. Pass --data-dir"
    ):
        module.main()


@pytest.mark.parametrize(
    ("script", "arguments"),
    [
        ("classify_uea", ["--only", "BasicMotion", *_threads()]),
        ("classify_audio_scale", ["--only", "rf_fitt"]),
    ],
)
def test_an_unknown_only_name_is_refused_not_run_as_nothing(
    script, arguments, load_script, monkeypatch, tmp_path
):
    """A misspelt --only ran no case and wrote a results file with no rows."""
    module = load_script(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *arguments])
    with pytest.raises(SystemExit, match=rf"--only {arguments[1]}: not found in .*the names there are: .*"):
        module.main()
    assert not list((tmp_path / "results").glob("*.json"))


def test_classify_uea_says_an_unwritable_out_before_the_runs(load_script, monkeypatch, tmp_path):
    """It trained every data set, then failed to write with a traceback."""
    module = load_script("classify_uea")
    monkeypatch.setattr(module, "datasets", lambda *a: pytest.fail("ran before checking --out"))
    (tmp_path / "a_file").write_text("")
    out = tmp_path / "a_file" / "results.json"
    monkeypatch.setattr(sys, "argv", ["classify_uea.py", "--out", str(out), *_threads()])
    with pytest.raises(SystemExit, match=r"--out .*results\.json: cannot write in .*a_file"):
        module.main()


def test_classify_uea_show_of_a_missing_or_foreign_file_is_a_message(load_script, monkeypatch, tmp_path):
    module = load_script("classify_uea")
    monkeypatch.setattr(sys, "argv", ["classify_uea.py", "--show", str(tmp_path / "none.json"), *_threads()])
    with pytest.raises(SystemExit, match=r"--show .*none\.json: no such file"):
        module.main()
    (tmp_path / "other.json").write_text('{"rows": []}')
    monkeypatch.setattr(sys, "argv", ["classify_uea.py", "--show", str(tmp_path / "other.json"), *_threads()])
    with pytest.raises(SystemExit, match=r"other\.json: a JSON without a 'results' entry"):
        module.main()


def test_classify_uea_results_carry_the_machine_and_show_reprints_them(
    load_script, monkeypatch, tmp_path, capsys
):
    """Its JSON had no date, commit or versions (it wrote its own file, not through _common)."""
    module = load_script("classify_uea")
    row = {"dataset": "BasicMotions", "method": "random_features", "runs": [{"seed": 0, "test_acc": 1.0}]}
    monkeypatch.setattr(module, "datasets", lambda *a: [("BasicMotions", tmp_path)])
    monkeypatch.setattr(
        module,
        "run_random_features",
        lambda *a: {"test_acc": 1.0, "test_f1": 1.0, "train_seconds": 0.5, **row["runs"][0]},
    )
    monkeypatch.setattr(
        sys, "argv", ["classify_uea.py", "--methods", "random_features", "--seeds", "0", *_threads()]
    )
    module.main()
    written = tmp_path / "results" / "classify_uea.json"
    payload = json.loads(written.read_text())
    assert payload["machine"]["date"] and "git_commit" in payload["machine"]
    assert payload["results"][0]["runs"] == [
        {"test_acc": 1.0, "test_f1": 1.0, "train_seconds": 0.5, "seed": 0}
    ]
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["classify_uea.py", "--show", str(written), *_threads()])
    module.main()
    shown = capsys.readouterr().out
    assert "BasicMotions           random_features   1.000+-0.000" in shown
    assert f"measured {payload['machine']['date']} at commit" in shown and "seeds [0]" in shown


def test_generation_speed_times_its_reference_with_the_same_repeats(load_script, monkeypatch, tmp_path):
    """The module-step reference and the convolution-mode forward, the figures the fast recurrence is
    compared with, were timed once each while the fast path took the median of --repeats."""
    import torch

    module = load_script("generation_speed")
    calls = []

    def median_time(fn, repeats=5, warmup=1):
        calls.append(repeats)
        fn()
        return 1.0

    monkeypatch.setattr(module, "median_time", median_time)
    threads = str(torch.get_num_threads())
    arguments = [
        "--preset",
        "tiny",
        "--samples",
        "4",
        "--repeats",
        "3",
        "--batches",
        "1",
        "--threads",
        threads,
    ]
    monkeypatch.setattr(sys, "argv", ["generation_speed.py", *arguments])
    module.main()
    assert calls == [3, 3]
    rows = json.loads((tmp_path / "results" / "generation_speed.json").read_text())["rows"]
    assert [(row["path"], row["repeats"]) for row in rows[-2:]] == [
        ("module step (reference)", 3),
        ("forward (conv mode, 1 s)", 3),
    ]


def test_rocket_reference_names_a_missing_folder_or_problem_and_keeps_an_earlier_file(load_script, tmp_path):
    """A missing --data-dir was a FileNotFoundError traceback, a misspelt --only said there were no
    problems at all, and a second run replaced results/rocket_reference.json (its own writer)."""
    module = load_script("rocket_reference")
    with pytest.raises(SystemExit, match=rf"{tmp_path / 'none'}: no such folder\. .*Pass --data-dir"):
        module.find_problems(tmp_path / "none", None)
    (tmp_path / "archive" / "Wafer").mkdir(parents=True)
    for split in ("TRAIN", "TEST"):
        (tmp_path / "archive" / "Wafer" / f"Wafer_{split}.ts").write_text("")
    assert module.find_problems(tmp_path / "archive", ["Wafer"]) == ["Wafer"]
    with pytest.raises(SystemExit, match=r"--only Wafr: not found in .*the names there are: Wafer"):
        module.find_problems(tmp_path / "archive", ["Wafr"])
    out = tmp_path / "out" / "rocket_reference.json"
    module.write_json(out, {"run": 1})
    sys.modules["_inputs"]._WRITTEN.discard(out.resolve())  # as a second process would find it
    module.write_json(out, {"run": 2})
    runs = sorted(json.loads(path.read_text())["run"] for path in out.parent.iterdir())
    assert runs == [1, 2] and json.loads(out.read_text())["run"] == 2


def test_forecast_ett_a_malformed_case_is_a_usage_error(load_script, monkeypatch, capsys):
    """ETTh1-S-720 ended in "ValueError: not enough values to unpack" after the step timing."""
    module = load_script("forecast_ett")
    monkeypatch.setattr(
        module, "time_spacetime_step", lambda *a: pytest.fail("timed before checking --cases")
    )
    monkeypatch.setattr(sys, "argv", ["forecast_ett.py", "--cases", "ETTh1-S-720", "ETTh1:M:96"])
    with pytest.raises(SystemExit):
        module.main()
    assert "--cases ETTh1-S-720: a case is DATASET:MODE:HORIZON" in capsys.readouterr().err
