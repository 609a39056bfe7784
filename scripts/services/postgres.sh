#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests and local trials, listening on 127.0.0.1 only.
#
#   scripts/services/postgres.sh start  PORT DATADIR   # installs Debian's postgresql when missing, initdb, start
#   scripts/services/postgres.sh status PORT DATADIR   # exit 0 when it runs
#   scripts/services/postgres.sh stop   PORT DATADIR   # fast shutdown (the data stays in DATADIR)
#
# `start` also creates a login role and a database it owns (the role may create more databases):
#   RESMO_PG_ROLE (default resmo), RESMO_PG_DB (default resmo), RESMO_PG_PASSWORD (required).
# The password goes to psql through the environment (\getenv), never on a command line.
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user, so DATADIR must be a folder
# that user can reach (e.g. under /var/tmp, not under root's home or a 0700 /tmp/pytest-of-root).
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
parse_service_arguments "$@"

find_bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n $found && -x $found/initdb ]]; then echo "$found"; fi
}

install_postgres() {
  install_debian_package postgresql "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)"
}

# As root, run PostgreSQL's programs as the postgres user; otherwise as the calling user.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bindir=$(find_bindir)
if [[ -z $bindir && $action == start ]]; then
  install_postgres
  bindir=$(find_bindir)
  [[ -n $bindir ]] || { echo "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb found" >&2; exit 1; }
fi
[[ -n $bindir ]] || { echo "PostgreSQL is not installed: nothing to $action" >&2; exit 1; }

case $action in
  start)
    role=${RESMO_PG_ROLE:-resmo} db=${RESMO_PG_DB:-resmo}
    [[ -n ${RESMO_PG_PASSWORD:-} ]] || { echo "set RESMO_PG_PASSWORD (the password of role $role)" >&2; exit 2; }
    [[ $role =~ ^[a-z_][a-z0-9_]*$ && $db =~ ^[a-z_][a-z0-9_]*$ ]] \
      || { echo "RESMO_PG_ROLE and RESMO_PG_DB must be lower-case identifiers" >&2; exit 2; }
    case $datadir in
      /root|/root/*) echo "DATADIR $datadir is under root's home, which the postgres user cannot reach:" \
                          "use e.g. /var/tmp/resmo-postgres" >&2; exit 2 ;;
    esac
    mkdir -p "$datadir"
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres:postgres "$datadir"
      runuser -u postgres -- test -x "$datadir" || { echo "the postgres user cannot reach $datadir: a folder" \
        "above it is closed to other users (e.g. mode 0700); use e.g. /var/tmp/resmo-postgres" >&2; exit 2; }
    fi
    chmod 0700 "$datadir"
    if [[ ! -f $datadir/PG_VERSION ]]; then
      log=$(mktemp)
      as_owner "$bindir/initdb" -D "$datadir" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
        --encoding=UTF8 --no-instructions >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
      rm -f "$log"
    fi
    # Loopback TCP only; the socket lives in DATADIR, so nothing clashes with a system cluster. fsync=off: a
    # test server whose data may be lost on a crash, not a production setting.
    if as_owner "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
      echo "PostgreSQL already runs in $datadir" >&2
    else
      as_owner "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$datadir -c fsync=off" start \
        >/dev/null || { cat "$datadir/server.log" >&2; exit 1; }
    fi
    # runuser keeps the environment: the password reaches psql without showing in a process list.
    export RESMO_PG_PASSWORD
    as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 \
      -h "$datadir" -p "$port" -U postgres -d postgres >/dev/null <<SQL
\getenv pw RESMO_PG_PASSWORD
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$role', :'pw')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', '$role', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$db', '$role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \gexec
SQL
    echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" \
         "(data $datadir): postgresql://$role@127.0.0.1:$port/$db"
    ;;
  stop)
    if [[ -f $datadir/postmaster.pid ]]; then
      as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 60 stop >/dev/null
    fi
    echo "PostgreSQL on port $port stopped"
    ;;
  status)
    if as_owner "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
      echo "PostgreSQL runs on 127.0.0.1:$port"
    else
      echo "PostgreSQL is not running in $datadir"; exit 3
    fi
    ;;
  *) usage ;;
esac
