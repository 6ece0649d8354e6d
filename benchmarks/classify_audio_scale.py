"""Scaling benchmark: classification and audio input at the sizes aeon/sktime and audio users bring.

Every case runs in its own Python process, so its peak RSS (``ru_maxrss``) is its own; time is
``time.perf_counter`` around the step alone (data generation is not counted). Cases:

- ``read_ts`` (the real UCR/UEA archive files under ``--data``), ``read_csv_long`` (a long CSV of
  2,000 recordings written to a temporary folder);
- per synthetic set (``n x channels x length``, and a list of unequal-length recordings):
  ``scaler`` (fit + transform), ``pad`` (every recording padded in batches of 32),
  ``rf_fit`` / ``rf_predict`` / ``rf_proba`` (``SSMClassifier(method="random_features",
  n_kernels=1000)``) and ``encoder_epoch`` (one epoch, ``d_model=16, n_layers=1``);
- ``audio_setup`` (``AudioDataModule.setup`` on 2,000 short WAV files, and on a few 10-minute files)
  and ``audio_batches`` (20 training batches drawn from it).

    python benchmarks/classify_audio_scale.py [--data ../shared/data] [--quick] [--only rf_fit]
        [--sizes "5k unequal x 3"] [--threads 1]

``--threads N`` runs each case on N threads (torch's and the BLAS/OpenMP pools', set in the case's own
process); without it a case uses the machine's default (``OMP_NUM_THREADS`` where set). The results
record the threads the cases ran on.

Writes ``results/classify_audio_scale.json`` (``classify_audio_scale_quick.json`` with ``--quick``, ``--name``
to write another) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    DATA_SOURCES,
    RESULTS_DIR,
    check_names,
    check_writable,
    current_rss_mib,
    peak_rss_mib,
    positive_count,
    print_table,
    require_folder,
    results_name,
    write_results,
)

SETS = {  # name -> (n, channels, length); a length of None: unequal lengths 50..500
    "1k x 3 x 100": (1000, 3, 100),
    "1k x 6 x 1000": (1000, 6, 1000),
    "10k x 3 x 100": (10000, 3, 100),
    "5k unequal x 3": (5000, 3, None),
}
QUICK_SETS = {"1k x 3 x 100": (1000, 3, 100), "1k unequal x 3": (1000, 3, None)}
SET_CASES = ("scaler", "pad", "rf_fit", "rf_predict", "rf_proba", "encoder_epoch")
_RSS_BEFORE: list[float] = []  # RSS when the measured step starts (inputs and imports in memory)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CASE_NAMES = ("read_ts", "read_csv_long", *SET_CASES, "audio_setup", "audio_batches")
AUDIO_FOLDERS = {"2000 short wavs": (2000, 0.5), "3 x 10 min wavs": (3, 600.0)}


def synthetic(n: int, channels: int, length: int | None, seed: int = 0) -> tuple[Any, np.ndarray]:
    """``(X, y)``: ``(n, channels, length)`` float64 (or a list of ``(channels, length_i)``) and 3 labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    if length is not None:
        X = rng.standard_normal((n, channels, length)).cumsum(-1) + y[:, None, None]
        return X, y
    lengths = rng.integers(50, 501, n)
    return [rng.standard_normal((channels, m)).cumsum(-1) + c for m, c in zip(lengths, y, strict=True)], y


def _timed(fn) -> float:
    _RSS_BEFORE.append(current_rss_mib())
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_set_case(case: str, shape: tuple) -> dict[str, float]:
    """One step on one synthetic set; returns seconds."""
    from ssm_ts import SSMClassifier
    from ssm_ts.pipelines.sensor import fit_channel_scaler, make_series_set, pad_batch

    X, y = synthetic(*shape)
    if case == "scaler":
        data = make_series_set(X, y)

        def step():
            scaler = fit_channel_scaler(data)
            return [scaler.transform(v) for v in data.values]

        return {"seconds": _timed(step)}
    if case == "pad":
        values = list(X)
        return {"seconds": _timed(lambda: [pad_batch(values[i : i + 32]) for i in range(0, len(values), 32)])}
    if case == "encoder_epoch":
        clf = SSMClassifier(method="encoder", max_epochs=1, d_model=16, n_layers=1, batch_size=32)
        return {"seconds": _timed(lambda: clf.fit(X, y))}
    clf = SSMClassifier(method="random_features", n_kernels=1000)
    if case == "rf_fit":
        return {"seconds": _timed(lambda: clf.fit(X, y))}
    clf.fit(X, y)
    method = clf.predict if case == "rf_predict" else clf.predict_proba
    return {"seconds": _timed(lambda: method(X))}


def run_read_case(case: str, data_dir: Path) -> dict[str, float]:
    from ssm_ts.pipelines.sensor import read_csv_long, read_ts

    if case == "read_ts":
        files = sorted((data_dir / "classification").glob("*/*.ts"))
        return {"seconds": _timed(lambda: [read_ts(f) for f in files]), "files": len(files)}
    import pandas as pd

    X, y = synthetic(2000, 3, 100)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.csv"
        n, c, length = X.shape
        frame = pd.DataFrame(X.transpose(0, 2, 1).reshape(-1, c), columns=[f"ch{i}" for i in range(c)])
        frame.insert(0, "time", np.tile(np.arange(length), n))
        frame.insert(0, "label", np.repeat(y, length))
        frame.insert(0, "id", np.repeat(np.arange(n), length))
        frame.to_csv(path, index=False)
        return {"seconds": _timed(lambda: read_csv_long(path))}


def write_audio_folder(root: Path, n_files: int, seconds: float, rate: int = 16000) -> None:
    """``n_files`` 16-bit WAVs of noisy tones (``seconds`` long each) for the digit-free layout."""
    import soundfile as sf

    rng = np.random.default_rng(0)
    for i in range(n_files):
        t = np.arange(int(seconds * rate)) / rate
        wave = 0.3 * np.sin(2 * np.pi * (200 + 5 * (i % 50)) * t) + 0.01 * rng.standard_normal(t.size)
        sf.write(root / f"clip_{i:05d}.wav", wave.astype(np.float32), rate, subtype="PCM_16")


def run_audio_case(case: str, folder: Path) -> dict[str, float]:
    """``AudioDataModule.setup`` on ``folder`` (written by the parent process), or 20 batches after it."""
    from ssm_ts.pipelines.audio import AudioDataModule

    few = len(list(folder.iterdir())) < 10
    dm = AudioDataModule(
        str(folder),
        sample_rate=16000,
        clip_seconds=1.0,
        crop="random",
        batch_size=16,
        fractions=(0.34, 0.33, 0.33) if few else (0.8, 0.1, 0.1),
    )
    setup = _timed(lambda: dm.setup("fit"))
    if case == "audio_setup":
        return {"seconds": setup}
    loader = dm.train_dataloader()

    def batches():
        for i, _ in enumerate(iter(loader)):
            if i == 19:
                break

    return {"seconds": _timed(batches)}


def child(case: str, size: str, data_dir: Path, audio_root: Path) -> None:
    """Run one case in this process and print its result as JSON on the last line."""
    if case in SET_CASES:
        result = run_set_case(case, {**SETS, **QUICK_SETS}[size])
    elif case.startswith("audio"):
        result = run_audio_case(case, audio_root / size.replace(" ", "_"))
    else:
        result = run_read_case(case, data_dir)
    print(json.dumps({"rss_before_mib": _RSS_BEFORE[0], **result, "peak_rss_mib": peak_rss_mib()}))


def plan(quick: bool, only: list[str] | None, sizes: list[str] | None = None) -> list[tuple[str, str]]:
    sets = QUICK_SETS if quick else SETS
    if sizes:
        unknown = set(sizes) - set(SETS) - set(QUICK_SETS)
        if unknown:
            raise SystemExit(
                f"unknown --sizes {sorted(unknown)}; the sets are {sorted({**SETS, **QUICK_SETS})}"
            )
        sets = {name: shape for name, shape in {**SETS, **QUICK_SETS}.items() if name in sizes}
    cases = [("read_ts", "archive"), ("read_csv_long", "2000 x 3 x 100")]
    cases += [(case, size) for size in sets for case in SET_CASES]
    folders = list(AUDIO_FOLDERS)[:1] if quick else list(AUDIO_FOLDERS)
    cases += [(case, folder) for folder in folders for case in ("audio_setup", "audio_batches")]
    return [(c, s) for c, s in cases if not only or c in only]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="folder with classification/ (read_ts; default: ../shared/data)",
    )
    parser.add_argument("--quick", action="store_true", help="small sets only")
    parser.add_argument("--only", nargs="*", help="run only these cases")
    parser.add_argument("--sizes", nargs="*", help="run only these synthetic sets (names as in the table)")
    parser.add_argument(
        "--name", default=None, help="write results/<name>.json (classify_audio_scale[_quick])"
    )
    parser.add_argument(
        "--threads", type=positive_count, default=None, help="threads of each case (default: the machine's)"
    )
    parser.add_argument("--child", nargs=3, metavar=("CASE", "SIZE", "AUDIO_ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child[:2], args.data, Path(args.child[2]))
    env = dict(os.environ)
    if args.threads is not None:  # set before the case's process imports numpy and torch
        threads = str(args.threads)
        env.update(OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads)
    rows, columns = [], ["case", "size", "seconds", "rss_before_mib", "peak_rss_mib", "error"]
    check_names(args.only, CASE_NAMES, "--only", "this benchmark's cases")
    cases = plan(args.quick, args.only, args.sizes)
    name = args.name or results_name("classify_audio_scale", args.quick)
    check_writable(RESULTS_DIR / f"{name}.json", "--name")
    if any(case == "read_ts" for case, _ in cases):
        require_folder(
            args.data / "classification", "--data", DATA_SOURCES["classification"], DATA / "classification"
        )
    with tempfile.TemporaryDirectory() as audio_root:
        for folder in {size for case, size in cases if case.startswith("audio")}:
            (Path(audio_root) / folder.replace(" ", "_")).mkdir()
            write_audio_folder(Path(audio_root) / folder.replace(" ", "_"), *AUDIO_FOLDERS[folder])
        for case, size in cases:
            command = [sys.executable, __file__, "--data", str(args.data), "--child", case, size, audio_root]
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            if done.returncode != 0:
                rows.append({"case": case, "size": size, "error": done.stderr.strip().splitlines()[-1]})
            else:
                rows.append({"case": case, "size": size, **json.loads(done.stdout.strip().splitlines()[-1])})
            print_table(rows[-1:], columns)
    print()
    print_table(rows, columns)
    print(write_results(name, {"case_threads": env.get("OMP_NUM_THREADS", "default"), "rows": rows}))


if __name__ == "__main__":
    main()
