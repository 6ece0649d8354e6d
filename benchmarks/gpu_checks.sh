#!/usr/bin/env bash
# The GPU checks in one run, for a machine with a GPU (CI has none): the CUDA tests (compiled Triton
# kernels against their references, every layer and model on CUDA against the CPU, CUDA-graph
# generation), the generation-speed benchmark, the kernels' launch-setting sweep and the kernel
# benchmark on CUDA. Each step has its own time limit and a failed step does not stop the later
# ones; logs and result JSONs go to $OUT (default results/gpu). Exits non-zero if a step failed.
#
#   bash benchmarks/gpu_checks.sh                                  # every step
#   STEPS="cuda_tests tune_kernels" bash benchmarks/gpu_checks.sh  # some of them
#
# Works from an installed checkout or from a bare copy of the tree on an image that already has
# torch and triton (the package is then made importable in place; mlflow etc. are not needed).
set -u
cd "$(dirname "$0")/.."
OUT="${OUT:-results/gpu}"
export PYTHONUNBUFFERED=1
PY="${PYTHON:-python3}"
failed=0

if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  echo "error: $PY sees no CUDA device (or cannot import torch; choose the interpreter with" \
    "PYTHON=.venv/bin/python). These checks need a GPU; on the CPU run the test suite" \
    "(python -m pytest -q), which tests the Triton kernels under TRITON_INTERPRET=1." >&2
  exit 2
fi
mkdir -p "$OUT"  # after the check: a machine without a GPU is left no empty results folder

# kernels/ and pipelines/ are mapped into ssm_ts by pyproject.toml; without an install, link them.
# (checked from / : python -c puts the working folder on the path, the benchmark scripts do not)
if ! (cd / && "$PY" -c "import ssm_ts.kernels") 2>/dev/null; then
  ln -sfn ../kernels ssm_ts/kernels
  ln -sfn ../pipelines ssm_ts/pipelines
  export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi

step() {  # step NAME SECONDS COMMAND...: run with a limit, log to $OUT/NAME.log
  local name=$1 limit=$2
  shift 2
  echo "=== $name (limit ${limit}s)"
  local start=$SECONDS
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  tail -n 15 "$OUT/$name.log"
  echo "=== $name: exit $rc after $((SECONDS - start))s"
  [ "$rc" -eq 0 ] || failed=1
}

"$PY" -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__, torch.cuda.get_device_name())"
STEPS="${STEPS:-cuda_tests generation_speed tune_kernels bench_kernels}"
wanted() { [[ " $STEPS " == *" $1 "* ]]; }

wanted cuda_tests && step cuda_tests "${CUDA_TESTS_LIMIT:-180}" "$PY" -m pytest -q -o addopts= -p no:cacheprovider \
  tests/kernels/test_triton_kernels.py::test_every_compiled_triton_op_matches_its_reference_on_cuda \
  tests/gpu tests/models/test_sashimi.py::test_cuda_graph_generation_equals_eager_generation
wanted generation_speed && step generation_speed "${GENERATION_LIMIT:-90}" "$PY" benchmarks/generation_speed.py --device cuda
wanted tune_kernels && step tune_kernels "${TUNE_LIMIT:-240}" "$PY" benchmarks/tune_kernels.py ${TUNE_ARGS:-}
wanted bench_kernels && step bench_kernels "${BENCH_LIMIT:-270}" "$PY" benchmarks/bench_kernels.py --device cuda ${BENCH_ARGS:-}
cp results/*.json "$OUT/" 2>/dev/null
exit "$failed"
