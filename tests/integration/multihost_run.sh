#!/usr/bin/env bash
# Several "hosts" on one machine for multi-host MPI tests (issue 5): N network namespaces, each with
# its own host name and a veth pair on a private bridge this script makes, 10.213.S.1..N/24.
# Open MPI reaches them through an rsh agent that is a wrapper around `ip netns exec` (no ssh).
#
#   multihost_run.sh N -- COMMAND [ARGS...]
#
# runs COMMAND inside host 1 with $TAD_MULTIHOST_MPIRUN set to the mpirun invocation to put in
# front of a program ("mpirun --hostfile … --mca …"; add -np), e.g.
#   multihost_run.sh 3 -- bash -c '$TAD_MULTIHOST_MPIRUN -np 3 ./cluster_probe check'
# Namespaces, links and the bridge are removed on every exit. Needs root (ip netns); exits 77
# (skip) when namespaces cannot be made here.
set -euo pipefail

if [[ $# -lt 3 || $2 != "--" ]]; then
  echo "usage: $0 N -- COMMAND [ARGS...]" >&2
  exit 2
fi
hosts=$1
shift 2
id=$(( $$ % 10000 ))
subnet="10.213.$(( $$ % 250 ))"
bridge="tadbr${id}"
work=$(mktemp -d /tmp/tad-multihost.XXXXXX)
namespaces=()

cleanup() {
  for ns in "${namespaces[@]}"; do
    # Processes this run started inside the namespace (mpirun's daemons, ranks), then the namespace.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [[ $(id -u) -ne 0 ]] || ! ip link add "$bridge" type bridge 2>/dev/null; then
  echo "multihost: cannot create a bridge and network namespaces here (needs root); skipping" >&2
  exit 77
fi
ip link set "$bridge" up

: > "$work/hostfile"
: > "$work/hosts.map"
for i in $(seq 1 "$hosts"); do
  ns="tadmh${id}h${i}"
  ip netns add "$ns"
  namespaces+=("$ns")
  ip link add "tv${id}a${i}" type veth peer name "tv${id}b${i}"
  ip link set "tv${id}a${i}" master "$bridge" up
  ip link set "tv${id}b${i}" netns "$ns"
  ip -n "$ns" link set "tv${id}b${i}" name eth0
  ip -n "$ns" addr add "${subnet}.${i}/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  echo "${subnet}.${i} slots=1" >> "$work/hostfile"
  echo "${subnet}.${i} $ns tadhost${i}" >> "$work/hosts.map"
done

# The rsh agent: `agent HOST COMMAND...` runs COMMAND (a shell command line, as ssh would) inside
# HOST's namespace, under that host's own host name.
cat > "$work/netns-rsh" <<AGENT
#!/usr/bin/env bash
set -eu
host=\$1; shift
while [[ \$host == -* ]]; do host=\$1; shift; done   # options an agent may get before the host
read -r _ ns name < <(grep "^\$host " "$work/hosts.map")
exec ip netns exec "\$ns" unshare --uts bash -c 'hostname "\$0"; exec bash -c "\$1"' "\$name" "\$*"
AGENT
chmod +x "$work/netns-rsh"

# Traffic between hosts only over the namespaces' own interfaces, never shared memory across them.
unset OMPI_MCA_btl_tcp_if_include OMPI_MCA_oob_tcp_if_include OMPI_MCA_btl
export TAD_MULTIHOST_MPIRUN="mpirun --hostfile $work/hostfile --mca plm_rsh_agent $work/netns-rsh \
--mca btl self,tcp --mca btl_tcp_if_include ${subnet}.0/24 --mca oob_tcp_if_include ${subnet}.0/24 --bind-to none"
export TAD_MULTIHOST_DIR="$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

status=0
ip netns exec "${namespaces[0]}" unshare --uts bash -c 'hostname tadhost1; exec "$@"' bash "$@" || status=$?
exit "$status"
