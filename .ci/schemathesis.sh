#!/usr/bin/env bash
# Schema-driven API testing: schemathesis (from the Python package index, pinned) generates
# requests from /api/v1/openapi.json for every operation and checks that the server never
# answers 5xx and that every answer's status, content type and body match the document.
#
#   .ci/schemathesis.sh [path/to/duban]
#
# The binary defaults to "$CARGO_TARGET_DIR/debug/duban" (built by `cargo build`/`cargo test`).
# It runs `duban demo` (fixed clock 2024-11-10) on a throwaway data directory and a free
# loopback port, signs in as demo users and fuzzes in passes:
#   1. 单位负责人 (yujiang_head): the unit's reports (save, submit, sign off, evidence);
#   2. 督办管理员 (supervisor): reaches most of the other operations;
#   3. 系统管理员 (admin): accounts and settings;
#   4. the two sign-out operations last, each with a token of its own (see below).
# Exits non-zero on any failure. Environment: SCHEMATHESIS_MAX_EXAMPLES (default 20),
# SCHEMATHESIS_SEED (default 20241110), DUBAN_ST_VENV (default /var/tmp/duban-st-venv),
# SCHEMATHESIS_REPORT_DIR (default: a temporary directory, removed unless the run fails).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION="4.32.5"
VENV="${DUBAN_ST_VENV:-/var/tmp/duban-st-venv}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-20}"
SEED="${SCHEMATHESIS_SEED:-20241110}"
BIN="${1:-${CARGO_TARGET_DIR:-target}/debug/duban}"
PASSWORD="Duban@2024"

[ -x "$BIN" ] || { echo "schemathesis: no duban binary at $BIN (build it first)"; exit 1; }

echo "== schemathesis: virtual environment ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" \
  != "$SCHEMATHESIS_VERSION" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
ST="$VENV/bin/schemathesis"
"$ST" --version

work="$(mktemp -d /var/tmp/duban-st.XXXXXX)"
report_dir="${SCHEMATHESIS_REPORT_DIR:-$work/report}"
server_pid=""
cleanup() {
  status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$status" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "schemathesis: server log and reports kept in $work"
  fi
}
trap cleanup EXIT

port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
echo "== schemathesis: duban demo on $base"
# DUBAN_TODAY is the demo's own default; set here so the run does not depend on the caller's
# environment. A scheduler that never fires mid-run keeps the data still apart from the fuzzing.
DUBAN_TODAY=2024-11-10 DUBAN_JOB_INTERVAL_SECS=3600 \
  "$BIN" demo --data-dir "$work/data" --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "schemathesis: duban demo exited"; exit 1; }
  sleep 0.5
done
curl -fsS "$base/healthz" >/dev/null || { cat "$work/server.log"; echo "schemathesis: no /healthz"; exit 1; }

# Every sign-in happens before the fuzzing: schemathesis also fuzzes the sign-in endpoint,
# which uses up the client address's sign-in allowance (429 afterwards, as documented).
login() {
  curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
t_supervisor="$(login supervisor)"
t_head="$(login yujiang_head)"
t_admin="$(login admin)"
t_logout="$(login leader)"
t_logout_all="$(login guixi)"

# Real identifiers, so that generated requests reach past "not found" into the handlers'
# logic: half of the generated ids and periods are drawn from the demo's own.
"$VENV/bin/python" - "$base" "$t_head" "$work/schemathesis.toml" <<'PY'
import json, sys, urllib.request

base, token, out = sys.argv[1:4]
req = urllib.request.Request(base + "/api/v1/tasks", headers={"Authorization": "Bearer " + token})
work = json.load(urllib.request.urlopen(req))
ids = set(range(1, 31))
for w in work:
    ids.update((w["assignment_id"], w["task_id"], w["unit_id"], w["plan_id"]))
periods = ["2024-11", "2024-10", "2024-03", "2023-12"]
with open(out, "w") as f:
    f.write("[dictionaries.ids]\nvalues = %s\n" % json.dumps(sorted(ids)))
    f.write("[dictionaries.periods]\nvalues = %s\n" % json.dumps(periods))
    f.write("[parameters]\n")
    for key in ("path.id", "query.plan", "body.unit_id"):
        f.write('"%s" = { dictionary = "ids", probability = 0.5 }\n' % key)
    for key in ("path.period", "query.period", "body.period"):
        f.write('"%s" = { dictionary = "periods", probability = 0.5 }\n' % key)
PY

failed=0
# The checks the brief names; `all` would add stateful and negative-acceptance checks whose
# answers depend on the demo data rather than on the schema.
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
pass=0
run() {
  local token="$1"
  shift
  pass=$((pass + 1))
  echo "== schemathesis: pass $pass ($*)"
  if ! "$ST" --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks "$checks" \
    --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --generation-database none \
    --workers 1 \
    --request-timeout 30 \
    --no-color \
    --suppress-health-check all \
    --report junit --report-dir "$report_dir" --report-junit-path "$report_dir/pass-$pass.xml" \
    "$@"; then
    failed=1
  fi
}

# Signing out ends the token every other request uses; those two run last, on their own.
signouts='^/api/v1/(auth/logout|me/logout-all)$'
# The unit's pass first: the supervisor's pass may archive the plan, which closes reporting.
run "$t_head" --exclude-path-regex "$signouts"
run "$t_supervisor" --exclude-path-regex "$signouts"
run "$t_admin" --exclude-path-regex "$signouts"
# After the first request the token is gone: the rest must get the documented 401 problem.
run "$t_logout" --include-path /api/v1/auth/logout
run "$t_logout_all" --include-path /api/v1/me/logout-all

if grep -q 'panicked' "$work/server.log"; then
  echo "schemathesis: the server panicked:"
  grep -A3 'panicked' "$work/server.log"
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  echo "schemathesis: FAILED"
  exit 1
fi
echo "schemathesis: all passes clean"
