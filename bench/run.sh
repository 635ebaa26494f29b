#!/usr/bin/env bash
# duban's benchmark suite (issue G): generates a synthetic province, starts `duban serve`
# (release) on it, measures cold start, drives it with the in-repo load generator
# (crates/loadgen) for each scenario, records the server's peak RSS, times the bulletin in
# every format for one city-month and the assessments over the province's schools, and
# prints Markdown tables.
#
#   bench/run.sh                      # the province: 11 cities × 9 counties, 15,000 schools, 12 months
#   SCHOOLS=600 DURATION=5 bench/run.sh   # a quick smoke run
#
# Settings (environment): CITIES, COUNTIES, SCHOOLS, MONTHS, SEED, CONNECTIONS, DURATION (s per
# scenario), PORT, DATABASE_URL (a fresh PostgreSQL database instead of SQLite), BENCH_DIR
# (where the data goes; a new temporary directory by default), CARGO_TARGET_DIR.
set -euo pipefail

cd "$(dirname "$0")/.."
CITIES=${CITIES:-11}
COUNTIES=${COUNTIES:-9}
SCHOOLS=${SCHOOLS:-15000}
MONTHS=${MONTHS:-12}
SEED=${SEED:-1}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-20}
PORT=${PORT:-18180}
PASSWORD=${DUBAN_BENCH_PASSWORD:-Duban@2024}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/duban-bench-target}
BENCH_DIR=${BENCH_DIR:-$(mktemp -d /var/tmp/duban-bench.XXXXXX)}
DATA="$BENCH_DIR/data"
OUT="$BENCH_DIR/out"
mkdir -p "$OUT"

# The reads look at the last generated month; the server's clock stands in the third month
# after it, so three months are open for the submissions, none of them reported yet.
last=$(printf '2024-%02d' "$MONTHS")
today=$(date -d "2024-$(printf %02d "$MONTHS")-01 +3 month" +%Y-%m-10)
open_periods=$(for i in 1 2 3; do date -d "2024-$(printf %02d "$MONTHS")-01 +$i month" +%Y-%m; done | paste -sd, -)

db_args=(--data-dir "$DATA")
[ -n "${DATABASE_URL:-}" ] && db_args+=(--database-url "$DATABASE_URL")

echo "== 构建(release)" >&2
cargo build --release --quiet -p duban -p duban-loadgen
BIN="$CARGO_TARGET_DIR/release"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "== 生成数据:$CITIES 个地市 × $COUNTIES 个区县,$SCHOOLS 所学校,$MONTHS 个月 → $DATA" >&2
t0=$(now)
"$BIN/duban" bench-data "${db_args[@]}" --cities "$CITIES" --counties-per-city "$COUNTIES" \
    --schools "$SCHOOLS" --months "$MONTHS" --seed "$SEED" --password "$PASSWORD" | tee "$OUT/bench-data.txt" >&2
generate=$(secs "$t0" "$(now)")
db_size=$(du -sh "$DATA" | cut -f1)

echo "== 启动服务(今天 = $today)" >&2
t0=$(now)
DUBAN_LOG=warn "$BIN/duban" serve "${db_args[@]}" --addr "127.0.0.1:$PORT" --today "$today" \
    >"$OUT/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
    if ! kill -0 $server 2>/dev/null; then echo "服务未能启动:" >&2; cat "$OUT/serve.log" >&2; exit 1; fi
    sleep 0.01
done
cold=$(secs "$t0" "$(now)")
rss_idle=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status")

echo "== 压测:每个场景 $DURATION 秒,$CONNECTIONS 个连接" >&2
"$BIN/duban-loadgen" --addr "127.0.0.1:$PORT" --connections "$CONNECTIONS" --duration "$DURATION" \
    --password "$PASSWORD" --period "$last" --open-periods "$open_periods" | tee "$OUT/load.md" >&2
rss_peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status")
kill $server
wait $server 2>/dev/null || true
trap - EXIT

echo "== 通报与评估" >&2
plan=1
timings=()
for format in docx pdf xlsx csv html json; do
    t0=$(now)
    "$BIN/duban" bulletin "${db_args[@]}" --plan "$plan" --period "$last" --today "$today" --live \
        --format "$format" -o "$OUT/bulletin.$format" >/dev/null 2>&1
    timings+=("| 通报 $format(1 个地市 $last) | $(secs "$t0" "$(now)") |")
done
t0=$(now)
"$BIN/duban" assess balance --schools "$DATA/schools/compulsory.csv" --format json -o "$OUT/balance.json"
timings+=("| 优质均衡评估(全省 $(($(wc -l <"$DATA/schools/compulsory.csv") - 1)) 所中小学) | $(secs "$t0" "$(now)") |")
t0=$(now)
"$BIN/duban" assess preschool --kindergartens "$DATA/schools/kindergartens.csv" \
    --population "$DATA/schools/population.csv" --format json -o "$OUT/preschool.json"
timings+=("| 普及普惠评估(全省 $(($(wc -l <"$DATA/schools/kindergartens.csv") - 1)) 所幼儿园) | $(secs "$t0" "$(now)") |")

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git diff --quiet 2>/dev/null && echo "" || echo "(工作区有未提交修改)")
cat <<TABLE

### 基准测试结果

- 日期:$(date +%F);提交:$commit$dirty
- 机器:$(nproc) 核 $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo),内存 $(free -g | awk '/Mem:/ { print $2 }') GB;$(uname -sr)
- 数据库:${DATABASE_URL:+PostgreSQL}${DATABASE_URL:-SQLite(WAL,synchronous=FULL)},数据目录 $db_size
- 命令:CITIES=$CITIES COUNTIES=$COUNTIES SCHOOLS=$SCHOOLS MONTHS=$MONTHS CONNECTIONS=$CONNECTIONS DURATION=$DURATION bench/run.sh
- 数据:$(head -1 "$OUT/bench-data.txt")

| 项目 | 结果 |
|---|---:|
| 生成数据(bench-data,秒) | $generate |
| 冷启动到 /healthz 应答(秒) | $cold |
| 空闲 RSS(MB) | $rss_idle |
| 压测期间峰值 RSS(VmHWM,MB) | $rss_peak |

$(cat "$OUT/load.md")

| 命令 | 秒 |
|---|---:|
$(printf '%s\n' "${timings[@]}")
TABLE
