#!/usr/bin/env bash
# The kernel matrix as a tests/run suite: the host's test_load plus the BPF suites on each
# Debian kernel in tests/kernels/kernels.list under qemu. A kernel that cannot be
# downloaded or booted is a failure, never a skip: the matrix is a release requirement.
set -euo pipefail
exec "$(dirname "$0")/run"
