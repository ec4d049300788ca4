# Sourced by every script and test that starts mpirun on one machine: OpenMPI may run as root (CI,
# containers), and its traffic stays on loopback, the only interface such a run needs (network
# namespaces and CI machines may have others that are down or unreachable).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
  OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
