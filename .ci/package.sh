#!/usr/bin/env bash
# The Debian package, end to end on this machine: build it (cargo-deb, release), install it
# with dpkg, check the systemd unit, run the packaged binary with the packaged configuration
# as the packaged user (without systemd: a CI machine has none running), check /healthz,
# check that a changed configuration survives a reinstall, and purge it again.
#
# Run as root on a Debian machine that does not have duban installed for real:
#   bash .ci/package.sh
#
# PACKAGE_PROFILE=dev packs the debug binary the test suite has already built instead of
# building a release one: CI does that (.ci/run), because a cold release build would double
# its time on two cores, and what CI checks here — the package's files, user, directories,
# conffile, unit, maintainer scripts, and that the packaged command line serves — does not
# depend on the optimisation level. A package to install on a server is the release one.
# It leaves the machine as it found it (the duban user and the data directories are removed
# only if this script created them).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/duban-ci-target}"
export CARGO_TERM_COLOR=never
export CARGO_INCREMENTAL=0

if dpkg -s duban >/dev/null 2>&1; then
  echo "package: duban is installed on this machine; not touching it"
  exit 1
fi

echo "== cargo-deb"
# Pinned: the version this script was written against. Later versions plan to refuse the dev
# profile (PACKAGE_PROFILE=dev below), and a CI step should not change under the project.
cargo_deb_version=3.8.0
if [ "$(cargo deb --version 2>/dev/null)" != "cargo-deb $cargo_deb_version" ]; then
  cargo install cargo-deb --version "$cargo_deb_version" --locked
fi
cargo deb --version

profile="${PACKAGE_PROFILE:-release}"
started=$(date +%s)
case "$profile" in
  release)
    echo "== build the package (release)"
    deb=$(cargo deb -p duban -- --locked | tail -n 1)
    binary="$CARGO_TARGET_DIR/release/duban"
    ;;
  dev)
    echo "== pack the debug binary the tests built (no build)"
    binary="$CARGO_TARGET_DIR/debug/duban"
    test -x "$binary" || { echo "package: $binary is missing; run the tests first"; exit 1; }
    # --fast: the debug binary is large and this package is installed once and purged.
    # cargo-deb warns that it is meant for release profiles; the warning is expected here.
    deb=$(cargo deb -p duban --profile dev --no-build --fast --strip | tail -n 1)
    ;;
  *)
    echo "package: PACKAGE_PROFILE is release or dev, not $profile"
    exit 1
    ;;
esac
echo "built $deb in $(( $(date +%s) - started )) s"
test -f "$deb"
echo "binary: $(stat -c %s "$binary") bytes as built; package: $(stat -c %s "$deb") bytes"

# What this run creates, so that only that is removed at the end.
had_user=$(getent passwd duban >/dev/null && echo yes || echo no)
had_data=$([ -e /var/lib/duban ] && echo yes || echo no)
had_backups=$([ -e /var/backups/duban ] && echo yes || echo no)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  dpkg --purge duban >/dev/null 2>&1 || true
  [ "$had_data" = no ] && rm -rf /var/lib/duban
  [ "$had_backups" = no ] && rm -rf /var/backups/duban
  [ "$had_user" = no ] && getent passwd duban >/dev/null && userdel duban 2>/dev/null || true
}
trap cleanup EXIT

echo "== install"
dpkg -i "$deb"
test -x /usr/bin/duban
test -f /etc/duban/duban.toml
# The documentation the README links to, and the manual of every role, on the server.
test -f /usr/share/doc/duban/docs/operations.md
for role in reporter unit-head supervisor leader inspector admin; do
  test -f "/usr/share/doc/duban/docs/manual/$role.md"
done
# The licences of what the binary embeds (fonts, jieba's dictionary).
test -f /usr/share/doc/duban/licenses/jieba.md
test -f /usr/share/doc/duban/licenses/fonts/ARPHICPL.TXT
test -f /usr/share/doc/duban/licenses/fonts/wqy-microhei.copyright
dpkg-query -W -f='${Conffiles}\n' duban | grep -q '/etc/duban/duban.toml'
getent passwd duban >/dev/null
test "$(stat -c %U /var/lib/duban)" = duban
test "$(stat -c %U /var/backups/duban)" = duban
test "$(stat -c %a /etc/duban/duban.toml)" = 640
echo "installed binary: $(stat -c %s /usr/bin/duban) bytes"
# Nothing was started, and no demo data made.
if pgrep -u duban >/dev/null; then echo "package: installing started something"; exit 1; fi
test ! -e /var/lib/duban/duban.db

unit=$(dpkg -L duban | grep '/duban\.service$')
if command -v systemd-analyze >/dev/null 2>&1; then
  echo "== systemd-analyze verify $unit"
  # Other units' complaints on a machine without a running systemd are not ours.
  out=$(systemd-analyze verify "$unit" 2>&1 || true)
  echo "$out"
  if echo "$out" | grep -q 'duban\.service'; then
    echo "package: the unit has problems"
    exit 1
  fi
else
  echo "== systemd-analyze not available; unit not verified"
fi

echo "== configure and run as the duban user, without systemd"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The operator's change to the conffile (kept on reinstall, checked below).
sed -i "s|^# addr = \"127.0.0.1:8080\"|addr = \"127.0.0.1:$port\"|" /etc/duban/duban.toml
grep -q "^addr = \"127.0.0.1:$port\"" /etc/duban/duban.toml
as_duban() { (cd / && runuser -u duban -- "$@"); }
as_duban /usr/bin/duban migrate --config /etc/duban/duban.toml
as_duban /usr/bin/duban migrate --check --config /etc/duban/duban.toml
echo 'Duban-Ops#2024' | as_duban /usr/bin/duban user add --config /etc/duban/duban.toml \
  --username admin --role admin --display-name 系统管理员 --password-stdin
# Warnings are expected on a fresh install (no backup yet); errors are not.
set +e
as_duban /usr/bin/duban doctor --config /etc/duban/duban.toml
status=$?
set -e
if [ "$status" -gt 1 ]; then echo "package: duban doctor found errors"; exit 1; fi

(cd / && exec runuser -u duban -- /usr/bin/duban serve --config /etc/duban/duban.toml) &
server=$!
ok=no
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ok=yes; break; fi
  sleep 0.1
done
if [ "$ok" != yes ]; then echo "package: /healthz did not answer on port $port"; exit 1; fi
curl -fsS "http://127.0.0.1:$port/healthz"; echo
# Stopped the way systemd stops it: SIGTERM to the server itself (runuser's child).
child=$(pgrep -P "$server" || true)
kill -TERM "${child:-$server}"
wait "$server" || true
server=""

echo "== reinstall keeps the changed configuration"
dpkg -i "$deb"
grep -q "^addr = \"127.0.0.1:$port\"" /etc/duban/duban.toml

echo "== purge"
dpkg --purge duban
test ! -e /usr/bin/duban
test ! -e /etc/duban/duban.toml
test ! -e "$unit"
echo "package: built, installed, served /healthz, kept its configuration, purged"
