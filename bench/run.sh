#!/usr/bin/env bash
# duban's benchmark suite (issue G): generates a synthetic province, starts `duban serve`
# (release) on it, measures cold start, drives it with the in-repo load generator
# (crates/loadgen) for each scenario, records the server's peak RSS, times the bulletin in
# every format for one city-month and the assessments over the province's schools, and
# prints Markdown tables.
#
# Then, side by side in the same run, a widely used open-source tracker loaded with the same
# plan: Redmine (Debian's package, installed by bench/redmine/setup.sh if missing; needs root
# for that). The province goes over through `duban backup` (every table, taken right after
# generation, before any load), bench/redmine/load.rb maps it (a project per plan, an issue
# per item, a sub-issue per assignment, a journal per monthly report, users and keys for the
# same reporters and supervisors), puma serves it (bench/redmine/puma.rb), and the load
# generator's `--target redmine` runs the same scenarios with their nearest Redmine requests
# (crates/loadgen/src/redmine.rs says which and why). Its cold start (to the first answer of
# /robots.txt) and memory are measured as duban's; the last table sets the two side by side.
#
#   bench/run.sh                      # the province: 11 cities × 9 counties, 15,000 schools, 5 months
#   SCHOOLS=600 DURATION=5 bench/run.sh   # a quick smoke run
#   TRACKER=none bench/run.sh         # duban alone
#
# First of all, the framework's ceiling (issue N): `duban-ceiling` (crates/loadgen/src/bin/
# ceiling.rs), the same framework with no middleware and no database, is driven with the same
# connections for /healthz and a 4 KB JSON list, and every duban figure is printed as a share
# of it. duban runs with its API rate limit off (DUBAN_API_RATE=0: the load generator's 64
# connections share one address and would otherwise be measured against the limiter), and its
# sign-in throttle off (DUBAN_LOGIN_BURST=0: each load generator run signs in every reporter
# again from the same few loopback addresses, which a quick run at toy size repeats within
# the throttle's window). With
# every row comes the server's CPU time per request (from /proc), which the load generator
# on the same two cores does not distort.
#
# Settings (environment): CITIES, COUNTIES, SCHOOLS, MONTHS, SEED, CONNECTIONS, DURATION (s per
# scenario), SUBMIT_RATE (submissions per second of the fixed-rate run, for half of DURATION; 0
# skips it), PORT, DATABASE_URL (a fresh PostgreSQL database instead of SQLite), APP_PROCESSES
# (server processes on that database, 1 by default; more need DATABASE_URL), BENCH_DIR
# (where the data goes; a new temporary directory by default), CARGO_TARGET_DIR; TRACKER
# (redmine, the default, or none), CEILING_PORT (PORT + 50), DUBAN (a duban binary to measure
# instead of this checkout's, e.g. an older commit's release build), REDMINE_PORT (PORT + 1), REDMINE_WORKERS and
# REDMINE_THREADS (puma's processes and threads each; 2 and 5), REDMINE_SQLITE_FIXES=0 (Rails
# 6.1's SQLite adapter as shipped; see bench/redmine/config.ru).
set -euo pipefail

cd "$(dirname "$0")/.."
CITIES=${CITIES:-11}
COUNTIES=${COUNTIES:-9}
SCHOOLS=${SCHOOLS:-15000}
# Five months of reports (January to May 2024): the submissions need seven open months after
# them, and a plan takes reports for the months of its own year only (2024).
MONTHS=${MONTHS:-5}
if [ "$MONTHS" -gt 5 ]; then
    echo "MONTHS 最多为 5:提交场景需要其后 7 个月仍在工作要点的年度(2024 年)内" >&2
    exit 2
fi
SEED=${SEED:-1}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-20}
PORT=${PORT:-18180}
SUBMIT_RATE=${SUBMIT_RATE:-500}
PASSWORD=${DUBAN_BENCH_PASSWORD:-Duban@2024}
APP_PROCESSES=${APP_PROCESSES:-1}
if [ "$APP_PROCESSES" -gt 1 ] && [ -z "${DATABASE_URL:-}" ]; then
    echo "APP_PROCESSES > 1 需要 DATABASE_URL(PostgreSQL)" >&2
    exit 2
fi
TRACKER=${TRACKER:-redmine}
CEILING_PORT=${CEILING_PORT:-$((PORT + 50))}
REDMINE_PORT=${REDMINE_PORT:-$((PORT + 1))}
export REDMINE_WORKERS=${REDMINE_WORKERS:-2} REDMINE_THREADS=${REDMINE_THREADS:-5}
case "$TRACKER" in
redmine | none) ;;
*) echo "TRACKER 应为 redmine 或 none" >&2; exit 2 ;;
esac
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/duban-bench-target}
BENCH_DIR=${BENCH_DIR:-$(mktemp -d /var/tmp/duban-bench.XXXXXX)}
DATA="$BENCH_DIR/data"
OUT="$BENCH_DIR/out"
mkdir -p "$OUT"

# The reads look at the last generated month; the server's clock stands in the seventh month
# after it, so seven months are open for the submissions, none of them reported yet: enough
# for the fixed-rate run and the run as fast as they go.
last=$(printf '2024-%02d' "$MONTHS")
today=$(date -d "2024-$(printf %02d "$MONTHS")-01 +7 month" +%Y-%m-10)
open_periods=$(for i in $(seq 1 7); do date -d "2024-$(printf %02d "$MONTHS")-01 +$i month" +%Y-%m; done | paste -sd, -)

db_args=(--data-dir "$DATA")
[ -n "${DATABASE_URL:-}" ] && db_args+=(--database-url "$DATABASE_URL")

echo "== 构建(release)" >&2
cargo build --release --quiet -p duban -p duban-loadgen
BIN="$CARGO_TARGET_DIR/release"
DUBAN=${DUBAN:-$BIN/duban}

now() { date +%s.%N; }
# Waits until URL answers; if process PID exits first, prints what NAME logged to LOG and
# stops the suite.
wait_up() {
    local url=$1 pid=$2 name=$3 log=$4
    until curl -sf -o /dev/null "$url"; do
        if ! kill -0 "$pid" 2>/dev/null; then echo "$name 未能启动:" >&2; cat "$log" >&2; exit 1; fi
        sleep 0.01
    done
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "== 生成数据:$CITIES 个地市 × $COUNTIES 个区县,$SCHOOLS 所学校,$MONTHS 个月 → $DATA" >&2
t0=$(now)
"$DUBAN" bench-data "${db_args[@]}" --cities "$CITIES" --counties-per-city "$COUNTIES" \
    --schools "$SCHOOLS" --months "$MONTHS" --seed "$SEED" --password "$PASSWORD" | tee "$OUT/bench-data.txt" >&2
generate=$(secs "$t0" "$(now)")
db_size=$(du -sh "$DATA" | cut -f1)
if [ "$TRACKER" = redmine ]; then
    # The data as generated, before duban's load adds submissions: what Redmine gets too.
    "$DUBAN" backup "${db_args[@]}" "$OUT/duban-backup.zip" >&2
fi

echo "== 框架上限(duban-ceiling:无中间件、无数据库),每个场景 $DURATION 秒,$CONNECTIONS 个连接" >&2
"$BIN/duban-ceiling" "127.0.0.1:$CEILING_PORT" >"$OUT/ceiling.log" 2>&1 &
ceiling=$!
trap 'kill $ceiling 2>/dev/null || true' EXIT
wait_up "http://127.0.0.1:$CEILING_PORT/healthz" $ceiling duban-ceiling "$OUT/ceiling.log"
"$BIN/duban-loadgen" --target ceiling --addr "127.0.0.1:$CEILING_PORT" --connections "$CONNECTIONS" \
    --duration "$DURATION" --scenarios healthz,json --server-pid $ceiling | tee "$OUT/ceiling.md" >&2
kill $ceiling
wait $ceiling 2>/dev/null || true
trap - EXIT

echo "== 启动服务(今天 = $today,$APP_PROCESSES 个进程)" >&2
# The first process answers at PORT, further ones (APP_PROCESSES > 1, on PostgreSQL) at
# PORT + 100, PORT + 101 …: the load generator spreads its connections over all of them.
servers=()
also=()
t0=$(now)
for ((i = 0; i < APP_PROCESSES; i++)); do
    port=$((i == 0 ? PORT : PORT + 99 + i))
    DUBAN_LOG=warn DUBAN_API_RATE=0 DUBAN_LOGIN_BURST=0 "$DUBAN" serve "${db_args[@]}" --addr "127.0.0.1:$port" --today "$today" \
        >"$OUT/serve-$i.log" 2>&1 &
    servers+=($!)
    [ "$i" -gt 0 ] && also+=(--also-addr "127.0.0.1:$port")
done
trap 'kill "${servers[@]}" 2>/dev/null || true' EXIT
for ((i = 0; i < APP_PROCESSES; i++)); do
    port=$((i == 0 ? PORT : PORT + 99 + i))
    wait_up "http://127.0.0.1:$port/healthz" "${servers[$i]}" 服务 "$OUT/serve-$i.log"
done
cold=$(secs "$t0" "$(now)")
# The memory of processes, summed, in MB: a field of /proc/PID/status (VmRSS, VmHWM: pages
# shared between the processes count once per process, so an upper bound), or Pss of
# /proc/PID/smaps_rollup (shared pages divided among the processes sharing them: the total).
procs_mb() {
    local field=$1 file=status total=0 kb pid
    shift
    [ "$field" = Pss ] && file=smaps_rollup
    for pid in "$@"; do
        kb=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/$file" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo $((total / 1024))
}
rss_idle=$(procs_mb VmRSS "${servers[@]}")

echo "== 压测:每个场景 $DURATION 秒,$CONNECTIONS 个连接" >&2
pids=()
for pid in "${servers[@]}"; do pids+=(--server-pid "$pid"); done
load=("$BIN/duban-loadgen" --addr "127.0.0.1:$PORT" "${also[@]}" "${pids[@]}" --connections "$CONNECTIONS" \
    --password "$PASSWORD" --period "$last" --open-periods "$open_periods")
{
    "${load[@]}" --duration "$DURATION" --scenarios healthz,dashboard,plan,tasks,report,search
    # Submissions first at a fixed arrival rate (the goal is a rate sustained, and the latency
    # at it, queueing included), then as fast as the connections go, until the open work runs
    # out.
    if [ "$SUBMIT_RATE" != 0 ]; then
        "${load[@]}" --no-header --duration "$((DURATION / 2))" --rate "$SUBMIT_RATE" --scenarios submit
    fi
    "${load[@]}" --no-header --duration "$DURATION" --scenarios submit
} | tee "$OUT/load.md" >&2
rss_peak=$(procs_mb VmHWM "${servers[@]}")
# Comparable with a server of several processes.
pss_end=$(procs_mb Pss "${servers[@]}")
kill "${servers[@]}"
wait "${servers[@]}" 2>/dev/null || true
trap - EXIT

echo "== 通报与评估" >&2
plan=1
timings=()
for format in docx pdf xlsx csv html json; do
    t0=$(now)
    "$DUBAN" bulletin "${db_args[@]}" --plan "$plan" --period "$last" --today "$today" --live \
        --format "$format" -o "$OUT/bulletin.$format" >/dev/null 2>&1
    timings+=("| 通报 $format(1 个地市 $last) | $(secs "$t0" "$(now)") |")
done
t0=$(now)
"$DUBAN" assess balance --schools "$DATA/schools/compulsory.csv" --format json -o "$OUT/balance.json"
timings+=("| 优质均衡评估(全省 $(($(wc -l <"$DATA/schools/compulsory.csv") - 1)) 所中小学) | $(secs "$t0" "$(now)") |")
t0=$(now)
"$DUBAN" assess preschool --kindergartens "$DATA/schools/kindergartens.csv" \
    --population "$DATA/schools/population.csv" --format json -o "$OUT/preschool.json"
timings+=("| 普及普惠评估(全省 $(($(wc -l <"$DATA/schools/kindergartens.csv") - 1)) 所幼儿园) | $(secs "$t0" "$(now)") |")

# Each duban row as a share of the ceiling: /healthz of the ceiling's /healthz, everything else
# of its 4 KB JSON list (the least a JSON answer costs in this framework).
shares() {
    awk -F'|' '
        function trim(s) { gsub(/^ +| +$/, "", s); return s }
        FNR == 1 { file++ }
        file == 1 && /^\| [a-z]+ \|/ { ceiling[trim($2)] = trim($5) + 0 }
        file == 2 && /^\| [a-z]+/ {
            k = trim($2); base = (k == "healthz") ? "healthz" : "json"
            top = ceiling[base]
            share = top > 0 ? sprintf("%.0f%%", 100 * trim($5) / top) : "—"
            printf "| %s | %s | %s | %s | %s | %s | %s |\n", k, trim($5), trim($7), trim($9), base, top, share
        }' "$OUT/ceiling.md" "$OUT/load.md"
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git diff --quiet 2>/dev/null && echo "" || echo "(工作区有未提交修改)")
cat <<TABLE

### 基准测试结果

- 日期:$(date +%F);提交:$commit$dirty
- 机器:$(nproc) 核 $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo),内存 $(free -g | awk '/Mem:/ { print $2 }') GB;$(uname -sr)
- 数据库:$([ -n "${DATABASE_URL:-}" ] && echo PostgreSQL || echo "SQLite(WAL,synchronous=FULL),数据目录 $db_size");服务进程 $APP_PROCESSES 个
- 命令:APP_PROCESSES=$APP_PROCESSES${DATABASE_URL:+ DATABASE_URL=…} CITIES=$CITIES COUNTIES=$COUNTIES SCHOOLS=$SCHOOLS MONTHS=$MONTHS CONNECTIONS=$CONNECTIONS DURATION=$DURATION bench/run.sh
- 数据:$(head -1 "$OUT/bench-data.txt")

| 项目 | 结果 |
|---|---:|
| 生成数据(bench-data,秒) | $generate |
| 冷启动到 /healthz 应答(秒) | $cold |
| 空闲 RSS(MB) | $rss_idle |
| 压测期间峰值 RSS(VmHWM,MB) | $rss_peak |

框架上限(duban-ceiling,同一台机器、同样的连接与时长):

$(cat "$OUT/ceiling.md")

$(cat "$OUT/load.md")

| 场景 | duban 吞吐 (次/秒) | p99 (ms) | 服务端 CPU (µs/次) | 对照的上限 | 上限吞吐 (次/秒) | 占上限 |
|---|---:|---:|---:|---|---:|---:|
$(shares)

| 命令 | 秒 |
|---|---:|
$(printf '%s\n' "${timings[@]}")
TABLE

[ "$TRACKER" = redmine ] || exit 0

# ---- Redmine with the same data, the same scenarios ------------------------------------
# puma's master and its workers.
redmine_procs() { echo "$redmine" $(pgrep -P "$redmine" || true); }

echo "== Redmine:安装(如需要)、建库并导入相同数据" >&2
RDIR="$BENCH_DIR/redmine"
DUBAN_BENCH_PASSWORD=$PASSWORD bench/redmine/setup.sh "$RDIR" "$OUT/duban-backup.zip"
redmine_version=$(dpkg-query -W -f='${Version}' redmine)
redmine_size=$(du -ch "$RDIR"/redmine.sqlite3* | awk 'END { print $1 }')

echo "== 启动 Redmine(puma,$REDMINE_WORKERS 个进程 × $REDMINE_THREADS 个线程)" >&2
t0=$(now)
bench/redmine/serve.sh "$RDIR" "$REDMINE_PORT" >"$OUT/redmine-serve.log" 2>&1 &
redmine=$!
trap 'kill $redmine 2>/dev/null || true' EXIT
wait_up "http://127.0.0.1:$REDMINE_PORT/robots.txt" $redmine Redmine "$OUT/redmine-serve.log"
redmine_cold=$(secs "$t0" "$(now)")
redmine_rss_idle=$(procs_mb VmRSS $(redmine_procs))

echo "== 压测 Redmine:每个场景 $DURATION 秒,$CONNECTIONS 个连接" >&2
"$BIN/duban-loadgen" --target redmine --api-key "$(cat "$RDIR/admin-api-key")" \
    --addr "127.0.0.1:$REDMINE_PORT" --connections "$CONNECTIONS" --duration "$DURATION" \
    --password "$PASSWORD" --period "$last" --open-periods "$open_periods" | tee "$OUT/redmine-load.md" >&2
redmine_rss_peak=$(procs_mb VmHWM $(redmine_procs))
redmine_pss_end=$(procs_mb Pss $(redmine_procs))
kill $redmine
wait $redmine 2>/dev/null || true
trap - EXIT

# One row per scenario: the two loadgen tables joined on the scenario's name.
side_by_side() {
    awk -F'|' '
        function trim(s) { gsub(/^ +| +$/, "", s); return s }
        FNR == 1 { file++ }
        /^\| [a-z]+ \|/ {
            k = trim($2)
            row[file, k] = sprintf("%s | %s | %s | %s", trim($5), trim($6), trim($7), trim($8))
            if (file == 1) order[++n] = k
        }
        END {
            label["healthz"] = "健康检查(duban /healthz;Redmine /robots.txt)"
            label["dashboard"] = "驾驶舱(duban 驾驶舱 API;Redmine 项目概要 issues/report,HTML)"
            label["plan"] = "工作要点全貌(duban 要点 API;Redmine 项目全部问题,每页 100 条逐页取完)"
            label["tasks"] = "填报员任务清单(duban /tasks;Redmine 指派给我的问题)"
            label["report"] = "读取报告(duban 一份月报;Redmine 子任务及其全部日志)"
            label["search"] = "搜索(同样十个词)"
            label["submit"] = "提交月报(duban 保存+提交;Redmine 添加日志 PUT)"
            for (i = 1; i <= n; i++) {
                k = order[i]
                r = ((2, k) in row) ? row[2, k] : "— | — | — | —"
                printf "| %s | %s | %s |\n", (k in label ? label[k] : k), row[1, k], r
            }
        }' "$OUT/load.md" "$OUT/redmine-load.md"
}

cat <<TABLE

### 与 Redmine 的并列对比(同一次运行,相同数据)

- Redmine $redmine_version(Debian 软件包),puma $REDMINE_WORKERS 个进程 × $REDMINE_THREADS 个线程,production,日志级别 warn;SQLite(WAL,synchronous=FULL$([ -n "${DATABASE_URL:-}" ] || echo ",与 duban 相同")),数据库 $redmine_size;Rails SQLite 适配器的两处修正(IMMEDIATE 事务、在 Ruby 中等待锁,见 bench/redmine/config.ru):$([ "${REDMINE_SQLITE_FIXES:-1}" = 0 ] && echo 未启用 || echo 已启用)
- 导入:$(cat "$RDIR/load.txt")(含建库与默认数据共 $(cat "$RDIR/setup-seconds") 秒)
- 负载:与 duban 相同的连接数($CONNECTIONS)和时长(每个场景 $DURATION 秒),同一台机器

| 项目 | duban | Redmine |
|---|---:|---:|
| 冷启动到首个应答(秒;duban /healthz,Redmine /robots.txt) | $cold | $redmine_cold |
| 空闲 RSS(MB;Redmine 为 puma 主进程与各 worker 之和) | $rss_idle | $redmine_rss_idle |
| 压测期间峰值 RSS(VmHWM,MB;同上) | $rss_peak | $redmine_rss_peak |
| 压测结束时内存(PSS,MB;共享页只计一次,Redmine 为各进程之和) | $pss_end | $redmine_pss_end |

| 场景 | duban 吞吐 (次/秒) | duban p50 (ms) | duban p99 (ms) | duban 错误 | Redmine 吞吐 (次/秒) | Redmine p50 (ms) | Redmine p99 (ms) | Redmine 错误 |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
$(side_by_side)
TABLE
