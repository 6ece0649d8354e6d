"""audio_nll.py --minutes 0 loaded the data set and then stopped in a ZeroDivisionError (the budget's
share used is CPU time / budget); a budget of 0 or below is now a usage error before anything runs."""

from __future__ import annotations

import sys

import pytest

from tests.benchmarks.test_benchmark_scripts import load_script  # noqa: F401 (the fixture)


@pytest.mark.parametrize("option", ["--minutes", "--max_wall_minutes"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_audio_nll_a_budget_not_above_0_is_a_usage_error(load_script, monkeypatch, capsys, option, value):  # noqa: F811
    module = load_script("audio_nll")
    monkeypatch.setattr(module, "run", lambda *a: pytest.fail("ran with a budget of 0"))
    monkeypatch.setattr(sys, "argv", ["audio_nll.py", option, value])
    with pytest.raises(SystemExit) as stopped:
        module.main()
    assert stopped.value.code == 2
    assert f"argument {option}: {value} is not above 0; pass a positive number" in capsys.readouterr().err


def test_a_copy_unpacked_inside_another_git_checkout_records_no_commit(load_script, monkeypatch, tmp_path):  # noqa: F811
    """A results file of a source copy unpacked in a folder kept in git carried that folder's commit."""
    import subprocess

    load_script("audio_nll")
    inputs = sys.modules["_inputs"]
    outer = tmp_path / "home"
    copy = outer / "ssm-ts-0.1"
    copy.mkdir(parents=True)
    (outer / "notes.txt").write_text("x")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "notes.txt"], ["commit", "-q", "-m", "home"]):
        subprocess.run([*git, *command], cwd=outer, check=True, capture_output=True)
    monkeypatch.setattr(inputs, "REPO", copy)
    assert inputs.git_commit() is None
    monkeypatch.setattr(inputs, "REPO", outer)  # the checkout itself: its commit
    assert len(inputs.git_commit()) == 40


def test_classify_audio_scale_threads_reach_each_case_and_its_results(load_script, monkeypatch, tmp_path):  # noqa: F811
    """The docs' 1-thread rows could only be made with OMP_NUM_THREADS set by hand, and the results
    recorded the parent's threads, not the cases'."""
    import json

    module = load_script("classify_audio_scale")
    seen, real_run = [], module.subprocess.run

    def run(command, env=None, **kwargs):
        if "--child" not in command:  # git, for the results' commit
            return real_run(command, env=env, **kwargs)
        seen.append(env["OMP_NUM_THREADS"])
        result = '{"seconds": 1.0, "rss_before_mib": 1.0, "peak_rss_mib": 2.0}'
        return type("Done", (), {"returncode": 0, "stdout": result, "stderr": ""})()

    monkeypatch.setattr(module.subprocess, "run", run)
    monkeypatch.setattr(
        sys, "argv", ["classify_audio_scale.py", "--quick", "--only", "rf_fit", "--threads", "1"]
    )
    module.main()
    assert seen == ["1", "1"]  # each quick set's rf_fit
    results = json.loads((tmp_path / "results" / "classify_audio_scale_quick.json").read_text())
    assert results["case_threads"] == "1"
    monkeypatch.setattr(sys, "argv", ["classify_audio_scale.py", "--threads", "0"])
    with pytest.raises(SystemExit):
        module.main()


@pytest.mark.parametrize("option", ["--repeats", "--samples", "--threads", "--batches"])
def test_generation_speed_a_count_of_0_is_a_usage_error(load_script, monkeypatch, capsys, option):  # noqa: F811
    """--repeats 0 built the model, generated its warm-up run and then stopped in statistics'
    StatisticsError (the median of no times); --threads 0 in torch.set_num_threads' RuntimeError."""
    module = load_script("generation_speed")
    monkeypatch.setattr(module, "check_device", lambda *a: pytest.fail("ran with a count of 0"))
    monkeypatch.setattr(sys, "argv", ["generation_speed.py", option, "0"])
    with pytest.raises(SystemExit) as stopped:
        module.main()
    assert stopped.value.code == 2
    assert f"argument {option}: 0 is not above 0" in capsys.readouterr().err


def test_bench_kernels_times_torch_and_reference_interleaved(load_script):  # noqa: F811
    """The reference's runs were all timed after the torch path's: a drift in the machine's speed went
    into the speedup quoted in docs/benchmarks.md."""
    import torch

    module = load_script("bench_kernels")
    calls = []

    def path(name):
        def run(x):
            calls.append(name)
            return x * 2

        return run

    case = {"op": "stub", "shape": "4", "inputs": (torch.ones(4),), "bytes": 16}
    case.update(torch=path("torch"), reference=path("reference"))
    rows = module.cpu_rows([case], repeats=3)
    assert [row["mode"] for row in rows] == ["forward", "forward+backward"]
    timed = calls[4:10]  # after the error check's and the warm-up's call of each
    assert timed == ["torch", "reference", "reference", "torch", "torch", "reference"]


def test_bench_core_s4nd_times_the_2d_fft_baseline_interleaved(load_script, monkeypatch):  # noqa: F811
    """Each S4ND case timed its baseline (the layer's forward swapped for the 2-D FFT) after all of the
    layer's own runs; they alternate now, and the swap is undone after each baseline run."""
    from ssm_ts.models import s4nd

    module = load_script("bench_core")
    own, seen = s4nd.S4NDConv2d.forward, []

    def fft2(self, *args, **kwargs):
        seen.append("fft2")
        return own(self, *args, **kwargs)

    def layer(self, *args, **kwargs):
        seen.append("own")
        return own(self, *args, **kwargs)

    monkeypatch.setattr(s4nd, "s4nd_conv2d_reference", fft2)
    monkeypatch.setattr(s4nd.S4NDConv2d, "forward", layer)
    name, case = next(iter(module.S4ND_QUICK.items()))
    times = module.time_s4nd(*case, repeats=2)
    assert set(times) == {"train", "predict", "fft2_train", "fft2_predict"}
    per_run = len(seen) // 12  # 2 steps x (1 warm-up + 2 timed) x 2 paths, each as many layer calls
    runs = seen[::per_run]
    assert runs == ["own", "fft2", "own", "fft2", "fft2", "own"] * 2
    assert s4nd.S4NDConv2d.forward is layer
