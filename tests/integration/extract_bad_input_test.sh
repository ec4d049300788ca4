#!/usr/bin/env bash
# tad extract on bad input (issue 2): every case ends with the documented exit code, one error or
# warning line that names the file, and no dataset or temporary left behind unless the run
# succeeded. Inputs come from `tad synth` and the real captures (read-only).
#   extract_bad_input_test.sh TAD REAL_PCAPS WORK_DIR
set -euo pipefail
tad=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
real=$2
work=$3
[ -d "$real" ] || { echo "extract_bad_input_test: real captures not found at $real" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
cd "$work"  # so that a DuckDB spill folder (.tmp in the working directory) would be seen too
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run NAME ARGS...: runs tad with stdout in $work/NAME.out, stderr in $work/NAME.err; sets $rc.
run() {
  local name=$1
  shift
  rc=0
  "$tad" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
}

expect_rc() {  # NAME WANT
  [ "$rc" -eq "$2" ] || fail "$1: exit code $rc, expected $2; stderr: $(head -c 600 "$work/$1.err")"
}

# The error or warning lines (tad: ...) of a run: exactly N, each containing TEXT.
expect_lines() {  # NAME N TEXT
  local count
  count=$(grep -c '^tad: ' "$work/$1.err" || true)
  [ "$count" -eq "$2" ] || fail "$1: $count 'tad:' lines on stderr, expected $2: $(cat "$work/$1.err")"
  if [ "$2" -gt 0 ] && grep '^tad: ' "$work/$1.err" | grep -qvF -- "$3"; then
    fail "$1: a 'tad:' line does not name '$3': $(grep '^tad: ' "$work/$1.err")"
  fi
}

expect_no_dataset() {  # NAME DATASET
  [ ! -e "$2" ] || fail "$1: $2 was left behind"
}

# No hidden temporaries (.NAME.tmp-PID, .NAME.old-PID, DuckDB's .tmp) anywhere under the work folder.
expect_no_temporaries() {  # NAME
  local left
  left=$(find "$work" -name '.*.tmp-*' -o -name '.*.old-*' -o -name '.tmp' | head -n 5)
  [ -z "$left" ] || fail "$1: temporaries left behind: $left"
}

json_field() {  # FILE PYTHON-EXPRESSION-OVER-j
  /usr/bin/python3 -c "import json, sys; j = json.load(open(sys.argv[1])); print($2)" "$1"
}

# A small valid input: two categories of synthetic captures.
"$tad" synth "$work/synth" --packets 4000 --seed 3 --files-per-category 1 >/dev/null 2>&1
good=$work/good
mkdir -p "$good"
categories=()
for dir in "$work"/synth/*/; do
  categories+=("$(basename "$dir")")
  ((${#categories[@]} == 2)) && break
done
for category in "${categories[@]}"; do
  cp -r "$work/synth/$category" "$good/$category"
done
first=${categories[0]}

# 1. A file that is not a capture inside a category folder: exit 1, one error naming it, no dataset.
mkdir -p "$work/notcapture"
cp -r "$good"/. "$work/notcapture/"
echo "these are notes, not packets" >"$work/notcapture/$first/notes.txt"
run notcapture extract "$work/notcapture" --out "$work/ds_notcapture"
expect_rc notcapture 1
expect_lines notcapture 1 "$first/notes.txt"
grep -q 'not a packet capture' "$work/notcapture.err" || fail "notcapture: no 'not a packet capture' in the error"
expect_no_dataset notcapture "$work/ds_notcapture"
expect_no_temporaries notcapture

# 2. The same with --skip-invalid: exit 0, one warning naming it, the file listed in the summary.
run skip extract "$work/notcapture" --out "$work/ds_skip" --skip-invalid --json
expect_rc skip 0
expect_lines skip 1 "$first/notes.txt"
grep -q '^tad: warning: skipped ' "$work/skip.err" || fail "skip: the warning does not say 'skipped'"
[ -d "$work/ds_skip" ] || fail "skip: no dataset written"
[ "$(json_field "$work/skip.out" 'j["invalid_files"]')" = "['$first/notes.txt']" ] ||
  fail "skip: invalid_files in the JSON summary is $(json_field "$work/skip.out" 'j["invalid_files"]')"
[ "$(json_field "$work/skip.out" 'j["files"]')" = 2 ] || fail "skip: files is not 2 in the JSON summary"
expect_no_temporaries skip

# 3. A capture cut in the middle of a record: the complete records are kept, one warning names the
#    file, the cut record counts as malformed, exit 0 ("A truncated last record: keep the complete
#    records, warn"). A real little-endian pcap and a real pcapng, each cut halfway through its 11th
#    packet record.
/usr/bin/python3 - "$real" "$work" <<'PY'
import pathlib, struct, sys
real, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
KEEP = 10


def pcap_records(data):  # classic pcap: 24-byte file header, records of 16 + incl_len bytes
    at = 24
    while at + 16 <= len(data):
        end = at + 16 + struct.unpack_from("<I", data, at + 8)[0]
        if end > len(data):
            return
        yield at, end
        at = end


def pcapng_records(data):  # blocks of type, total length, ...; packets are EPB (6) and SPB (3)
    at = 0
    while at + 12 <= len(data):
        kind, length = struct.unpack_from("<II", data, at)
        if length < 12 or at + length > len(data):
            return
        if kind in (3, 6):
            yield at, at + length
        at += length


done = set()
for source in sorted(p for p in real.rglob("*") if p.is_file()):
    data = source.read_bytes()
    if data[:4] == b"\xd4\xc3\xb2\xa1":
        kind, records = "pcap", list(pcap_records(data))
    elif data[:4] == b"\x0a\x0d\x0d\x0a" and data[8:12] == b"\x4d\x3c\x2b\x1a":
        kind, records = "pcapng", list(pcapng_records(data))
    else:
        continue
    if kind in done or len(records) <= KEEP:
        continue
    begin, end = records[KEEP]
    folder = work / f"truncated_{kind}" / "Cut"
    folder.mkdir(parents=True)
    (folder / f"cut.{kind}").write_bytes(data[:(begin + end) // 2])
    (work / f"truncated_{kind}.source").write_text(str(source))
    done.add(kind)
PY
for kind in pcap pcapng; do
  name=truncated_$kind
  [ -f "$work/$name.source" ] || { fail "$name: no suitable $kind among the real captures"; continue; }
  run "$name" extract "$work/$name" --out "$work/ds_$name" --json
  expect_rc "$name" 0
  expect_lines "$name" 1 "Cut/cut.$kind"
  grep -q '^tad: warning: .*kept the 10 complete records' "$work/$name.err" || fail "$name: no warning about kept records"
  [ "$(json_field "$work/$name.out" 'j["packets"]')" = 10 ] ||
    fail "$name: read $(json_field "$work/$name.out" 'j["packets"]') packets of 10 complete records ($(cat "$work/$name.source"))"
  [ "$(json_field "$work/$name.out" 'j["truncated_files"]')" = 1 ] || fail "$name: truncated_files is not 1"
  [ "$(json_field "$work/$name.out" 'j["skipped"]["malformed"] >= 1')" = True ] || fail "$name: the cut record is not counted as malformed"
  [ -d "$work/ds_$name" ] || fail "$name: no dataset written"
done
expect_no_temporaries truncated

# 4. An empty input folder, and one with files but no category sub-folders: usage error (exit 2),
#    one line naming the folder, no dataset. A missing input folder likewise.
mkdir -p "$work/empty" "$work/flat"
cp "$good/$first"/*.pcap "$work/flat/"
for name in empty flat missing; do
  run "$name" extract "$work/$name" --out "$work/ds_$name"
  expect_rc "$name" 2
  expect_lines "$name" 1 "$work/$name"
  expect_no_dataset "$name" "$work/ds_$name"
done
expect_no_temporaries empty

# 5. The output folder exists: refused without --overwrite (old content untouched), replaced with
#    it. A failing run with --overwrite leaves the old content too.
mkdir -p "$work/ds_exists"
echo "earlier results" >"$work/ds_exists/keep.txt"
run exists extract "$good" --out "$work/ds_exists"
[ "$rc" -ne 0 ] || fail "exists: exit code 0 over an existing --out"
expect_lines exists 1 "$work/ds_exists"
grep -q -- '--overwrite' "$work/exists.err" || fail "exists: the error does not mention --overwrite"
[ "$(cat "$work/ds_exists/keep.txt" 2>/dev/null)" = "earlier results" ] || fail "exists: old content changed"
[ "$(ls -A "$work/ds_exists")" = keep.txt ] || fail "exists: files added to the old output"
run overwrite_bad extract "$work/notcapture" --out "$work/ds_exists" --overwrite
expect_rc overwrite_bad 1
[ "$(cat "$work/ds_exists/keep.txt" 2>/dev/null)" = "earlier results" ] || fail "overwrite_bad: old content changed"
run overwrite extract "$good" --out "$work/ds_exists" --overwrite
expect_rc overwrite 0
[ ! -e "$work/ds_exists/keep.txt" ] || fail "overwrite: old content still there"
find "$work/ds_exists" -name '*.parquet' | grep -q . || fail "overwrite: no Parquet files in the replaced output"
expect_no_temporaries overwrite

# 6. SIGINT during a long extract: exit 128+2, no dataset, no temporaries.
"$tad" synth "$work/big" --packets 3000000 --seed 5 >/dev/null 2>&1
"$tad" extract "$work/big" --out "$work/ds_interrupted" >"$work/interrupted.out" 2>"$work/interrupted.err" &
pid=$!
# Interrupt once the dataset is being written (its temporary exists), plus a little, ~1 s in all.
for _ in $(seq 100); do
  compgen -G "$work/.ds_interrupted.tmp-*" >/dev/null && break
  sleep 0.05
done
sleep 0.5
kill -INT "$pid" 2>/dev/null || fail "interrupted: extract had already ended (make the input bigger)"
rc=0
wait "$pid" || rc=$?
expect_rc interrupted 130
expect_no_dataset interrupted "$work/ds_interrupted"
expect_no_temporaries interrupted
rm -rf "$work/big"

if ((failures)); then
  echo "extract_bad_input_test: $failures failure(s)" >&2
  exit 1
fi
echo "extract_bad_input_test: all cases passed"
