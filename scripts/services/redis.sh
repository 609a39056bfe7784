#!/usr/bin/env bash
# A throw-away Redis server (the Celery broker in tests and local trials), listening on 127.0.0.1 only.
#
#   scripts/services/redis.sh start  PORT DATADIR   # installs Debian's redis-server when missing, starts it
#   scripts/services/redis.sh status PORT DATADIR   # exit 0 when it runs
#   scripts/services/redis.sh stop   PORT DATADIR   # shuts it down (nothing is persisted)
#
# DATADIR holds its pidfile and log. No persistence (no RDB/AOF): a broker for tests, not for production.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
parse_service_arguments "$@"
pidfile=$datadir/redis.pid

install_redis() {
  install_debian_package redis-server "redis-server is not installed"
}

running_pid() {
  local pid
  [[ -f $pidfile ]] || return 1
  pid=$(cat "$pidfile")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

case $action in
  start)
    command -v redis-server >/dev/null || install_redis
    command -v redis-server >/dev/null || { echo "redis-server installed but not on PATH" >&2; exit 1; }
    mkdir -p "$datadir"
    if running_pid >/dev/null; then
      echo "Redis already runs in $datadir" >&2
    else
      # Debian's package starts its own service on 6379 when it can; ours has its own port, dir and pidfile.
      redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --dir "$datadir" --pidfile "$pidfile" \
        --logfile "$datadir/redis.log" --save "" --appendonly no --protected-mode yes
      for _ in $(seq 1 100); do
        running_pid >/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
      done
      running_pid >/dev/null || { echo "Redis did not start:" >&2; cat "$datadir/redis.log" >&2; exit 1; }
    fi
    echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port" \
         "(dir $datadir): redis://127.0.0.1:$port/0"
    ;;
  stop)
    if pid=$(running_pid); then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$pidfile"
    echo "Redis on port $port stopped"
    ;;
  status)
    if running_pid >/dev/null; then echo "Redis runs on 127.0.0.1:$port"; else echo "Redis is not running in $datadir"; exit 3; fi
    ;;
  *) usage ;;
esac
