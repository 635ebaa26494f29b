#!/usr/bin/env bash
# Survival figures (issue 23, "Survive"): the kill test at scale on SQLite and PostgreSQL, and
# PostgreSQL restarted under load. It runs the tests of crates/cli/tests/survive.rs (the same
# code CI runs with a handful of kills) with the counts below, one test at a time, and prints
# each test's SURVIVE line: kills or restarts, acknowledged writes (saves, submits, returns),
# verified, lost, duplicates, retries, 503 answers, restart times.
#
#   bench/survive.sh                          # 50 kills on each database, 5 PostgreSQL restarts
#   KILLS=100 PG_RESTARTS=10 CLIENTS=8 bench/survive.sh
#
# Settings (environment): KILLS (50), PG_RESTARTS (5), CLIENTS (concurrent clients, 4), SEED
# (23), PROFILE (cargo profile of the server and the test, dev by default: the one the tests
# build; `release` times a release server's restarts), CARGO_TARGET_DIR.
#
# The kill test on PostgreSQL uses a fresh database on the server the other tests use
# (postgres://postgres@127.0.0.1:5432, or DUBAN_TEST_PG). The restarts happen on a private
# cluster the test creates in a temporary directory with initdb and pg_ctl (Debian's
# /usr/lib/postgresql/*/bin, or DUBAN_PG_BINDIR), run as the postgres user when this runs as
# root, and removes afterwards: the machine's shared PostgreSQL is never restarted.
set -euo pipefail
cd "$(dirname "$0")/.."
export DUBAN_SURVIVE_KILLS=${KILLS:-50}
export DUBAN_SURVIVE_PG_RESTARTS=${PG_RESTARTS:-5}
export DUBAN_SURVIVE_CLIENTS=${CLIENTS:-4}
export DUBAN_SURVIVE_SEED=${SEED:-23}
PROFILE=${PROFILE:-dev}
logs=$(mktemp -d /tmp/duban-survive.XXXXXX)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "kills: $DUBAN_SURVIVE_KILLS, PostgreSQL restarts: $DUBAN_SURVIVE_PG_RESTARTS, clients: $DUBAN_SURVIVE_CLIENTS, seed: $DUBAN_SURVIVE_SEED, profile: $PROFILE"
# Built first, so that the times below are the tests' alone.
cargo test --profile "$PROFILE" --locked -p duban --test survive --no-run >"$logs/build.log" 2>&1 ||
    { cat "$logs/build.log"; exit 1; }
status=0
for test in acknowledged_writes_survive_kills_on_sqlite acknowledged_writes_survive_kills_on_postgres \
    the_server_reconnects_after_postgres_restarts; do
    started=$(date +%s)
    if cargo test --profile "$PROFILE" --locked -p duban --test survive -- --exact "$test" --nocapture \
        >"$logs/$test.log" 2>&1; then
        result=passed
    else
        result=FAILED
        status=1
    fi
    echo "$test: $result in $(($(date +%s) - started)) s"
    grep -a "^SURVIVE" "$logs/$test.log" || tail -n 20 "$logs/$test.log"
done
echo "logs: $logs"
exit "$status"
