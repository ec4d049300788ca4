#!/usr/bin/python3
"""Static checks of the Containerfile: multi-stage, non-root at run time, sshd on 2222 as the MPI
Operator needs, tad and libduckdb at fixed paths."""
import re
import sys

text = open(sys.argv[1]).read()
failures = []
stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M)
if len(stages) < 2:
    failures.append("not multi-stage")
if not all(image.startswith("debian:bookworm") for image, _ in stages):
    failures.append("a stage is not Debian bookworm")
users = re.findall(r"^USER\s+(\S+)", text, re.M)
if not users or users[-1].split(":")[0] in ("0", "root"):
    failures.append("the runtime stage does not end as a non-root user")
for needle, why in [("Port 2222", "sshd is not on port 2222"),
                    ("PidFile /tmp/", "sshd pid file not in a writable dir"),
                    ("/opt/tad/bin/tad", "tad not at /opt/tad/bin"),
                    ("/opt/tad/lib/libduckdb.so", "libduckdb.so not beside tad"),
                    ("openssh-server", "no ssh server"), ("openmpi-bin", "no OpenMPI")]:
    if needle not in text:
        failures.append(why)
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("Containerfile: all checks passed")
