#!/usr/bin/env bash
# Make sure PostgreSQL / Redis are up for the tests; start them when they are down.
# Exit 0 when the service is reachable. Outside CI an unreachable service is a loud skip (exit 1);
# in CI (CI=true) it is a failure (exit 2), so a red service never hides as a green run.
set -u
what=${1:?usage: ensure-services.sh postgres|redis}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

start_pg() {
  command -v pg_ctlcluster >/dev/null || return 1
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || return 1
}
start_redis() {
  command -v redis-server >/dev/null || return 1
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || return 1
}

check() { if [ "$what" = postgres ]; then pg_up; else redis_up; fi; }
start() { if [ "$what" = postgres ]; then start_pg; else start_redis; fi; }

if check; then exit 0; fi
echo ">>> $what is down; starting it" >&2
start >&2
for _ in $(seq 1 30); do check && exit 0; sleep 1; done
echo "!!! $what is not reachable on 127.0.0.1 and could not be started !!!" >&2
if [ "${CI:-}" = "true" ]; then exit 2; fi
exit 1
