#!/usr/bin/env bash
# Host h4 of tests/support/fleet-sandbox.sh: a Debian host without Java. Run inside h4's network
# namespace and a mount namespace of its own (unshare --mount); what apt and dpkg change stays in
# overlays of /usr, /etc and /var on the test's temp directory. Every openjdk-17 package is removed,
# then whatever cannot live without one (found by asking apt), and the only apt source is the
# repository the sandbox serves on the host's loopback. Then it becomes the given command (sshd).
# Arguments: TMP COMMAND…
set -euo pipefail
T=$1
shift
mount --make-rprivate /
for d in usr etc var; do
  mkdir -p "$T/h4/overlay/$d" "$T/h4/overlay-work/$d"
  mount -t overlay "h4-$d" -o "lowerdir=/$d,upperdir=$T/h4/overlay/$d,workdir=$T/h4/overlay-work/$d" "/$d"
done
# the overlay of /etc shows the machine's files: the sandbox's user databases again on top
for f in passwd group shadow; do mount --bind "$T/etc/$f" "/etc/$f"; done
mount --bind "$T/etc/sudoers.d" /etc/sudoers.d
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
echo "deb [trusted=yes] http://127.0.0.1:8765 ./" > /etc/apt/sources.list.d/hck-test.list
dpkg -r --force-depends $(dpkg-query -W -f '${Package}\n' 'openjdk-17-*') > "$T/h4/dpkg.log" 2>&1
for _ in $(seq 40); do
  python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:8765/Release", timeout=1)' 2>/dev/null && break
  sleep 0.25
done
apt-get update > "$T/h4/apt.log" 2>&1
for _ in 1 2 3 4 5 6; do
  # apt-get install -s fails (100) while packages are broken: its list is the answer
  broken=$( { apt-get install -s openjdk-17-jre-headless 2>&1 || true; } | sed -n 's/^ \([^ ]*\) : .*/\1/p' | sort -u)
  [ -z "$broken" ] && break
  # shellcheck disable=SC2086
  dpkg -r --force-depends $broken >> "$T/h4/dpkg.log" 2>&1
done
rm -rf /var/lib/apt/lists/*
if [ -e /usr/bin/java ]; then echo "h4 still has java" >&2; exit 1; fi
exec "$@"
