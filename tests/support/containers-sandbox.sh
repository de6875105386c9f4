#!/usr/bin/env bash
# Real podman containers leaking CLOSE_WAIT, for ContainersTest. Run as root in a private mount
# namespace (unshare -m): podman's storage (/var/lib/containers) and /run are tmpfs mounted here,
# /sys/fs/cgroup a pure cgroup2 mount (the host is cgroup v1 hybrid, which crun refuses), so
# nothing podman writes reaches the machine's files; every container and the image carry names of
# this test's own, and all of them are removed before the script ends, also on failure. /var/lib is
# an overlay whose upper layer is in the test's temp dir, /var/tmp a tmpfs.
# Arguments: T (the test's temp dir: root.tar, outputs) JAVA CLASSPATH MODE (host: hck from the test's
# classes on the host; image: hck's own image built by container/build and run as $T/pod-args says)
set -euo pipefail
T=$1 JAVA=$2 CP=$3 MODE=${4:-host}
mount --make-rprivate /
# /var/lib through an overlay whose upper layer is the test's: /var/lib/containers is made there, never on the machine
mkdir -p "$T/varlib/u" "$T/varlib/w"
mount -t overlay -o "lowerdir=/var/lib,upperdir=$T/varlib/u,workdir=$T/varlib/w" hck-t-varlib /var/lib
mkdir -p /var/lib/containers
mount -t tmpfs hck-t-containers /var/lib/containers
mount -t tmpfs hck-t-run /run
mount -t tmpfs hck-t-vartmp /var/tmp
umount -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
P=(podman --cgroup-manager=cgroupfs)
LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --network none)
cleanup() {
  "${P[@]}" rm -f -t 0 hck-t-pod-leak hck-t-leak2 hck-t-healthy hck-t-agent hck-t-inspect >/dev/null 2>&1 || true
  "${P[@]}" rmi -f localhost/hck-t-busybox:1 localhost/hck:latest "localhost/hck:$(sed -n 's/.*NUMBER = "\([^"]*\)".*/\1/p' hck/run/Version.java)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"${P[@]}" import -q "$T/root.tar" localhost/hck-t-busybox:1 >/dev/null
# a server that hands every connection to a sleep that never reads nor closes: each client that closes leaves a CLOSE_WAIT
leak='nc -ll -p 9000 -e sleep 3600 & sleep 1; i=0; while [ $i -lt N ]; do nc 127.0.0.1 9000 </dev/null & i=$((i+1)); done; sleep 3600'
# without a cgroup of its own, carrying CRI-O's pod annotations
"${P[@]}" run -d --name hck-t-pod-leak --cgroups=disabled "${LIMITS[@]}" --annotation io.kubernetes.pod.namespace=shop \
  --annotation io.kubernetes.pod.name=web-7f --annotation io.kubernetes.container.name=leakweb localhost/hck-t-busybox:1 sh -c "${leak/N/3}" >/dev/null
# with a cgroup of its own (privileged: crun sets its device filter)
"${P[@]}" run -d --name hck-t-leak2 --privileged --pids-limit=-1 "${LIMITS[@]}" localhost/hck-t-busybox:1 sh -c "${leak/N/2}" >/dev/null
# healthy: its clients keep their connections open
"${P[@]}" run -d --name hck-t-healthy --cgroups=disabled "${LIMITS[@]}" localhost/hck-t-busybox:1 \
  sh -c 'nc -ll -p 9000 -e sleep 3600 & sleep 1; for i in 1 2; do sleep 3600 | nc 127.0.0.1 9000 & done; sleep 3600' >/dev/null
sleep 3
for c in hck-t-pod-leak hck-t-leak2 hck-t-healthy; do
  echo "container $c $("${P[@]}" inspect -f '{{.Id}} {{.State.Pid}}' "$c")"
done
if [ "$MODE" = image ]; then
  # hck's own image, run with the DaemonSet's pod spec as the test turned it into podman's words ($T/pod-args, one a line)
  container/build > "$T/build.log" 2>&1 || { echo "build failed"; cat "$T/build.log"; exit 1; }
  "${P[@]}" create --name hck-t-inspect localhost/hck:latest >/dev/null
  "${P[@]}" export hck-t-inspect | tar -t | grep -E 'man1/hck\.1$|completions/hck$' | sed 's/^/image has /'
  "${P[@]}" rm hck-t-inspect >/dev/null
  mapfile -t RUN < "$T/pod-args"
  "${P[@]}" run -d --name hck-t-agent "${RUN[@]}" >/dev/null
  for i in $(seq 1 120); do [ -s "$T/state/last.json" ] && break; sleep 0.5; done
  t0=$(date +%s%N)
  "${P[@]}" stop -t 10 hck-t-agent >/dev/null
  echo "agent stopped ms $(( ($(date +%s%N) - t0) / 1000000 )) rc $("${P[@]}" inspect -f '{{.State.ExitCode}}' hck-t-agent)"
  "${P[@]}" logs hck-t-agent > "$T/agent.log" 2>&1 || true
  cp "$T/state/last.json" "$T/image-dry.json"
  # live, as the live overlay says, but inside leak2's namespace and aimed at it alone: never the machine's sockets
  pid2=$("${P[@]}" inspect -f '{{.State.Pid}}' hck-t-leak2)
  mapfile -t LIVE < "$T/live-args"
  "${P[@]}" run --rm --network "ns:/proc/$pid2/ns/net" "${LIVE[@]}" --netns "/proc/$pid2/ns/net" > /dev/null 2> "$T/image-live.log" \
    || echo "image live rc $?"
  cp "$T/state/live.json" "$T/image-live.json" 2>/dev/null || true
  for c in hck-t-pod-leak hck-t-leak2 hck-t-healthy; do
    echo "after $c $(nsenter -t "$("${P[@]}" inspect -f '{{.State.Pid}}' "$c")" -n ss -tanH | awk '{print $1}' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  done
  echo done
  exit 0
fi
HCK=("$JAVA" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CP" hck.hck)
# dry runs look at every namespace of the machine (they only read); the live one runs inside leak2's namespace
"${HCK[@]}" --dry-run --all-netns --close-wait-timeout 1 --json "$T/dry.json" --state-file "$T/s.json" 2> "$T/dry.log" || echo "dry rc $?"
"${HCK[@]}" --dry-run --all-netns --close-wait-timeout 1 --exclude-containers 'shop/*' --json "$T/excl.json" --state-file "$T/s.json" \
  2> "$T/excl.log" || echo "excl rc $?"
pid2=$("${P[@]}" inspect -f '{{.State.Pid}}' hck-t-leak2)
nsenter -t "$pid2" -n "${HCK[@]}" --live --netns "/proc/$pid2/ns/net" --close-wait-timeout 1 --json "$T/live.json" --state-file "$T/s.json" \
  --lock-file "$T/lock" 2> "$T/live.log" || echo "live rc $?"
for c in hck-t-pod-leak hck-t-leak2 hck-t-healthy; do
  echo "after $c $(nsenter -t "$("${P[@]}" inspect -f '{{.State.Pid}}' "$c")" -n ss -tanH | awk '{print $1}' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
done
# resident, as the DaemonSet runs it, its /metrics scraped by a real Prometheus; then SIGTERM
port=$((20000 + RANDOM % 20000)) pport=$((40000 + RANDOM % 20000))
"${HCK[@]}" --dry-run --all-netns --close-wait-timeout 1 --every 2s --metrics-listen "127.0.0.1:$port" --state-file "$T/s2.json" \
  > /dev/null 2> "$T/every.log" &
hck_pid=$!
printf 'global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: hck\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$port" > "$T/prom.yml"
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$pport" > "$T/prom.log" 2>&1 &
prom_pid=$!
for i in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=hck_process_hung_connections{pod="web-7f"}' > "$T/hung.json" 2>/dev/null \
    && grep -q '"value"' "$T/hung.json" && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=up{job="hck"}' > "$T/up.json" || echo "no up"
echo "healthz $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")"
t0=$(date +%s%N)
kill -TERM "$hck_pid"
wait "$hck_pid" && rc=0 || rc=$?
echo "every rc $rc ms $(( ($(date +%s%N) - t0) / 1000000 ))"
kill "$prom_pid"; wait "$prom_pid" || true
echo done
