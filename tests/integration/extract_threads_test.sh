#!/bin/bash
# tad extract --threads 1, 2 and 3 write the same dataset: the same Parquet files, byte for byte (so
# the same rows in the same order), and the same summary, packet rows and flow rows, sampled or
# not, on synthetic captures and on the real ones (pcapng with several interfaces, cut-short files).
# extract_job_test checks the same with captures split over several Parquet files each.
#   extract_threads_test.sh TAD PARQUET_TO_TSV REAL_PCAPS WORK_DIR
set -euo pipefail
tad=$1 to_tsv=$2 real=$3 work=$4
rm -rf "$work"
mkdir -p "$work"

fail() { echo "extract_threads_test: $*" >&2; exit 1; }

# Seconds and rates differ from run to run; everything else in the summary must not.
summary() { /usr/bin/python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); [s.pop(k) for k in ("seconds", "packets_per_second", "out_dir")]
print(json.dumps(s, sort_keys=True))' "$1"; }

compare() {  # INPUT_DIR NAME [extract options...]
  local input=$1 name=$2
  shift 2
  for n in 1 2 3; do
    "$tad" extract "$input" --out "$work/$name-$n" --threads "$n" --json "$@" > "$work/$name-$n.json" 2> "$work/$name-$n.log" ||
      fail "extract --threads $n of $input failed: $(tail -3 "$work/$name-$n.log")"
    (cd "$work/$name-$n" && find . -type f | sort) > "$work/$name-$n.files"
  done
  [[ -s "$work/$name-1.files" ]] || fail "$name: no Parquet files written"
  "$to_tsv" "$work/$name-1" > "$work/$name-1.tsv"
  for n in 2 3; do
    cmp -s "$work/$name-1.files" "$work/$name-$n.files" ||
      fail "$name: different files with --threads 1 and $n: $(diff "$work/$name-1.files" "$work/$name-$n.files" | head)"
    while read -r f; do
      cmp -s "$work/$name-1/$f" "$work/$name-$n/$f" || fail "$name: $f differs between --threads 1 and $n"
    done < "$work/$name-1.files"
    "$to_tsv" "$work/$name-$n" > "$work/$name-$n.tsv"
    cmp -s "$work/$name-1.tsv" "$work/$name-$n.tsv" || fail "$name: rows differ between --threads 1 and $n"
    [[ "$(summary "$work/$name-1.json")" == "$(summary "$work/$name-$n.json")" ]] ||
      fail "$name: summaries differ between --threads 1 and $n"
    # The warnings about cut-short files come out in file order whatever the thread count.
    cmp -s <(grep warning "$work/$name-1.log" || true) <(grep warning "$work/$name-$n.log" || true) ||
      fail "$name: warnings differ between --threads 1 and $n"
  done
  echo "extract_threads_test: $name: $(wc -l < "$work/$name-1.tsv") rows, $(wc -l < "$work/$name-1.files") files identical"
}

"$tad" synth "$work/synth" --packets 300000 --seed 3 --files-per-category 3 > /dev/null 2>&1
compare "$work/synth" synth
compare "$work/synth" sampled --sample 0.3 --seed 5
compare "$work/synth" flows --flows --idle-timeout 5 --splt 4
if [[ -d "$real" ]]; then
  compare "$real" real --skip-invalid
  compare "$real" real-flows --skip-invalid --flows --sample 0.5
else
  echo "extract_threads_test: no real captures at $real; compared synthetic ones only"
fi

rc=0
"$tad" extract "$work/synth" --out "$work/bad" --threads -1 > /dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "--threads -1: exit code $rc, expected 2 (usage)"
echo "extract_threads_test: ok"
