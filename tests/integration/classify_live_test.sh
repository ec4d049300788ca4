#!/usr/bin/env bash
# tad classify --interface with real traffic (issue 14), in a network namespace with a veth pair:
#   1. tcpreplay replays a real capture at full speed onto one end while tad classify listens on the
#      other: the flows (key, packets, bytes) and labels equal `tad classify` of the same capture
#      file, the kernel dropped nothing, promtool accepts the metrics, and SIGINT (sent to tad
#      itself, started with SIGINT ignored and blocked) hands out the open flows (end reason `end`,
#      as at a file's end) and exits 0. Neither
#      run is given a timeout: both take the model's flow options (recorded by extract, copied by
#      train).
#   2. A quiet network: with --idle-timeout 1 (overriding the model's, which is warned about) the
#      flows end on the wall clock (end reason idle) before any signal, while a real Prometheus
#      scrapes the metrics endpoint; every expression of the traffic-mix Grafana dashboard returns
#      data and the flows it counts are the flows written (traffic_mix_queries.py). SIGTERM exits 0.
#   3. Bad input: an interface that does not exist -> one line, exit 1.
# Every background process runs under `timeout -k`, writes to files, and is waited for with a bound,
# so a tad that ignores a signal fails the test instead of hanging it.
# Needs root (network namespaces, raw capture): skips (77) only where it cannot create a namespace.
# Usage: classify_live_test.sh TAD CAPTURES WORK_DIR
set -euo pipefail
tad=$1 captures=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
dashboard="$here/../../deploy/grafana/dashboards/tad-traffic-mix.json"
source "$(dirname "$0")/test_lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces and raw capture)"; exit 77; }
for tool in tcpreplay prometheus promtool curl; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup.sh installs it)"
done
ns=tad-classify-$$
ip netns add "$ns" 2>/dev/null || { echo "SKIP: cannot create a network namespace (unprivileged container)"; exit 77; }
background=()
cleanup() {
  for pid in "${background[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$work" && mkdir -p "$work"
in_ns() { ip netns exec "$ns" "$@"; }
# No IPv6 in the namespace: the kernel would add its own neighbour discovery packets (flows).
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
in_ns ip link add replay0 type veth peer name listen0
in_ns ip link set replay0 mtu 65535  # captures hold frames larger than 1500 bytes (offloads)
in_ns ip link set listen0 mtu 65535
in_ns ip link set replay0 up
in_ns ip link set listen0 up
in_ns ip link set lo up  # the metrics endpoint and Prometheus

# Starts a command in the background under `timeout -k SECONDS`; sets $pid to timeout's process.
start_bounded() {
  timeout -k 5 "$@" &
  background+=($!)
  pid=$!
}
# Waits (at most 30 s) for background process $1 to end; sets $rc to its exit status.
wait_bounded() {
  local waited=0
  while kill -0 "$1" 2>/dev/null && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
  kill -0 "$1" 2>/dev/null && fail "$2 did not end within 30 s of the signal"
  rc=0
  wait "$1" || rc=$?
}
# Polls URL in the namespace until it answers (at most 30 s).
wait_url() {
  for _ in $(seq 300); do in_ns curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "$1 did not answer within 30 s"
}
# Sends signal $1 to tad itself: $2 is its `timeout` process, whose only child is tad (ip netns exec
# executes it in place). The child's signal masks are kept for a failure's message.
signal_tad() {
  local child
  child=$(pgrep -P "$2" | head -1)
  [ -n "$child" ] || fail "no tad process under pid $2"
  grep -E '^(SigIgn|SigBlk|SigCgt)' "/proc/$child/status" >"$work/signals_$1.txt" || true
  kill "-$1" "$child"
}

capture="$captures/Social/skype.pcap"  # Ethernet, 3284 packets, TCP and UDP flows
replayed=3284
# Timing-free features and timeouts beyond the capture's span: replayed at full speed, packet
# gaps shrink, so times must decide neither the flows nor the labels.
"$tad" extract "$captures" --out "$work/flows" --flows --idle-timeout 1000000 --active-timeout 1000000 \
  --skip-invalid 2>/dev/null
"$tad" train "$work/flows" --model "$work/model.json" --max-depth 8 \
  --features packets,bytes,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,src_port,dst_port,ip_proto,size_max,size_min \
  >/dev/null 2>"$work/train.err"
"$tad" classify "$capture" --model "$work/model.json" --out "$work/offline.jsonl" >/dev/null

# 1. Full-speed replay, SIGINT.
port=9100  # the namespace's own loopback: no other process uses its ports
# tad starts with SIGINT ignored and blocked, as a parent may leave it (a shell without job control
# ignores it in background jobs): its handler must still stop it.
hostile_start=(/usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
os.execv(sys.argv[1], sys.argv[1:])')
start_bounded 120 ip netns exec "$ns" "${hostile_start[@]}" "$tad" classify --interface listen0 --model "$work/model.json" \
  --out "$work/live.jsonl" --metrics-port "$port" --metrics-address 127.0.0.1 --json "$work/live_summary.json" \
  >"$work/live.out" 2>"$work/live.err"
live=$pid
wait_url "http://127.0.0.1:$port/metrics"
in_ns timeout 60 tcpreplay -q --topspeed -i replay0 "$capture" >"$work/tcpreplay.txt" 2>&1 ||
  fail "tcpreplay: $(cat "$work/tcpreplay.txt")"
for _ in $(seq 100); do  # the metrics refresh at least every second
  in_ns curl -sf "http://127.0.0.1:$port/metrics" >"$work/metrics.txt" || true
  grep -q "^tad_classify_packets_received_total $replayed\$" "$work/metrics.txt" && break
  sleep 0.1
done
promtool check metrics <"$work/metrics.txt" || fail "promtool rejects the metrics"
grep -q '^tad_classify_open_flows [1-9]' "$work/metrics.txt" || fail "no open flows in the metrics"
grep -q "^tad_classify_packets_received_total $replayed\$" "$work/metrics.txt" ||
  fail "the metrics do not count the $replayed packets replayed: $(grep received "$work/metrics.txt")"
signal_tad INT "$live"
wait_bounded "$live" "tad classify --interface after SIGINT ($(tr '\n' ' ' <"$work/signals_INT.txt"))"
[ $rc -eq 0 ] || fail "SIGINT: exit $rc, want 0: $(cat "$work/live.err")"

/usr/bin/python3 - "$work" <<'PY'
import collections, json, sys
work = sys.argv[1]
def records(name):
    with open(f"{work}/{name}") as f:
        return [json.loads(line) for line in f]
def key(r):
    return (r["flow_index"], r["src_ip"], r["dst_ip"], r["src_port"], r["dst_port"], r["ip_proto"], r["packets"],
            r["bytes"], r["end_reason"], r["prediction"])
model = json.load(open(f"{work}/model.json"))
assert model["flow_options"] == {"rows": "flows", "idle_timeout_s": 1000000, "active_timeout_s": 1000000,
                                 "splt": 10}, model.get("flow_options")
offline, live = records("offline.jsonl"), records("live.jsonl")
assert sorted(map(key, live)) == sorted(map(key, offline)), (
    len(live), len(offline), sorted(set(map(key, live)) ^ set(map(key, offline)))[:5])
# No timeout fires in either run: SIGINT hands out every flow still open, as the file's end does.
assert all(r["end_reason"] in ("end", "reuse") for r in live), collections.Counter(r["end_reason"] for r in live)
assert any(r["end_reason"] == "end" for r in live)
summary = json.load(open(f"{work}/live_summary.json"))
assert summary["kernel_dropped"] == 0, summary
assert summary["flows"] == len(offline), summary
print(f"live: {len(live)} flows equal the offline run, 0 kernel drops of {summary['kernel_received']}")
PY

# 2. A quiet network under a real Prometheus: with a 1 s idle timeout the flows end (idle) on the
# wall clock, before any signal.
metrics_port=9101 prometheus_port=9102
cat >"$work/prometheus.yml" <<EOF
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: tad-classify
    static_configs: [{targets: ['127.0.0.1:$metrics_port']}]
EOF
start_bounded 120 ip netns exec "$ns" prometheus --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/tsdb" --web.listen-address="127.0.0.1:$prometheus_port" >"$work/prometheus.log" 2>&1
prometheus_pid=$pid
start_bounded 120 ip netns exec "$ns" "$tad" classify --interface listen0 --model "$work/model.json" --idle-timeout 1 \
  --out "$work/quiet.jsonl" --metrics-port "$metrics_port" --metrics-address 127.0.0.1 \
  >"$work/quiet.out" 2>"$work/quiet.err"
quiet=$pid
wait_url "http://127.0.0.1:$prometheus_port/-/ready"
prometheus_url="http://127.0.0.1:$prometheus_port"
for attempt in $(seq 300); do  # Prometheus scrapes tad
  in_ns curl -sf "$prometheus_url/api/v1/query" --data-urlencode 'query=up{job="tad-classify"} == 1' |
    grep -q '"value"' && break
  [ "$attempt" -lt 300 ] || fail "Prometheus did not scrape tad classify within 30 s"
  sleep 0.1
done
grep -q -- "--idle-timeout 1 replaces the model's 1000000 s" "$work/quiet.err" ||
  fail "no warning that --idle-timeout overrides the model's: $(cat "$work/quiet.err")"
start=$(date +%s)
in_ns timeout 60 tcpreplay -q --topspeed -i replay0 "$capture" >/dev/null 2>&1
sleep 6  # flows idle for 1 s end on the next wall-clock expiry; Prometheus scrapes every second
[ -s "$work/quiet.jsonl" ] || fail "no flow ended on the wall clock within 6 s of a quiet network"
grep -q '"end_reason":"idle"' "$work/quiet.jsonl" || fail "flows ended before a signal are not idle"
end=$(date +%s)
in_ns /usr/bin/python3 "$here/traffic_mix_queries.py" "$prometheus_url" "$dashboard" "$start" "$end" \
  "$(wc -l <"$work/quiet.jsonl")" || fail "the traffic-mix dashboard's expressions (above)"
signal_tad TERM "$quiet"
wait_bounded "$quiet" "tad classify --interface after SIGTERM"
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc, want 0: $(cat "$work/quiet.err")"
kill -TERM "$prometheus_pid" 2>/dev/null || true
wait_bounded "$prometheus_pid" prometheus

# 3. Bad input: no such interface.
set +e
timeout -k 5 30 "$tad" classify --interface no-such-if0 --model "$work/model.json" 2>"$work/bad_if.err" >/dev/null
rc=$?
set -e
[ $rc -eq 1 ] || fail "a missing interface: exit $rc, want 1"
[ "$(wc -l <"$work/bad_if.err")" -eq 1 ] || fail "more than one line: $(cat "$work/bad_if.err")"
grep -q no-such-if0 "$work/bad_if.err" || fail "the message does not name the interface"
echo "classify_live_test: OK"
