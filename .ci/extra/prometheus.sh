#!/usr/bin/env bash
# Checks `monitor --listen` against the real Prometheus (Debian's package): Prometheus scrapes a
# running monitor on loopback, and its HTTP API must return our CPU and memory series. Installs
# what it needs itself, bounds every wait, and stops both processes whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=target/release/customer-snapshot
if [ ! -x "$BIN" ]; then
  echo "prometheus.sh: $BIN is missing; run the release build first" >&2
  exit 1
fi

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  # policy-rc.d 101: the package must not start its own service (port 9090, outside our
  # control). Only ours is removed afterwards; an existing one is left as it was.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    own_policy=yes
  fi
  timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
prometheus --version 2>&1 | head -1

work=$(mktemp -d "${TMPDIR:-/tmp}/customer-snapshot-prometheus-check.XXXXXX")
monitor_pid=""
prom_pid=""
cleanup() {
  for pid in $prom_pid $monitor_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $prom_pid $monitor_pid; do
    # Bounded: a process still there after 5 s is killed.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "prometheus.sh: FAIL: $*" >&2
  echo "--- monitor stderr"; cat "$work/monitor.err" 2>/dev/null || true
  echo "--- prometheus log"; tail -n 30 "$work/prometheus.log" 2>/dev/null || true
  exit 1
}

# The monitor picks a free loopback port and says which on stderr.
"$BIN" monitor --listen 127.0.0.1:0 --interval 1s --no-history --json >"$work/monitor.out" 2>"$work/monitor.err" &
monitor_pid=$!
addr=""
for _ in $(seq 100); do
  addr=$(sed -n 's|.*serving metrics on http://\([^/]*\)/metrics.*|\1|p' "$work/monitor.err" 2>/dev/null | head -n 1 || true)
  [ -n "$addr" ] && break
  kill -0 "$monitor_pid" 2>/dev/null || fail "monitor exited early"
  sleep 0.1
done
[ -n "$addr" ] || fail "monitor did not report its address within 10 s"
echo "monitor serving on $addr"
curl -fsS --max-time 5 "http://$addr/healthz" | grep -qx ok || fail "/healthz did not answer ok"

# A free loopback port for Prometheus: the first one nobody answers on.
prom_port=""
for p in $(seq 19090 19190); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then prom_port=$p; break; fi
done
[ -n "$prom_port" ] || fail "no free port for Prometheus in 19090-19190"

cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: customer-snapshot-monitor
    static_configs:
      - targets: ['$addr']
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
prom_pid=$!

api="http://127.0.0.1:$prom_port/api/v1/query"
has_series() {
  curl -fsS --max-time 2 --get --data-urlencode "query=$1" "$api" 2>/dev/null | grep -q '"result":\[{'
}
found=""
for _ in $(seq 60); do
  kill -0 "$prom_pid" 2>/dev/null || fail "prometheus exited"
  if has_series 'system_cpu_usage_ratio{job="customer-snapshot-monitor"}' &&
     has_series 'system_memory_usage_ratio{job="customer-snapshot-monitor"}' &&
     has_series 'customer_snapshot_monitor_samples_total{job="customer-snapshot-monitor"}'; then
    found=yes; break
  fi
  sleep 1
done
if [ -z "$found" ]; then
  curl -fsS --max-time 2 "http://127.0.0.1:$prom_port/api/v1/targets" || true
  fail "Prometheus did not get our CPU and memory series within 60 s"
fi
has_series 'up{job="customer-snapshot-monitor"} == 1' || fail "scrape target not up"
echo "Prometheus scraped the monitor:"
curl -fsS --max-time 2 --get --data-urlencode 'query=system_cpu_usage_ratio' "$api"; echo
curl -fsS --max-time 2 --get --data-urlencode 'query=system_memory_usage_ratio' "$api"; echo
echo "prometheus.sh: OK"
