# Sourced by the integration tests that run tad under mpirun: the mpirun environment, and the
# helpers those tests had each defined. expect_train_usage reads the caller's $tad and $work.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/mpi_env.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_train_usage MESSAGE -- ARGS...: `tad train $work/ds ARGS` exits 2 (usage), its stderr
# contains MESSAGE, and it leaves no model file.
expect_train_usage() {
  local fragment=$1; shift 2
  set +e
  "$tad" train "$work/ds" --model "$work/bad_model.json" "$@" >"$work/bad.out" 2>"$work/bad.err"
  local got=$?
  set -e
  [ "$got" = 2 ] || fail "tad train $* exited $got, expected 2: $(cat "$work/bad.err")"
  grep -qF -- "$fragment" "$work/bad.err" || fail "tad train $*: message lacks '$fragment': $(cat "$work/bad.err")"
  [ ! -e "$work/bad_model.json" ] || fail "tad train $* left a model file"
}
