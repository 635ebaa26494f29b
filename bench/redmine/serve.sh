#!/usr/bin/env bash
# Starts the benchmark's Redmine (set up by setup.sh) with puma in production mode on
# 127.0.0.1:PORT, in the foreground: the process is puma's master (its workers are its
# children), so a caller can measure and stop it by its id.
#
#   bench/redmine/serve.sh REDMINE_DIR PORT
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: serve.sh REDMINE_DIR PORT}
port=${2:?usage: serve.sh REDMINE_DIR PORT}
# shellcheck source=/dev/null
. "$dir/env"
export REDMINE_PORT=$port
cd /usr/share/redmine
exec puma --config "$here/puma.rb"
