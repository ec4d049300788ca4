# Sourced by the integration tests that run tad under mpirun: the mpirun environment, and the
# helpers those tests had each defined. The expect_ helpers read the caller's $tad and $work.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/mpi_env.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_tad_error CODE MESSAGE -- ARGS...: `tad ARGS` exits CODE and says MESSAGE on stderr in
# one line (a second may come from mpirun when a rank fails).
expect_tad_error() {
  local code=$1 fragment=$2; shift 3
  set +e
  "$tad" "$@" >"$work/bad.out" 2>"$work/bad.err"
  local got=$?
  set -e
  [ "$got" = "$code" ] || fail "tad $* exited $got, expected $code: $(cat "$work/bad.err")"
  grep -qF -- "$fragment" "$work/bad.err" || fail "tad $*: message lacks '$fragment': $(cat "$work/bad.err")"
  [ "$(wc -l <"$work/bad.err")" -le 2 ] || fail "tad $*: more than one line of error: $(cat "$work/bad.err")"
}

# expect_train_usage MESSAGE -- ARGS...: `tad train $work/ds ARGS` exits 2 (usage), says MESSAGE,
# and leaves no model file.
expect_train_usage() {
  local fragment=$1; shift 2
  expect_tad_error 2 "$fragment" -- train "$work/ds" --model "$work/bad_model.json" "$@"
  [ ! -e "$work/bad_model.json" ] || fail "tad train $* left a model file"
}
