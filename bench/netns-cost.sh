#!/usr/bin/env bash
# Measures what each extra network namespace costs an `hck --dry-run --all-netns` run.
# Runs inside a private PID + mount + network namespace sandbox (root needed), so only the
# namespaces made here exist for hck; they vanish when the sandbox ends.
#   bench/netns-cost.sh [N]    (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
./jbang build hck.java >/dev/null 2>&1
cp=$(./jbang info classpath hck.java 2>/dev/null)
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
exec unshare --pid --fork --mount-proc --mount --net -- bash -s "$n" "$cp" "$java" <<'INNER'
set -euo pipefail
n=$1 cp=$2 java=$3
mount --make-rprivate /
mkdir -p /run/netns && mount -t tmpfs bench /run/netns
ip link set lo up
run() { # median of 3 wall times in ms
  for i in 1 2 3; do
    s=$(date +%s%N)
    "$java" -cp "$cp" hck.hck --dry-run --all-netns --state-file /tmp/hck-bench-state.json >/dev/null 2>/tmp/hck-bench.err \
      || { echo "hck failed:" >&2; cat /tmp/hck-bench.err >&2; exit 1; }
    echo $(( ($(date +%s%N) - s) / 1000000 ))
  done | sort -n | sed -n 2p
}
base=$(run)
for i in $(seq 1 "$n"); do ip netns add "b$i"; ip -n "b$i" link set lo up; done
more=$(run)
echo "hck --dry-run --all-netns: 1 namespace ${base} ms, $((n + 1)) namespaces ${more} ms," \
     "$(( (more - base) * 1000 / n )) us per extra namespace (median of 3)"
INNER
