#!/usr/bin/python3
"""Static checks of the Containerfile (the image build itself is the opt-in deploy_image test):
multi-stage on Debian bookworm, a runtime stage without compilers that ends as the non-root
mpiuser (uid 1000), sshd configured as the Kubeflow MPI Operator needs (port 2222, unprivileged,
keys from /home/mpiuser/.ssh, StrictModes no, pid file in /tmp), tad and libduckdb at fixed paths."""
import re
import sys

text = open(sys.argv[1]).read()
failures = []

stages = re.split(r"^(?=FROM\s)", text, flags=re.M)[1:]
heads = [re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", s, re.I).groups() for s in stages]
if len(stages) < 2:
    failures.append("not multi-stage")
if not all(image == "debian:bookworm" for image, _ in heads):
    failures.append(f"not every stage is debian:bookworm: {heads}")
runtime = stages[-1] if stages else ""
if "build-essential" in runtime or "-dev " in runtime or "cmake" in runtime:
    failures.append("the runtime stage installs build tools")
if not re.search(r"^COPY\s+--from=\S+\s+/opt/tad\s+/opt/tad", runtime, re.M):
    failures.append("the runtime stage does not copy /opt/tad from the build stage")
users = re.findall(r"^USER\s+(\S+)", runtime, re.M)
if not users or users[-1].split(":")[0] not in ("1000", "mpiuser"):
    failures.append("the runtime stage does not end as mpiuser (uid 1000)")
if not re.search(r"useradd\s+--uid 1000\b.*\bmpiuser", runtime):
    failures.append("no mpiuser with uid 1000")
if not re.search(r"^EXPOSE\s+.*\b2222\b", runtime, re.M):
    failures.append("port 2222 not exposed")
if re.search(r"^ENV\b[^\n]*(\\\n[^\n]*)*OMPI_MCA_plm_rsh_args", runtime, re.M):
    failures.append("the image fixes OMPI_MCA_plm_rsh_args, overriding the operator's")
for needle, why in [("'Port 2222'", "sshd is not on port 2222"),
                    ("'HostKey /home/mpiuser/.ssh/id_rsa'", "sshd host key not the operator's key"),
                    ("'AuthorizedKeysFile /home/mpiuser/.ssh/authorized_keys'", "authorized keys not from the secret"),
                    ("'StrictModes no'", "StrictModes not off (the secret mount is root-owned)"),
                    ("'PidFile /tmp/", "sshd pid file not in the writable /tmp"),
                    ("'  Port 2222'", "the ssh client does not default to port 2222"),
                    ("'  StrictHostKeyChecking no'", "the ssh client checks host keys of fresh pods"),
                    ("/opt/tad/bin/tad", "tad not at /opt/tad/bin"),
                    ("/opt/tad/lib/libduckdb.so", "libduckdb.so not beside tad"),
                    ("openssh-server", "no ssh server"), ("openssh-client", "no ssh client"),
                    ("openmpi-bin", "no OpenMPI")]:
    if needle not in runtime:
        failures.append(why)
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("Containerfile: all checks passed")
