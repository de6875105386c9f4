#!/usr/bin/env bash
# A fleet on one machine, for FleetSshTest: run as PID 1 of new PID, mount and network namespaces
# (unshare --pid --fork --mount-proc --mount --net), so that everything it starts ends with it and
# nothing it does reaches the machine: its own /dev, /run, users (passwd, shadow, group, sudoers.d
# bind-mounted from copies), network namespaces joined to this one by veth pairs. Hosts h1, h2 and h4
# each run their own sshd in a namespace of their own (h2 with no java at all: /usr/lib/jvm hidden;
# h4 a Debian host from which Java was removed, see h4-host.sh: the role installs Java there);
# h3's address answers, but no sshd listens there: unreachable. The operator "hckop" (uid 4242, sudo
# to root without a password) logs in with a key the sandbox made; ansible-playbook runs from an ops
# directory outside the checkout whose ansible.cfg points roles_path at the role.
# Arguments: TMP (the test's temp directory, its repo/ holding openjdk-17-jre-headless_*.deb) REPO
# CLASSPATH [ansible-playbook arguments…]
set -euo pipefail
T=$1 REPO=$2 CP=$3
shift 3
JAVA=$(readlink -f /usr/bin/java)

mount --make-rprivate /
mount -t tmpfs -o mode=0755 fleet-run /run
mkdir -p /run/netns /run/sshd /run/sudo
mount -t tmpfs -o mode=0755 fleet-dev /dev
mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5; mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9; mknod -m 666 /dev/tty c 5 0
ln -s /proc/self/fd /dev/fd; ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
mkdir /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts && ln -s pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 fleet-shm /dev/shm

# the operator, in copies of the user databases
chmod 755 "$T"
mkdir -p "$T/etc/sudoers.d" "$T/home/hckop/.ssh" "$T/ops" "$T/ansible" "$T/reports"
cp /etc/passwd /etc/group /etc/shadow "$T/etc/"
echo "hckop:x:4242:4242:hck operator:$T/home/hckop:/bin/bash" >> "$T/etc/passwd"
echo "hckop:x:4242:" >> "$T/etc/group"
echo "hckop:*:19000:0:99999:7:::" >> "$T/etc/shadow"
echo "hckop ALL=(ALL:ALL) NOPASSWD: ALL" > "$T/etc/sudoers.d/hckop"
chmod 0440 "$T/etc/sudoers.d/hckop"; chmod 0750 "$T/etc/sudoers.d"
for f in passwd group shadow; do mount --bind "$T/etc/$f" "/etc/$f"; done
mount --bind "$T/etc/sudoers.d" /etc/sudoers.d
ssh-keygen -q -t ed25519 -N '' -f "$T/id"
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
cp "$T/id.pub" "$T/home/hckop/.ssh/authorized_keys"
chown -R 4242:4242 "$T/home/hckop"; chmod 700 "$T/home/hckop/.ssh"
cat > "$T/sshd_config" <<EOF
HostKey $T/hostkey
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
Subsystem sftp internal-sftp
EOF

ip link set lo up
for i in 1 2 3 4; do
  ip netns add "h$i"
  ip link add "v$i" type veth peer name "e$i"
  ip link set "e$i" netns "h$i"
  ip addr add "10.77.$i.1/24" dev "v$i"; ip link set "v$i" up
  ip -n "h$i" addr add "10.77.$i.2/24" dev "e$i"; ip -n "h$i" link set "e$i" up; ip -n "h$i" link set lo up
  mkdir -p "$T/h$i"; chown 4242:4242 "$T/h$i"
done
# sshd on h1 and h2; h2 without java (the role must ship a runtime there)
ip netns exec h1 /usr/sbin/sshd -D -e -f "$T/sshd_config" -o ListenAddress=10.77.1.2 2> "$T/sshd1.log" &
ip netns exec h2 unshare --mount sh -c 'mount --make-rprivate / && mount -t tmpfs no-java /usr/lib/jvm && exec "$@"' sh \
  /usr/sbin/sshd -D -e -f "$T/sshd_config" -o ListenAddress=10.77.2.2 2> "$T/sshd2.log" &

# h4's apt repository, served on its loopback
(cd "$T/repo" && dpkg-scanpackages . /dev/null > Packages 2>/dev/null && gzip -k Packages
 { echo "Origin: hck-test"; echo "Suite: local"; echo "Codename: local"; echo "Date: $(date -Ru)"; echo "Architectures: amd64 all"
   echo "SHA256:"; for f in Packages Packages.gz; do echo " $(sha256sum "$f" | cut -d' ' -f1) $(stat -c %s "$f") $f"; done; } > Release)
ip netns exec h4 /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$T/repo" 8765 > "$T/repo.log" 2>&1 &
ip netns exec h4 unshare --mount bash "$REPO/tests/support/h4-host.sh" "$T" \
  /usr/sbin/sshd -D -e -f "$T/sshd_config" -o ListenAddress=10.77.4.2 2> "$T/sshd4.log" &

# hung sockets on each host: leaky<i> holds i CLOSE_WAIT
for i in 1 2 4; do
  mkfifo "$T/feed$i"
  ip netns exec "h$i" "$JAVA" -cp "$CP" hck.support.Holder "name=leaky$i" listen:9000:close "connect:127.0.0.1:9000:$i" \
    < "$T/feed$i" > "$T/holder$i.out" 2>&1 &
  exec {fd}> "$T/feed$i" # keeps the holder's stdin open for the sandbox's life
done
for _ in $(seq 300); do # h4 takes a while: dpkg, apt
  grep -q ready "$T/holder1.out" 2>/dev/null && grep -q ready "$T/holder2.out" 2>/dev/null &&
    grep -q ready "$T/holder4.out" 2>/dev/null && grep -q 'listening' "$T/sshd4.log" 2>/dev/null && break
  sleep 0.2
done
sleep 1.5

cat > "$T/ops/ansible.cfg" <<EOF
[defaults]
roles_path = $REPO/ansible/roles
host_key_checking = False
local_tmp = $T/ansible/local
nocolor = True
[ssh_connection]
control_path_dir = $T/ansible/cp
EOF
cat > "$T/ops/fleet.yml" <<'EOF'
---
- name: Hung connections across the fleet
  hosts: fleet
  become: true
  gather_facts: false
  roles:
    - role: hck
EOF
cat > "$T/ops/inventory.ini" <<EOF
[fleet]
h1 ansible_host=10.77.1.2
h2 ansible_host=10.77.2.2 hck_runtime=bundled
h3 ansible_host=10.77.3.2
h4 ansible_host=10.77.4.2 hck_install_java=true

[fleet:vars]
ansible_user=hckop
ansible_ssh_private_key_file=$T/id
ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5'
ansible_python_interpreter=/usr/bin/python3
ansible_remote_tmp=$T/{{ inventory_hostname }}/tmp
hck_install_dir=$T/{{ inventory_hostname }}/opt
hck_config_dir=$T/{{ inventory_hostname }}/etc
hck_state_dir=$T/{{ inventory_hostname }}/state
hck_lock_file=$T/{{ inventory_hostname }}/hck.lock
hck_systemd_unit_dir=$T/{{ inventory_hostname }}/systemd
hck_cron_file=$T/{{ inventory_hostname }}/cron.d/hck
hck_man_dir=$T/{{ inventory_hostname }}/man1
hck_completion_dir=$T/{{ inventory_hostname }}/completion
hck_cache_dir=$T/cache
hck_report_dir=$T/reports
hck_extra_args=["--close-wait-timeout", "1"]
EOF
cd "$T/ops"
set +e
# first --check on fresh hosts: nothing is deployed yet, and that is no failure
ANSIBLE_CONFIG="$T/ops/ansible.cfg" ANSIBLE_HOME="$T/ansible" ansible-playbook -i inventory.ini fleet.yml --check "$@"
echo "check rc $?"
ANSIBLE_CONFIG="$T/ops/ansible.cfg" ANSIBLE_HOME="$T/ansible" ansible-playbook -i inventory.ini fleet.yml "$@"
echo "playbook rc $?"
# what the hosts see: h1 has java, h2 none (the role shipped a runtime there), h4 the one the role installed
ANSIBLE_CONFIG="$T/ops/ansible.cfg" ANSIBLE_HOME="$T/ansible" ansible -o -i inventory.ini h1,h2,h4 -b -m ansible.builtin.shell \
  -a 'if [ -x /usr/bin/java ] && /usr/bin/java -version >/dev/null 2>&1; then echo JAVA=yes; else echo JAVA=no; fi' 2>&1 | grep 'JAVA='
echo "h2 runtime: $(ls "$T/h2/opt/runtime/bin/java" 2>&1)"
