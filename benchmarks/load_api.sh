#!/usr/bin/env bash
# Latency of POST /api/assessments under load, measured by wrk on loopback against a real
# `nervepath serve` (SQLite in a temporary folder, WORKERS Uvicorn workers, 1 unless given).
#   bash benchmarks/load_api.sh [SECONDS] [CONNECTIONS] [CASE.json] [WORKERS]
# Without wrk, benchmarks/load_api.py measures the same with a Python client.
# Prints wrk's latency distribution (p50 … p99) and the stored-assessment count afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
connections=${2:-4}
case_file=${3:-examples/l5_radiculopathy.json}
workers=${4:-1}
command -v wrk >/dev/null || {
  echo "wrk is not installed (apt-get install wrk); or: .venv/bin/python benchmarks/load_api.py" >&2
  exit 1
}
work=$(mktemp -d)
port=${NERVEPATH_LOAD_PORT:-8765}
export NERVEPATH_DATA_DIR="$work" NERVEPATH_PORT="$port"
.venv/bin/nervepath users create loadtest --password-stdin <<<"load-test-password-123" >/dev/null
token=$(.venv/bin/nervepath users token loadtest --label load | grep -o 'np_[A-Za-z0-9_-]*' | head -n 1)
.venv/bin/nervepath serve --workers "$workers" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/api/catalogue/sites" >/dev/null && break
  sleep 0.2
done
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = [[$(cat "$case_file")]]
LUA
echo "== wrk: POST /api/assessments, ${seconds}s, ${connections} connections, ${workers} workers, case $case_file"
wrk -t1 -c"$connections" -d"${seconds}s" --timeout 30s --latency -s "$work/post.lua" \
  "http://127.0.0.1:$port/api/assessments"
stored=$(curl -sf -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/api/assessments?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "== stored assessments after the run: $stored"
