#!/usr/bin/env bash
# What hck's stamps cost per TCP state change (the kernel's own accounting) and on a connect/close
# loop's wall time (root; not part of the test suite). Everything in a private network namespace,
# the program pinned in a bpffs mounted for the run at a temporary directory; both removed at exit.
#   bench/stamp-cost.sh [CONNECTIONS] [ROUNDS]      (default 20000 5)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000} rounds=${2:-5}
[ "$(id -u)" = 0 ] || { echo "bench/stamp-cost.sh needs root (bpf, network namespaces)" >&2; exit 2; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
./jbang build tests/run.java >/dev/null 2>&1
cp=$(./jbang info classpath tests/run.java 2>/dev/null)
ns=hck-bench-stamps-$$
fs=$(mktemp -d /tmp/hck-bench-bpffs.XXXXXX)
cleanup() {
  rm -rf "$fs/hck" 2>/dev/null || true
  umount "$fs" 2>/dev/null || true
  rmdir "$fs" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
mount -t bpf hck-bench-bpffs "$fs"
ip netns add "$ns"; ip -n "$ns" link set lo up
echo "kernel $(uname -r), $(nproc) CPUs"
ip netns exec "$ns" "$java" -cp "$cp" bench/StampCost.java "$fs" "$n" "$rounds"
