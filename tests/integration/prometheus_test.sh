#!/usr/bin/env bash
# Issue 4 against real servers: a real Prometheus (1 s scrapes) and a real Pushgateway on loopback,
# a real 2-executor `tad train` serving its metrics; then every panel expression of the Grafana
# dashboard and the seed's metrics_executor_* queries, evaluated through Prometheus's HTTP API over
# the run's window, return data (prometheus_queries.py), and the Pushgateway still holds the job's
# final figures after the job has ended. Skips (77) only where a server binary is missing.
# Usage: prometheus_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
dashboard="$here/../../deploy/grafana/dashboards/tad-training.json"
prometheus=${PROMETHEUS:-/usr/bin/prometheus}
pushgateway=${PUSHGATEWAY:-/usr/bin/prometheus-pushgateway}
for binary in "$prometheus" "$pushgateway"; do
  [ -x "$binary" ] || { echo "$binary is not installed: skipping"; exit 77; }
done
source "$(dirname "$0")/../../scripts/mpi_env.sh"
rm -rf "$work" && mkdir -p "$work"
job=tad-prometheus-test

# The servers' state lives in a temp dir; the trap stops them and removes it on every exit. Their
# logs are copied to WORK_DIR first, for a failure's post-mortem.
servers=$(mktemp -d)
server_pids=()
stop_servers() {
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  cp "$servers"/*.log "$work/" 2>/dev/null || true
  rm -rf "$servers"
}
trap stop_servers EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Three free loopback ports: the Pushgateway, Prometheus, and the driver's metrics endpoint.
read -r gateway_port prometheus_port metrics_port < <(/usr/bin/python3 -c '
import socket
sockets = [socket.socket() for _ in range(3)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in sockets])')
driver=127.0.0.1:$metrics_port

cat >"$servers/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tad
    metrics_path: /metrics
    honor_labels: true
    static_configs: [{targets: ['$driver']}]
  - job_name: spark
    metrics_path: /metrics/prometheus/
    honor_labels: true
    static_configs: [{targets: ['$driver']}]
  - job_name: spark-exec
    metrics_path: /metrics/executors/prometheus/
    honor_labels: true
    static_configs: [{targets: ['$driver']}]
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{targets: ['127.0.0.1:$gateway_port']}]
EOF

# Debian's Pushgateway persists to /var/lib/prometheus/pushgateway.data by default: an earlier run's
# pushes would come back and could pass the checks below. Keep this one's in memory.
"$pushgateway" --web.listen-address="127.0.0.1:$gateway_port" --persistence.file= >"$servers/pushgateway.log" 2>&1 &
server_pids+=($!)
"$prometheus" --config.file="$servers/prometheus.yml" --storage.tsdb.path="$servers/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" >"$servers/prometheus.log" 2>&1 &
server_pids+=($!)

wait_ready() {  # wait_ready NAME URL: up to 30 s
  for _ in $(seq 300); do
    /usr/bin/python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$2" \
      2>/dev/null && return 0
    sleep 0.1
  done
  tail -20 "$servers/$1.log" >&2
  fail "$1 is not ready at $2 after 30 s"
}
wait_ready pushgateway "http://127.0.0.1:$gateway_port/-/ready"
wait_ready prometheus "http://127.0.0.1:$prometheus_port/-/ready"
# Ready is not yet scraping: Prometheus hands its scrape loops their targets some seconds later.
# Once the Pushgateway has an `up` sample, the loops for the driver's paths run too.
for attempt in $(seq 300); do
  /usr/bin/python3 -c '
import json, sys, urllib.parse, urllib.request
query = urllib.parse.urlencode({"query": "up{job=\"pushgateway\"} == 1"})
body = json.load(urllib.request.urlopen(f"{sys.argv[1]}/api/v1/query?{query}", timeout=1))
sys.exit(0 if body["data"]["result"] else 1)' "http://127.0.0.1:$prometheus_port" 2>/dev/null && break
  [ "$attempt" -lt 300 ] || fail "Prometheus did not scrape the Pushgateway within 30 s"
  sleep 0.1
done

# Two executors, a dataset and depth that keep them busy for a few seconds, and a linger so the final
# figures (model quality, phase "finished") are scraped too.
"$gen" "$work/ds" 1000000 >"$work/gen.log" 2>&1
start=$(date +%s)
"$tad" train "$work/ds" --run-dir "$work/run" --executors 2 --threads 1 --max-depth 16 --job-name "$job" \
  --metrics-address 127.0.0.1 --metrics-port "$metrics_port" --metrics-linger 5 \
  --pushgateway "http://127.0.0.1:$gateway_port" --push-interval 1 >"$work/train.out" 2>"$work/train.err" ||
  { cat "$work/train.err" >&2; fail "tad train failed"; }
end=$(date +%s)
echo "training with 2 executors (and a 5 s linger) took $((end - start)) s"
grep -q "serving metrics on port $metrics_port" "$work/train.err" || fail "the driver did not serve on $metrics_port"
test -s "$work/run/metrics.prom" || fail "no RUN_DIR/metrics.prom"

# Prometheus's last scrape of the run may still be in flight; one more interval and it is stored.
sleep 2
/usr/bin/python3 "$here/prometheus_queries.py" "http://127.0.0.1:$prometheus_port" "$dashboard" \
  "$((start - 1))" "$((end + 2))" "$job" 2 "$driver"

# The job is over; the Pushgateway still has its final figures, under the job's name.
# The group's instance is the driver's host and the port it served: this run's pushes, no other's.
/usr/bin/python3 - "http://127.0.0.1:$gateway_port/metrics" "$job" "$(hostname):$metrics_port" <<'PY'
import re, sys, urllib.request
url, job, instance = sys.argv[1:4]
text = urllib.request.urlopen(url, timeout=10).read().decode()
def value(name, extra=""):
    pattern = (rf'^{name}\{{(?=[^}}]*job="{re.escape(job)}")(?=[^}}]*instance="{re.escape(instance)}")'
               rf'{extra}[^}}]*\}} (\S+)$')
    found = re.findall(pattern, text, re.MULTILINE)
    assert found, f"the Pushgateway has no {name} for job {job}, instance {instance}"
    return float(found[0])
assert value("tad_training_phase", r'(?=[^}]*phase="finished")') == 1, "last pushed phase is not finished"
assert 0 < value("tad_model_accuracy") <= 1
assert value("tad_executors") == 2
assert value("push_time_seconds") > 0
assert value("metrics_executor_totalTasks_total", r'(?=[^}]*executor_id="1")') > 0
print(f"ok  the Pushgateway holds job {job}'s final figures (phase finished, accuracy {value('tad_model_accuracy'):.4f})")
PY
echo "prometheus_test: ok"
