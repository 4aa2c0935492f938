#!/usr/bin/env bash
# images: the workspace images that scripts/build-images.sh builds keep the
# contract of docs/images.md.
#   berth/workspace       runs as dev (1000), has the tools, has no sshd
#   berth/workspace-sshd  has sshd; with a key in /etc/berth/authorized_keys
#                         it lets dev in by public key (exec, exit status,
#                         pty, sftp) and refuses passwords and root, running
#                         with CapDrop ALL plus only the documented caps.
# Talks only to 127.0.0.1 and its own containers. Exit status is the verdict.
set -euo pipefail

SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WS_IMAGE=${BERTH_TEST_WS_IMAGE:-berth/workspace:latest}
SSHD_IMAGE=${BERTH_TEST_SSHD_IMAGE:-berth/workspace-sshd:latest}
# The capabilities direct SSH mode needs (docs/images.md).
SSHD_CAPS="SETUID SETGID SYS_CHROOT CHOWN AUDIT_WRITE KILL"
PFX=berthimgtest-$$
TMP=$(mktemp -d)
CONTAINERS=()
fails=0

cleanup() {
	local c
	for c in "${CONTAINERS[@]}"; do
		docker rm -f "$c" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# Run a command in a throwaway, locked-down container.
locked() {
	docker run --rm --network none --cap-drop ALL \
	    --security-opt no-new-privileges "$@"
}

"$SRC_DIR/scripts/build-images.sh" --quiet ||
	{ echo "FAIL scripts/build-images.sh"; exit 1; }

# ---- berth/workspace ------------------------------------------------------

out=$(locked "$WS_IMAGE" sh -c 'id -u; id -un; pwd; echo "$HOME"')
check "workspace: runs as uid 1000 user dev in /home/dev" \
    [ "$out" = "$(printf '1000\ndev\n/home/dev\n/home/dev')" ]

tools='for c in bash tmux rsync git less ps python3 curl vi; do
	command -v "$c" >/dev/null ||
	{ echo "missing $c"; exit 1; }; done;
	test -x /usr/lib/openssh/sftp-server || { echo "missing sftp-server"; exit 1; }
	busybox nc --help >/dev/null 2>&1 || { echo "missing busybox nc"; exit 1; }
	python3 -c "import json, ssl" || { echo "python3 broken"; exit 1; }
	test -s /etc/ssl/certs/ca-certificates.crt || { echo "no CA certs"; exit 1; }'
check "workspace: bash tmux rsync git less ps python3 curl vi sftp-server busybox-nc exist" \
    locked "$WS_IMAGE" sh -c "$tools"
check "workspace: /usr/sbin/sshd is absent" \
    locked "$WS_IMAGE" sh -c '! test -e /usr/sbin/sshd'
check "workspace: sftp-server speaks (version handshake)" \
    locked -i "$WS_IMAGE" sh -c \
    "(printf '\0\0\0\5\1\0\0\0\3'; sleep 1) | /usr/lib/openssh/sftp-server | head -c 9 | od -An -tx1 | tr -d ' \n' | grep -q '^0000....0200000003'"
check "workspace: labelled berth.image=workspace" \
    [ "$(docker image inspect -f '{{index .Config.Labels "berth.image"}}' "$WS_IMAGE")" = workspace ]

# ---- berth/workspace-sshd: files ------------------------------------------

out=$(locked -u 1000 "$SSHD_IMAGE" sh -c 'id -u; id -un')
check "workspace-sshd: user dev is uid 1000" [ "$out" = "$(printf '1000\ndev')" ]
check "workspace-sshd: bash tmux rsync git less sftp-server busybox-nc exist" \
    locked -u 1000 "$SSHD_IMAGE" sh -c "$tools"
check "workspace-sshd: /usr/sbin/sshd is present" \
    locked "$SSHD_IMAGE" test -x /usr/sbin/sshd
check "workspace-sshd: image ships no host keys" \
    locked --entrypoint /bin/sh "$SSHD_IMAGE" -c '! ls /etc/ssh/ssh_host_* 2>/dev/null'

# ---- berth/workspace-sshd: sshd --------------------------------------------

ssh-keygen -q -t ed25519 -N '' -C berth-image-test -f "$TMP/key"
ssh-keygen -q -t ed25519 -N '' -C berth-image-test-other -f "$TMP/other"

cname=$PFX-sshd
caps=()
for c in $SSHD_CAPS; do caps+=(--cap-add "$c"); done
CONTAINERS+=("$cname")
# Port 22 is the image's sshd; 2200 is a control sshd started below with
# password authentication on, to prove the password attempt itself works.
docker create --name "$cname" --cap-drop ALL "${caps[@]}" \
    --security-opt no-new-privileges --init \
    -p 127.0.0.1::22 -p 127.0.0.1::2200 "$SSHD_IMAGE" >/dev/null
# The contract: berthd puts the keys in before start.
docker cp "$TMP/key.pub" "$cname:/etc/berth/authorized_keys"
docker start "$cname" >/dev/null

port=$(docker port "$cname" 22/tcp | sed -n 's/^127\.0\.0\.1://p' | head -n1)
port2=$(docker port "$cname" 2200/tcp | sed -n 's/^127\.0\.0\.1://p' | head -n1)
[ -n "$port" ] && [ -n "$port2" ] || { echo "FAIL no published port"; exit 1; }

KNOWN=$TMP/known_hosts
SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no
    -o UserKnownHostsFile="$KNOWN" -o LogLevel=ERROR -o ConnectTimeout=5
    -o IdentitiesOnly=yes -o IdentityAgent=none -F /dev/null)
kssh() { timeout 20 ssh "${SSH_OPTS[@]}" -i "$TMP/key" -p "$port" "$@"; }

for _ in $(seq 1 50); do
	docker logs "$cname" 2>&1 | grep -q 'Server listening' && break
	sleep 0.1
done

check "sshd: key login 'ssh -i key -p PORT dev@127.0.0.1 true'" \
    kssh dev@127.0.0.1 true
out=$(kssh dev@127.0.0.1 'id -u; id -un; pwd' || true)
check "sshd: login is uid 1000 user dev in /home/dev" \
    [ "$out" = "$(printf '1000\ndev\n/home/dev')" ]
rc=0
kssh dev@127.0.0.1 'exit 3' || rc=$?
check "sshd: remote exit status comes back (3)" [ "$rc" = 3 ]
out=$(kssh -tt dev@127.0.0.1 'tty' 2>/dev/null | tr -d '\r' || true)
check "sshd: pty session ($out)" grep -q '^/dev/pts/' <<<"$out"
head -c 65536 /dev/urandom >"$TMP/blob"
printf 'put %s /home/dev/blob\nget /home/dev/blob %s\n' "$TMP/blob" "$TMP/blob.back" |
    timeout 20 sftp -q "${SSH_OPTS[@]}" -i "$TMP/key" -P "$port" -b - \
    dev@127.0.0.1 >/dev/null 2>&1 || true
check "sshd: sftp round trip of 64 KiB" cmp -s "$TMP/blob" "$TMP/blob.back"
check "sshd: host key is generated ed25519" \
    grep -q 'ssh-ed25519' "$KNOWN"

rc=0
timeout 20 ssh "${SSH_OPTS[@]}" -i "$TMP/other" -p "$port" dev@127.0.0.1 true \
    2>/dev/null || rc=$?
check "sshd: a key not in authorized_keys is refused" [ "$rc" = 255 ]
rc=0
kssh root@127.0.0.1 true 2>/dev/null || rc=$?
check "sshd: root is refused even with an authorized key" [ "$rc" = 255 ]

# Password: give dev a password, start a control sshd with passwords on at
# port 2200; the same attempt must succeed there and fail on the image's
# sshd.
printf '#!/bin/sh\necho berth-pw-123\n' >"$TMP/askpass"
chmod 0755 "$TMP/askpass"
pwlogin() {
	SSH_ASKPASS=$TMP/askpass SSH_ASKPASS_REQUIRE=force DISPLAY= \
	    setsid -w timeout 20 ssh -F /dev/null -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile="$KNOWN" -o LogLevel=ERROR \
	    -o PubkeyAuthentication=no -o IdentityAgent=none \
	    -o PreferredAuthentications=password,keyboard-interactive \
	    -o NumberOfPasswordPrompts=1 -p "$1" dev@127.0.0.1 \
	    'echo logged-in' </dev/null 2>"$TMP/pw.err"
}
echo 'dev:berth-pw-123' | docker exec -i -u 0 "$cname" chpasswd
docker exec -d -u 0 "$cname" /usr/sbin/sshd -p 2200 \
    -o PasswordAuthentication=yes -o PidFile=/run/sshd-control.pid
for _ in $(seq 1 50); do
	docker exec "$cname" test -s /run/sshd-control.pid && break
	sleep 0.1
done
out=$(pwlogin "$port2" || true)
check "control: password login works when sshd allows it" [ "$out" = logged-in ]
rc=0
out=$(pwlogin "$port") || rc=$?
pw_refused() {
	[ "$rc" = 255 ] && [ -z "$out" ] &&
	    grep -q 'Permission denied (publickey)' "$TMP/pw.err"
}
check "sshd: password-only attempt is refused" pw_refused

check "sshd: ran with only the documented caps (no 'Operation not permitted')" \
    bash -c "! docker logs '$cname' 2>&1 | grep -i 'operation not permitted'"

if [ "$fails" -ne 0 ]; then
	echo "--- sshd log"
	docker logs "$cname" 2>&1 | tail -n 30
	echo "$fails check(s) failed"
	exit 1
fi
echo "all image checks passed"
