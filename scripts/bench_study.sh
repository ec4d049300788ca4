#!/usr/bin/env bash
# `make bench` part: the seed's whole study end to end, as a user would run it — `tad synth`
# PACKETS packets → `tad extract` (per packet) → `tad bench scaling --executors EXECUTORS` →
# `tad report` — with each stage's wall time and the total against the target (issue 16: ≤ 25 s
# for 10 M packets and 1-7 executors on a 2-core machine). The seed's Spark study took 23.1 min
# for its one-executor row alone.
# Usage: bench_study.sh [BUILD_DIR]   (env: PACKETS default 10000000, EXECUTORS default 1-7,
#        TARGET_SECONDS default 25, SNAPLEN default 96 (0: whole frames), KEEP_CAPTURES=1 keeps the pcaps)
# Frames are cut at SNAPLEN bytes as `tcpdump -s 96` would: every field tad extracts lies in the
# first 96 bytes of a synthetic frame, so the dataset is the same, and 10 M whole frames are 7.7 GB whose
# writing the disk, not tad, sets the pace of.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
packets=${PACKETS:-10000000} executors=${EXECUTORS:-1-7} target=${TARGET_SECONDS:-25} snaplen=${SNAPLEN:-96}
tad=$build_dir/tad
[ -x "$tad" ] || { echo "bench_study: build $tad first" >&2; exit 1; }
source scripts/mpi_env.sh
work=$build_dir/bench-study
rm -rf "$work"
mkdir -p "$work"

names=() seconds=() cpu=()
# stage NAME COMMAND...: runs the command with its output in $work/NAME.log and records its wall
# time and its CPU time (user + system, the processes it waited for included: every MPI rank), which
# says how much of the wall time other load on the machine may have added.
stage() {
  local name=$1 log=$work/${1// /_}
  shift
  if ! /usr/bin/time -f '%e %U %S' -o "$log.time" "$@" >"$log.log" 2>&1; then
    echo "bench_study: $name failed; its output:" >&2
    tail -n 20 "$log.log" >&2
    exit 1
  fi
  local wall user sys
  read -r wall user sys <"$log.time"
  names+=("$name")
  seconds+=("$wall")
  cpu+=("$(echo "$user + $sys" | bc -l)")
}

echo "The seed's study end to end: $packets packets, executors $executors ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at the start)"
stage synth "$tad" synth "$work/captures" --packets "$packets" --seed 1 --snaplen "$snaplen"
stage extract "$tad" extract "$work/captures" --out "$work/dataset"
stage "bench scaling" "$tad" bench scaling "$work/dataset" --executors "$executors" --out "$work/study"
stage report "$tad" report "$work/study"
capture_bytes=$(du -sb "$work/captures" | cut -f1)
[ -n "${KEEP_CAPTURES:-}" ] || rm -rf "$work/captures"

total=0 total_cpu=0
echo
echo "| stage | wall time (s) | share | CPU time (s) |"
echo "|---|---:|---:|---:|"
for i in "${!names[@]}"; do
  total=$(echo "$total + ${seconds[$i]}" | bc -l)
  total_cpu=$(echo "$total_cpu + ${cpu[$i]}" | bc -l)
done
for i in "${!names[@]}"; do
  printf '| %s | %.2f | %.0f %% | %.2f |\n' "${names[$i]}" "${seconds[$i]}" \
    "$(echo "100 * ${seconds[$i]} / $total" | bc -l)" "${cpu[$i]}"
done
printf '| **total** | **%.2f** | target ≤ %s s: %s | %.2f |\n' "$total" "$target" \
  "$(if (($(echo "$total <= $target" | bc -l))); then echo met; else echo "not met ($(printf '%.1f' "$(echo "$total / $target" | bc -l)")× the target)"; fi)" \
  "$total_cpu"
echo "Load at the end: $(cut -d' ' -f1 /proc/loadavg) (figures compare only on an idle machine, load < 0.5)."
echo
echo "Captures: $(echo "$capture_bytes / 1000000000" | bc -l | xargs printf '%.2f') GB of pcap. Scaling table ($work/study/scaling.md):"
cat "$work/study/scaling.md"
echo "Report: $work/study/report.html"
