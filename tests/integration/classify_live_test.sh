#!/usr/bin/env bash
# tad classify --interface with real traffic (issue 14): in a network namespace with a veth pair,
# tcpreplay replays a real capture at full speed onto one end while tad classify listens on the
# other. The flows (key, packets, bytes) and labels equal `tad classify` of the same capture file,
# the kernel dropped nothing, SIGINT hands out the open flows (end reason `end`, as at a file's
# end) and exits 0, the
# metrics endpoint passes promtool; with a 1 s idle timeout a quiet network still ends the flows
# (wall-clock expiry, end reason idle, before any signal). Bad input: an interface that does not
# exist -> one line, exit 1. Needs root, ip netns and tcpreplay; skips (77) without them.
# Usage: classify_live_test.sh TAD CAPTURES WORK_DIR
set -euo pipefail
tad=$1 captures=$2 work=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
  OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "SKIP: tcpreplay not installed (scripts/setup.sh)"; exit 77; }
ns=tad-classify-$$
ip netns add "$ns" 2>/dev/null || { echo "SKIP: cannot create a network namespace (needs root)"; exit 77; }
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
rm -rf "$work" && mkdir -p "$work"
in_ns() { ip netns exec "$ns" "$@"; }
# No IPv6 in the namespace: the kernel would add its own neighbour discovery packets (flows).
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
in_ns ip link add replay0 type veth peer name listen0
in_ns ip link set replay0 mtu 65535  # captures hold frames larger than 1500 bytes (offloads)
in_ns ip link set listen0 mtu 65535
in_ns ip link set replay0 up
in_ns ip link set listen0 up
in_ns ip link set lo up  # the metrics endpoint

capture="$captures/Social/skype.pcap"  # Ethernet, 3284 packets, TCP and UDP flows
# Timing-free features and timeouts beyond the capture's span: replayed at full speed, packet
# gaps shrink, so times must decide neither the flows nor the labels.
timeouts=(--idle-timeout 1000000 --active-timeout 1000000)
"$tad" extract "$captures" --out "$work/flows" --flows "${timeouts[@]}" --skip-invalid 2>/dev/null
"$tad" train "$work/flows" --model "$work/model.json" --max-depth 8 \
  --features packets,bytes,fwd_packets,bwd_packets,fwd_bytes,bwd_bytes,src_port,dst_port,ip_proto,size_max,size_min \
  >/dev/null
"$tad" classify "$capture" --model "$work/model.json" "${timeouts[@]}" --out "$work/offline.jsonl" >/dev/null

# Job control: without it bash starts background commands with SIGINT ignored, and the SIGINT
# case below would test that instead of tad's handler.
set -m
port=$((20000 + $$ % 20000))
in_ns "$tad" classify --interface listen0 --model "$work/model.json" "${timeouts[@]}" --out "$work/live.jsonl" \
  --metrics-port "$port" --metrics-address 127.0.0.1 --json 2>"$work/live_summary.json" &
pid=$!
for _ in $(seq 100); do
  in_ns curl -sf "http://127.0.0.1:$port/metrics" >/dev/null 2>&1 && break
  sleep 0.1
done
in_ns curl -sf "http://127.0.0.1:$port/metrics" >/dev/null || fail "the metrics endpoint did not come up"
in_ns tcpreplay -q --topspeed -i replay0 "$capture" >"$work/tcpreplay.txt" 2>&1 || fail "tcpreplay: $(cat "$work/tcpreplay.txt")"
sleep 1
in_ns curl -sf "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
if command -v promtool >/dev/null; then
  promtool check metrics <"$work/metrics.txt" || fail "promtool rejects the metrics"
fi
grep -q '^tad_classify_open_flows [1-9]' "$work/metrics.txt" || fail "no open flows in the metrics"
grep -q '^tad_classify_packets_received_total [1-9]' "$work/metrics.txt" || fail "no packets received in the metrics"
kill -INT $pid
rc=0
wait $pid || rc=$?
[ $rc -eq 0 ] || fail "SIGINT: exit $rc, want 0"

/usr/bin/python3 - "$work" <<'PY'
import collections, json, sys
work = sys.argv[1]
def records(name):
    with open(f"{work}/{name}") as f:
        return [json.loads(line) for line in f]
def key(r):
    return (r["flow_index"], r["src_ip"], r["dst_ip"], r["src_port"], r["dst_port"], r["ip_proto"], r["packets"],
            r["bytes"], r["end_reason"], r["prediction"])
offline, live = records("offline.jsonl"), records("live.jsonl")
assert sorted(map(key, live)) == sorted(map(key, offline)), (
    len(live), len(offline), sorted(set(map(key, live)) ^ set(map(key, offline)))[:5])
# No timeout fires in either run: SIGINT hands out every flow still open, as the file's end does.
assert any(r["end_reason"] == "end" for r in live), collections.Counter(r["end_reason"] for r in live)
summary = json.load(open(f"{work}/live_summary.json"))
assert summary["kernel_dropped"] == 0, summary
assert summary["flows"] == len(offline), summary
print(f"live: {len(live)} flows equal the offline run, 0 kernel drops of {summary['kernel_received']}")
PY

# A quiet network: with a 1 s idle timeout the flows end (idle) on the wall clock, before SIGINT.
in_ns "$tad" classify --interface listen0 --model "$work/model.json" --idle-timeout 1 --out "$work/quiet.jsonl" \
  2>/dev/null &
pid=$!
sleep 1
in_ns tcpreplay -q --topspeed -i replay0 "$capture" >/dev/null 2>&1
sleep 4
[ -s "$work/quiet.jsonl" ] || fail "no flow ended on the wall clock within 4 s of a quiet network"
grep -q '"end_reason":"idle"' "$work/quiet.jsonl" || fail "flows ended before SIGINT are not idle"
kill -TERM $pid
rc=0
wait $pid || rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc, want 0"

# Bad input: no such interface.
set +e
"$tad" classify --interface no-such-if0 --model "$work/model.json" 2>"$work/bad_if.err" >/dev/null
rc=$?
set -e
[ $rc -eq 1 ] || fail "a missing interface: exit $rc, want 1"
[ "$(wc -l <"$work/bad_if.err")" -eq 1 ] || fail "more than one line: $(cat "$work/bad_if.err")"
grep -q no-such-if0 "$work/bad_if.err" || fail "the message does not name the interface"
echo "classify_live_test: OK"
