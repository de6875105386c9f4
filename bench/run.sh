#!/usr/bin/env bash
# hck's benchmark (root; not part of the test suite). For each N it builds N hung sockets in a
# private network namespace — N/2 CLOSE_WAIT held by holder processes (at most 19,000 each: a
# process may hold 20,000 files here) and N/2 orphan FIN_WAIT2 — and times, in one run, several
# rounds each, interleaved: ss -tanpoeiH state close-wait, ss -tanpoeiH over the six states, ss -tanp,
# netstat -tanp, ss -tanoeiH, and hck --dry-run --json as users start it: ./jbang hck.java, java -jar
# of the exported fat jar, the same with its class-data archive, and java -cp with the script's
# runtime options (JVM start included, peak RSS recorded); ratios from the medians of that one run.
# Then, on a fresh set, ./jbang hck.java --live killing L hung sockets while a control set (a
# protected process's) must survive (kills a second, start to exit); and startup:
# hck on an idle namespace (as java, as java with an AppCDS archive, and through ./jbang, which uses
# its //CDS archive) against a jbang hello-world, and that hello-world declaring hck's dependencies
# and sources (what jbang alone costs a start of hck). Prints a table and the ratios, writes JSON.
# With --broker D: a broker-shaped host, D ESTABLISHED descriptors in 20 processes beside 1,000
# CLOSE_WAIT, where the owners are the cost: ss -tanpH state close-wait against ./jbang hck.java
# --dry-run with owners from the kernel's walk of open files (the default as root) and from /proc
# (rules stamps: off), interleaved, medians of one run.
#   bench/run.sh [--sizes 10000,50000,190000] [--live 50000] [--broker 380000] [--rounds 3] [--out bench/results.json]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=10000,50000,190000 live=50000 broker=0 rounds=3 out=bench/results.json
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) sizes=$2; shift 2;; --live) live=$2; shift 2;; --broker) broker=$2; shift 2;; --rounds) rounds=$2; shift 2;; --out) out=$2; shift 2;;
    *) echo "usage: bench/run.sh [--sizes N,N] [--live N] [--broker N] [--rounds R] [--out FILE]" >&2; exit 2;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/run.sh needs root (network namespaces)" >&2; exit 2; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
./jbang build tests/run.java >/dev/null 2>&1
cp=$(./jbang info classpath tests/run.java 2>/dev/null)
ns=hck-bench-$$
work=$(mktemp -d)
holders=()
cleanup() {
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fresh_ns() {
  cleanup; work=$(mktemp -d)
  ip netns add "$ns"; ip -n "$ns" link set lo up
  # orphan FIN_WAIT2 live tcp_fin_timeout (60 s): keep them for the whole run, in this namespace only
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fin_timeout=3600
}
hold() { # args... ; waits for "ready". Holders read a fifo this script keeps open: no EOF, no extra process.
  local fifo="$work/fifo.$RANDOM"; mkfifo "$fifo"
  [ -p "$work/stdin" ] || { mkfifo "$work/stdin"; exec 7<>"$work/stdin"; }
  ip netns exec "$ns" "$java" -XX:+UseSerialGC -cp "$cp" hck.support.Holder "$@" < "$work/stdin" > "$fifo" 2>>"$work/holders.log" &
  disown
  read -r line < "$fifo"; rm -f "$fifo"
  [ "$line" = ready ] || { echo "holder $* failed:" >&2; cat "$work/holders.log" >&2; exit 1; }
}
build() { # total sockets [holder name] [first server port]; half CLOSE_WAIT (held), half orphan FIN_WAIT2
  local total=$1 name=${2:-leaky} base=${3:-9000} half=$(( $1 / 2 )) per procs i port
  procs=$(( (half + 18999) / 19000 )); per=$(( half / procs ))
  for i in $(seq 1 "$procs"); do
    port=$((base + i))
    hold name=server$i "listen:$port:close"
    hold "name=$name$i" "connect:127.0.0.1:$port:$per"
  done
  sleep 2
}
# wall seconds and peak RSS (KiB) of one command, its output thrown away
measure() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1 || true; cat "$work/time"; }
stats() { # values... -> "median min max"
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%s %s %s\n", a[int((NR+1)/2)], a[1], a[NR]}'
}
states="state close-wait state fin-wait-1 state fin-wait-2 state closing state last-ack state time-wait"
# hck runs with the JVM options its //RUNTIME_OPTIONS line gives jbang
read -r -a jvm <<< "$(sed -n 's|^//RUNTIME_OPTIONS ||p' hck.java)"
# what users start: the fat jar (jbang export) and its class-data archive, made once on an idle namespace
keep=$(mktemp -d)
trap 'cleanup; rm -rf "$keep"' EXIT
./jbang export fatjar --force -O "$keep/hck.jar" hck.java >/dev/null 2>&1
fresh_ns
ip netns exec "$ns" "$java" -XX:ArchiveClassesAtExit="$keep/hck.jsa" -jar "$keep/hck.jar" --dry-run --state-file "$work/state.json" >/dev/null 2>&1
# ./jbang hck.java as a host runs it after its first time: the first run writes the script's //CDS
# archive, the second has ./jbang remember jbang's command line (README, the launcher)
for _ in 1 2; do ip netns exec "$ns" ./jbang hck.java --dry-run --state-file "$work/state.json" >/dev/null 2>&1; done
hck=("$java" "${jvm[@]}" -cp "$cp" hck.hck)
json="{\"rounds\": $rounds, \"machine\": \"$(nproc) cores, $(uname -r), $("$java" -version 2>&1 | head -1 | tr -d '"')\", \"sizes\": ["
printf '%-8s %-28s %22s %10s\n' sockets command "wall s (median min max)" "peak MiB"
first=1
for n in ${sizes//,/ }; do
  fresh_ns; build "$n"
  hckargs=(--dry-run --close-wait-timeout 1 --fin-wait-timeout 1 --json "$work/out.json" --state-file "$work/state.json")
  scanned=$(ip netns exec "$ns" ss -tanH | wc -l)
  declare -A med=()
  [ $first = 1 ] || json+=","; first=0
  json+="{\"sockets\": $scanned, \"commands\": {"
  labels=("ss -tanpoeiH state close-wait" "ss -tanpoeiH state" "ss -tanp" "netstat -tanp" "ss -tanoeiH state"
          "hck ./jbang hck.java" "hck java -jar" "hck java -jar, CDS" "hck --dry-run")
  declare -A wall_of=() rss_of=()
  # rounds interleaved across the commands: the machine's speed drifts, and a drift then weighs on
  # every command alike instead of on whichever ran during it
  for r in $(seq 1 "$rounds"); do
    for label in "${labels[@]}"; do
      case $label in
        "ss state filter") cmd=(ip netns exec "$ns" ss -tanH $states);;
        "ss -tanoeiH state") cmd=(ip netns exec "$ns" ss -tanoeiH $states);;
        "ss -tanpoeiH state") cmd=(ip netns exec "$ns" ss -tanpoeiH $states);;
        "netstat -tanp") cmd=(ip netns exec "$ns" netstat -tanp);;
        "ss -tanpoeiH state close-wait") cmd=(ip netns exec "$ns" ss -tanpoeiH state close-wait);;
        "ss -tanp") cmd=(ip netns exec "$ns" ss -tanp);;
        "hck ./jbang hck.java") cmd=(ip netns exec "$ns" ./jbang hck.java "${hckargs[@]}");;
        "hck java -jar") cmd=(ip netns exec "$ns" "$java" -jar "$keep/hck.jar" "${hckargs[@]}");;
        "hck java -jar, CDS") cmd=(ip netns exec "$ns" "$java" -XX:SharedArchiveFile="$keep/hck.jsa" -jar "$keep/hck.jar" "${hckargs[@]}");;
        "hck --dry-run") cmd=(ip netns exec "$ns" "${hck[@]}" "${hckargs[@]}");;
      esac
      read -r wall kib < <(measure "${cmd[@]}")
      wall_of[$label]+=" $wall"; [ "$kib" -gt "${rss_of[$label]:-0}" ] && rss_of[$label]=$kib
    done
  done
  c=0
  for label in "${labels[@]}"; do
    # shellcheck disable=SC2086
    read -r m lo hi < <(stats ${wall_of[$label]})
    med[$label]=$m
    printf '%-8s %-28s %10s %5s %5s %10s\n' "$scanned" "$label" "$m" "$lo" "$hi" "$((rss_of[$label] / 1024))"
    [ $c = 0 ] || json+=","; c=1
    json+="\"$label\": {\"median_s\": $m, \"min_s\": $lo, \"max_s\": $hi, \"peak_rss_mib\": $((rss_of[$label] / 1024))}"
  done
  hung=$(python3 -c "import json;print(json.load(open('$work/out.json'))['summary']['hung'])" 2>/dev/null || echo "?")
  ratio() { awk -v a="${med[$1]}" -v b="${med[$2]}" 'BEGIN{printf "%.2f", a/b}'; }
  r1=$(ratio "hck --dry-run" "ss -tanpoeiH state"); r2=$(ratio "hck --dry-run" "ss -tanoeiH state")
  rj=$(ratio "hck ./jbang hck.java" "ss -tanpoeiH state close-wait"); rjar=$(ratio "hck java -jar" "ss -tanpoeiH state close-wait")
  rcds=$(ratio "hck java -jar, CDS" "ss -tanpoeiH state close-wait"); rtanp=$(ratio "hck ./jbang hck.java" "ss -tanp")
  rnet=$(ratio "hck ./jbang hck.java" "netstat -tanp")
  lines=$(ip netns exec "$ns" "${hck[@]}" "${hckargs[@]}" 2>&1 >/dev/null | wc -l)
  # the targets are for 190k sockets; below that hck's JVM start weighs more than the dump
  targets=("" ""); [ "$scanned" -lt 190000 ] || targets=(" (target <= 0.25)" " (target <= 3)")
  echo "         hck found $hung hung, logged in $lines lines; as users start it, against ss -tanpoeiH state close-wait:"
  echo "         ./jbang hck.java $rj${targets[0]}, java -jar $rjar, java -jar with its CDS archive $rcds;"
  echo "         ./jbang hck.java / ss -tanp = $rtanp, / netstat -tanp = $rnet; java -cp: / ss -tanpoeiH (six states) = $r1, / ss -tanoeiH state = $r2${targets[1]}"
  json+="}, \"hck_hung\": \"$hung\", \"log_lines\": $lines, \"ratio_jbang_vs_ss_close_wait\": $rj, \"ratio_jar_vs_ss_close_wait\": $rjar,"
  json+=" \"ratio_jar_cds_vs_ss_close_wait\": $rcds, \"ratio_jbang_vs_ss_tanp\": $rtanp, \"ratio_jbang_vs_netstat\": $rnet,"
  json+=" \"ratio_vs_ss_p\": $r1, \"ratio_vs_ss_details\": $r2}"
done
json+="]"

if [ "$broker" -gt 0 ]; then
  fresh_ns
  # 10 listeners keeping what they accept and 10 clients: D/20 descriptors in each of 20 processes
  per=$(( broker / 20 ))
  for i in $(seq 1 10); do
    hold "name=broker$i" "listen:$((9100 + i)):keep"
    hold "name=client$i" "connect:127.0.0.1:$((9100 + i)):$per"
  done
  hold name=server listen:9000:close; hold name=leaky connect:127.0.0.1:9000:1000; sleep 2
  established=$(ip netns exec "$ns" ss -tanH state established | wc -l)
  printf 'stamps: off\n' > "$work/proc-owners.yaml"
  bargs=(--dry-run --close-wait-timeout 1 --json "$work/broker.json" --state-file "$work/state.json")
  declare -A bw=()
  blabels=("ss -tanpH state close-wait" "hck ./jbang hck.java" "hck ./jbang, owners from /proc")
  for r in $(seq 1 "$rounds"); do
    for label in "${blabels[@]}"; do
      case $label in
        "ss -tanpH state close-wait") cmd=(ip netns exec "$ns" ss -tanpH state close-wait);;
        "hck ./jbang hck.java") cmd=(ip netns exec "$ns" ./jbang hck.java "${bargs[@]}");;
        "hck ./jbang, owners from /proc") cmd=(ip netns exec "$ns" ./jbang hck.java "${bargs[@]}" --rules "$work/proc-owners.yaml");;
      esac
      read -r wall _ < <(measure "${cmd[@]}")
      bw[$label]+=" $wall"
    done
  done
  json+=", \"broker\": {\"established_sockets\": $established, \"close_wait\": 1000, \"commands\": {"
  c=0; declare -A bmed=()
  for label in "${blabels[@]}"; do
    # shellcheck disable=SC2086
    read -r m lo hi < <(stats ${bw[$label]})
    bmed[$label]=$m
    printf '%-8s %-34s %10s %5s %5s\n' "broker" "$label" "$m" "$lo" "$hi"
    [ $c = 0 ] || json+=","; c=1
    json+="\"$label\": {\"median_s\": $m, \"min_s\": $lo, \"max_s\": $hi}"
  done
  rk=$(awk -v a="${bmed["hck ./jbang hck.java"]}" -v b="${bmed["ss -tanpH state close-wait"]}" 'BEGIN{printf "%.2f", a/b}')
  rp=$(awk -v a="${bmed["hck ./jbang, owners from /proc"]}" -v b="${bmed["ss -tanpH state close-wait"]}" 'BEGIN{printf "%.2f", a/b}')
  owners=$(python3 -c "import json;d=json.load(open('$work/broker.json'));print(sum(1 for c in d['connections'] if c.get('pid')))" 2>/dev/null || echo "?")
  echo "broker: $established ESTABLISHED in 20 processes beside 1,000 CLOSE_WAIT ($owners listed with their owner): ./jbang hck.java / ss -tanpH state close-wait"
  echo "        = $rk with the kernel's walk of open files (target <= 0.4), $rp with owners from /proc"
  json+="}, \"ratio_kernel_owners\": $rk, \"ratio_proc_owners\": $rp}"
fi

if [ "$live" -gt 0 ]; then
  fresh_ns; build $(( live * 2 )) leaky 9000
  # the control set: 1000 CLOSE_WAIT of a process named exactly sshd (protected), which must survive
  hold name=control-server listen:9500:close; hold name=sshd connect:127.0.0.1:9500:1000; sleep 1
  before=$(ip netns exec "$ns" ss -tanH state close-wait | wc -l)
  # as users start it: through ./jbang, start to exit, scan, kills and the rescan that verifies them included
  read -r wall kib < <(measure ip netns exec "$ns" ./jbang hck.java --live --json "$work/live.json" --lock-file "$work/lock" --state-file "$work/state.json" --close-wait-timeout 1)
  left=$(ip netns exec "$ns" ss -tanH state close-wait | wc -l)
  terminated=$(python3 -c "import json;print(json.load(open('$work/live.json'))['summary']['terminated'])" 2>/dev/null || echo "?")
  answers=$(python3 -c "import json,collections;print(json.dumps(collections.Counter(c.get('destroy_result') for c in json.load(open('$work/live.json'))['connections'] if c['verdict']=='hung')))" 2>/dev/null || echo "?")
  rate=$(awk -v n="$terminated" -v w="$wall" 'BEGIN{printf "%.0f", n/w}')
  echo "live: $terminated of $((before - 1000)) hung CLOSE_WAIT terminated in $wall s through ./jbang: $rate a second (target >= 25000), peak RSS $((kib / 1024)) MiB (target <= 256);"
  echo "      CLOSE_WAIT left: $left (the control set: 1000 of sshd)"
  echo "      the kernel's answers to SOCK_DESTROY (destroy_result): $answers"
  json+=", \"live\": {\"terminated\": \"$terminated\", \"wall_s\": $wall, \"per_second\": $rate, \"peak_rss_mib\": $((kib / 1024)), \"close_wait_left\": $left, \"control\": 1000, \"destroy_results\": ${answers/\?/null}}"
fi

fresh_ns
./jbang build bench/hello.java >/dev/null 2>&1
./jbang build hck.java >/dev/null 2>&1
# What jbang alone costs a start of hck, before hck's JVM: the hello-world again, declaring hck's
# dependencies and sources (hck.java's own //JAVA, //DEPS and //SOURCES lines, beside a link to
# hck/), which jbang reads, hashes and resolves on every start to find its cached jar.
mkdir "$work/floor"; ln -s "$PWD/hck" "$work/floor/hck"
{ grep -E '^//(JAVA|DEPS|SOURCES) ' hck.java; grep -vE '^(///|//JAVA )' bench/hello.java; } > "$work/floor/hello.java"
./jbang build "$work/floor/hello.java" >/dev/null 2>&1
# the first run through jbang writes jbang's class-data archive (//CDS); the runs timed use it.
ip netns exec "$ns" ./jbang hck.java --dry-run --state-file "$work/state.json" >/dev/null 2>&1
# the same for the java command: an AppCDS archive written by one dry run, as README describes
ip netns exec "$ns" "$java" "${jvm[@]}" -XX:ArchiveClassesAtExit="$work/hck.jsa" -cp "$cp" hck.hck --dry-run --state-file "$work/state.json" >/dev/null 2>&1
walls=() cds=() viajbang=() hellos=() floors=()
# starts take a second or less and vary by a fifth from one to the next here: more rounds
for r in $(seq 1 $(( rounds > 10 ? rounds : 10 ))); do
  read -r w _ < <(measure ip netns exec "$ns" "${hck[@]}" --dry-run --state-file "$work/state.json"); walls+=("$w")
  read -r w _ < <(measure ip netns exec "$ns" "$java" "${jvm[@]}" -XX:SharedArchiveFile="$work/hck.jsa" -cp "$cp" hck.hck --dry-run --state-file "$work/state.json"); cds+=("$w")
  read -r w _ < <(measure ip netns exec "$ns" ./jbang hck.java --dry-run --state-file "$work/state.json"); viajbang+=("$w")
  # `./jbang run`: jbang itself each time (the plain form would start the remembered command line)
  read -r w _ < <(measure ./jbang run bench/hello.java); hellos+=("$w")
  read -r w _ < <(measure ./jbang run "$work/floor/hello.java"); floors+=("$w")
done
read -r hm _ _ < <(stats "${walls[@]}"); read -r cm _ _ < <(stats "${cds[@]}"); read -r vm _ _ < <(stats "${viajbang[@]}")
read -r jm _ _ < <(stats "${hellos[@]}"); read -r fm _ _ < <(stats "${floors[@]}")
ratio=$(awk -v a="$hm" -v b="$jm" 'BEGIN{printf "%.2f", a/b}')
ratio_cds=$(awk -v a="$cm" -v b="$jm" 'BEGIN{printf "%.2f", a/b}')
ratio2=$(awk -v a="$vm" -v b="$jm" 'BEGIN{printf "%.2f", a/b}')
ratio_floor=$(awk -v a="$fm" -v b="$jm" 'BEGIN{printf "%.2f", a/b}')
echo "startup: hck on an idle namespace $hm s as java (as a hand-written crontab starts it), $cm s with an AppCDS archive (as the role starts it),"
echo "         $vm s through ./jbang hck.java (its //CDS archive, the remembered command line); jbang hello-world (./jbang run) $jm s:"
echo "         ratios $ratio, $ratio_cds and $ratio2 (target <= 1.3)"
echo "         jbang's part of a start through jbang: the hello-world declaring hck's dependencies and sources $fm s,"
echo "         ratio $ratio_floor before hck's JVM starts"
json+=", \"startup\": {\"hck_idle_s\": $hm, \"hck_idle_appcds_s\": $cm, \"hck_idle_via_jbang_s\": $vm, \"jbang_hello_s\": $jm, \"jbang_hello_with_hck_sources_s\": $fm, \"ratio\": $ratio, \"ratio_appcds\": $ratio_cds, \"ratio_via_jbang\": $ratio2, \"ratio_jbang_floor\": $ratio_floor}}"
echo "$json" | python3 -m json.tool > "$out"
echo "results: $out"
