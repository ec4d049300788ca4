# Sourced by the extraction, flow and classify benchmarks: the captures they share under $work
# (made once, kept between runs), and how they time tad. Reads the caller's $tad and $work.

# merged_capture PACKETS: $work/captures-PACKETS/All/capture.pcap, the pcaps of
# `tad synth --seed 1` merged into one file in one category folder.
merged_capture() {
  local dir=$work/captures-$1
  [ -f "$dir/All/capture.pcap" ] && return
  echo "synthesising $1 packets into $dir ..."
  rm -rf "$dir" "$dir.synth"
  "$tad" synth "$dir.synth" --packets "$1" --seed 1 >/dev/null 2>&1
  mkdir -p "$dir/All"
  find "$dir.synth" -type f -name '*.pcap' -print0 | sort -z |
    xargs -0 mergecap -a -F pcap -w "$dir/All/capture.pcap.partial"
  mv "$dir/All/capture.pcap.partial" "$dir/All/capture.pcap"
  rm -rf "$dir.synth"
}

# best_of_3 COMMAND...: prints the shortest wall time in seconds of three runs of COMMAND. The
# first run also reads the capture into the page cache; a single run after other benchmarks may
# read it from disk (1.10 s instead of 0.31 s was seen).
best_of_3() {
  local best=inf start
  for run in 1 2 3; do
    start=$EPOCHREALTIME
    "$@"
    best=$(/usr/bin/python3 -c "print(min($EPOCHREALTIME - $start, float('$best')))")
  done
  echo "$best"
}
