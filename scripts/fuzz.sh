#!/usr/bin/env bash
# Run every atheris harness in fuzz/ for N seconds each (default 30), starting
# from generated seeds. Exit 1 if any harness found a crash (its input is kept
# in fuzz-artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
corpus=${FUZZ_CORPUS:-fuzz-corpus}
mkdir -p fuzz-artifacts
.venv/bin/python fuzz/seeds.py "$corpus"
status=0
for target in media normalize policy; do
  echo "== fuzz_${target}.py (${seconds}s)"
  .venv/bin/python "fuzz/fuzz_${target}.py" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=20 -artifact_prefix="fuzz-artifacts/${target}-" "$corpus/$target" || status=1
done
exit $status
