#!/usr/bin/env bash
# Sets up a Redmine instance loaded with duban's synthetic province, for the side-by-side
# comparison of bench/run.sh (issue G: "compares duban, side by side in one run, with a
# widely used open-source tracker loaded with the same plan").
#
#   bench/redmine/setup.sh REDMINE_DIR DUBAN_BACKUP.zip
#
# - Installs Redmine from Debian's packages if it is missing (redmine, redmine-sqlite, and
#   puma as the application server), noninteractively, telling dbconfig-common not to set up
#   the package's default instance. Needs root (as bench/run.sh on this project's machines).
# - Makes an instance of its own in REDMINE_DIR (Debian's Redmine runs several instances
#   from one install: REDMINE_INSTANCE names /usr/share/redmine/instances/NAME, which is
#   made a link to REDMINE_DIR/instance): its config/database.yml pointing at
#   REDMINE_DIR/redmine.sqlite3, its own secret, its logs and temporary files. One instance
#   of this name at a time: a later run re-points the link.
# - Creates the schema (db:migrate), loads Redmine's default data in Chinese, and loads the
#   province with load.rb from the zip of `duban backup` (every table of duban's database).
# - Leaves REDMINE_DIR/admin-api-key (the admin's REST API key) and REDMINE_DIR/env (the
#   environment serve.sh and Redmine's own commands need).
#
# Settings (environment): DUBAN_BENCH_PASSWORD (the password of every loaded user, as in
# duban), REDMINE_THREADS (the database pool must cover puma's threads; default 5).
# Nothing of Redmine is kept in this repository: only these scripts, which drive the
# Debian-packaged Redmine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: setup.sh REDMINE_DIR DUBAN_BACKUP.zip}
backup=${2:?usage: setup.sh REDMINE_DIR DUBAN_BACKUP.zip}
instance=duban-bench
app=/usr/share/redmine
threads=${REDMINE_THREADS:-5}

installed() {
    for p in redmine redmine-sqlite puma; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || return 1
    done
}
if ! installed; then
    echo "== 安装 Redmine(Debian 软件包)" >&2
    [ "$(id -u)" = 0 ] || { echo "安装 Redmine 需要 root 权限" >&2; exit 1; }
    # No database for the package's own default instance: ours is made below.
    debconf-set-selections <<'EOF'
redmine redmine/dbconfig-install boolean false
redmine redmine/instances/default/dbconfig-install boolean false
EOF
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends redmine redmine-sqlite puma >/dev/null
fi
version=$(dpkg-query -W -f='${Version}' redmine)

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
backup=$(cd "$(dirname "$backup")" && pwd)/$(basename "$backup")
inst="$dir/instance"
rm -rf "$inst" "$dir"/redmine.sqlite3*
mkdir -p "$inst/config" "$inst/log" "$inst/tmp/cache" "$inst/tmp/pids" "$inst/files" "$inst/public/plugin_assets"
cat >"$inst/config/database.yml" <<EOF
production:
  adapter: sqlite3
  database: $dir/redmine.sqlite3
  pool: $((threads + 2))
  timeout: 10000
EOF
ruby -rsecurerandom -e 'puts SecureRandom.hex(64)' >"$inst/config/secret_key.txt"
chmod 600 "$inst/config/secret_key.txt"
link="$app/instances/$instance"
if [ -e "$link" ] && [ ! -L "$link" ]; then
    echo "$link 已存在且不是符号链接:不覆盖" >&2
    exit 1
fi
ln -sfn "$inst" "$link"

cat >"$dir/env" <<EOF
export REDMINE_INSTANCE=$instance
export RAILS_ENV=production
export REDMINE_THREADS=$threads
EOF
# shellcheck source=/dev/null
. "$dir/env"

echo "== Redmine $version:建库并导入默认数据(中文)" >&2
t0=$(date +%s.%N)
(cd "$app" && rake -s db:migrate >"$inst/log/setup.log" 2>&1) ||
    { echo "db:migrate 失败:" >&2; tail -20 "$inst/log/setup.log" >&2; exit 1; }
(cd "$app" && rake -s redmine:load_default_data REDMINE_LANG=zh >>"$inst/log/setup.log" 2>&1) ||
    { echo "redmine:load_default_data 失败:" >&2; tail -20 "$inst/log/setup.log" >&2; exit 1; }
echo "== Redmine:导入与 duban 相同的数据($(basename "$backup"))" >&2
(cd "$app" && bin/rails runner "$here/load.rb" "$backup" "$dir") | tee "$dir/load.txt" >&2
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }' >"$dir/setup-seconds"
