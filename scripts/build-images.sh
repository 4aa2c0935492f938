#!/usr/bin/env bash
# build-images.sh: build berth's workspace images with no registry access.
#
#   berth/workspace:latest       default workspace (no sshd, runs as dev)
#   berth/workspace-sshd:latest  direct SSH mode (sshd, keys from
#                                /etc/berth/authorized_keys)
#
# Steps (each skipped when its result is already there):
#   1. rootfs: debootstrap --variant=minbase Debian bookworm from the host's
#      apt mirror, cleaned, cached as $BERTH_IMAGE_CACHE/rootfs-bookworm.tar
#   2. base:   docker import of that tarball -> berth/base-bookworm:latest
#   3. images: docker build (legacy builder, --network none) of
#      images/workspace/Dockerfile, labelled berth.recipe=<sha256 of the
#      recipe files>; skipped when both images carry the current recipe.
#
# Usage: scripts/build-images.sh [--force] [--force-rootfs] [--quiet]
#   --force         rebuild the images even when their recipe is current
#   --force-rootfs  also debootstrap again (implies --force)
#   --quiet         print only errors
# Environment:
#   BERTH_IMAGE_CACHE     cache directory (default /var/cache/berth)
#   BERTH_DEBIAN_MIRROR   Debian mirror (default: from the host's apt sources,
#                         else http://deb.debian.org/debian)
#   BERTH_DEBIAN_SECURITY security mirror (same rule, .../debian-security)
#   BERTH_IMAGE_UPGRADE   0: do not apply bookworm-updates/-security
#                         upgrades to the rootfs (default 1)
#   BERTH_IMAGE_TAG       tag of the three images (default latest): build a
#                         changed recipe under another tag (with its own
#                         BERTH_IMAGE_CACHE) and test it before switching
# See docs/images.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMG_DIR=$ROOT/images/workspace
SUITE=bookworm
CACHE=${BERTH_IMAGE_CACHE:-/var/cache/berth}
TARBALL=$CACHE/rootfs-$SUITE.tar
STAMP=$TARBALL.recipe
# Bump when the rootfs steps below change in a way that needs a new tarball.
ROOTFS_VERSION=1
TAG=${BERTH_IMAGE_TAG:-latest}
BASE_IMAGE=berth/base-$SUITE:$TAG
WS_IMAGE=berth/workspace:$TAG
SSHD_IMAGE=berth/workspace-sshd:$TAG
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
UPGRADE=${BERTH_IMAGE_UPGRADE:-1}

force=0
force_rootfs=0
quiet=0
for a in "$@"; do
	case $a in
	--force) force=1 ;;
	--force-rootfs) force=1; force_rootfs=1 ;;
	--quiet|-q) quiet=1 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "build-images.sh: unknown argument: $a" >&2; exit 2 ;;
	esac
done

T_START=$(date +%s.%N)

say() {
	[ "$quiet" = 1 ] || printf 'build-images: %s\n' "$*" >&2
}

die() {
	printf 'build-images: error: %s\n' "$*" >&2
	exit 1
}

# Seconds since $1 (a date +%s.%N value), one decimal.
since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "must run as root (debootstrap, chroot)"
	SUDO="sudo -n"
fi

command -v docker >/dev/null 2>&1 || die "docker CLI not found: run scripts/deps.sh"
docker version >/dev/null 2>&1 ||
	die "no Docker engine answers (run scripts/deps.sh, which starts one)"

# The recipe: every file that decides what the images contain.
recipe_hash() {
	(cd "$ROOT" && LC_ALL=C sha256sum scripts/build-images.sh \
	    $(LC_ALL=C find images/workspace -type f | LC_ALL=C sort)) |
	    sha256sum | cut -c1-64
}

# What decides the rootfs tarball: the package list and ROOTFS_VERSION.
rootfs_hash() {
	{
		echo "suite=$SUITE version=$ROOTFS_VERSION upgrade=$UPGRADE"
		pkg_list
	} | sha256sum | cut -c1-64
}

pkg_list() {
	sed -e 's/#.*//' -e 's/[[:space:]]//g' "$IMG_DIR/packages" | grep -v '^$'
}

label_of() {
	docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" \
	    2>/dev/null || true
}

RECIPE=$(recipe_hash)

images_current() {
	[ "$(label_of "$WS_IMAGE" berth.recipe)" = "$RECIPE" ] &&
	    [ "$(label_of "$SSHD_IMAGE" berth.recipe)" = "$RECIPE" ]
}

report_sizes() {
	[ "$quiet" = 1 ] && return 0
	docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
	    grep -E "^($BASE_IMAGE|$WS_IMAGE|$SSHD_IMAGE) " |
	    sed 's/^/build-images:   /' >&2 || true
}

if [ "$force" = 0 ] && images_current; then
	say "images up to date (recipe ${RECIPE:0:12}); $(since "$T_START") s"
	exit 0
fi

$SUDO mkdir -p "$CACHE"
# One build at a time on this host (tests may call this concurrently).
exec 9>>"$CACHE/.build.lock" || die "cannot open $CACHE/.build.lock"
if ! flock -n 9; then
	say "waiting for another build-images.sh to finish"
	flock -w 1800 9 || die "timed out waiting for the build lock"
fi
if [ "$force" = 0 ] && images_current; then
	say "images up to date (built meanwhile); $(since "$T_START") s"
	exit 0
fi

# ---- mirror selection ----------------------------------------------------

# Print the first Debian URI in the host's apt sources whose URI matches
# (security=1) or does not match (security=0) "security".
host_mirror() {
	local want=$1 f uri
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		while read -r uri; do
			case $uri in
			*ubuntu*) continue ;;
			*security*) [ "$want" = 1 ] || continue ;;
			*) [ "$want" = 0 ] || continue ;;
			esac
			echo "$uri"
			return 0
		done < <(awk '$1 == "deb" {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ &&
			    $i !~ /=/) { print $i; break } }' "$f")
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		while read -r uri; do
			case $uri in
			*ubuntu*) continue ;;
			*security*) [ "$want" = 1 ] || continue ;;
			*) [ "$want" = 0 ] || continue ;;
			esac
			echo "$uri"
			return 0
		done < <(awk 'tolower($1) == "uris:" {
			for (i = 2; i <= NF; i++) print $i }' "$f")
	done
	return 1
}

MIRROR=${BERTH_DEBIAN_MIRROR:-$(host_mirror 0 || echo http://deb.debian.org/debian)}
SECURITY=${BERTH_DEBIAN_SECURITY:-$(host_mirror 1 || echo http://deb.debian.org/debian-security)}
MIRROR=${MIRROR%/}
SECURITY=${SECURITY%/}

# ---- step 1: rootfs tarball ----------------------------------------------

ROOTFS_ID=$(rootfs_hash)
WORK=

cleanup() {
	local rc=$?
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		# Unmount whatever debootstrap or we left mounted, innermost first.
		findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r |
		    while read -r m; do $SUDO umount -l "$m" || true; done
		$SUDO rm -rf --one-file-system "$WORK"
	fi
	rm -f "$TARBALL.tmp" 2>/dev/null || true
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_root() {
	$SUDO chroot "$WORK/root" /usr/bin/env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
	    LANG=C.UTF-8 "$@"
}

build_rootfs() {
	local t0 root pkgs log
	command -v debootstrap >/dev/null 2>&1 ||
		die "debootstrap not found: run scripts/deps.sh"
	[ -r "$KEYRING" ] ||
		die "$KEYRING missing: apt-get install debian-archive-keyring"
	$SUDO mkdir -p "$CACHE"
	WORK=$($SUDO mktemp -d "$CACHE/rootfs.XXXXXX")
	root=$WORK/root
	log=$WORK/debootstrap.out
	pkgs=$(pkg_list | paste -sd, -)

	say "debootstrap --variant=minbase $SUITE from $MIRROR"
	t0=$(date +%s.%N)
	if ! $SUDO debootstrap --variant=minbase --components=main \
	    --keyring="$KEYRING" --include="$pkgs" \
	    "$SUITE" "$root" "$MIRROR" >"$log" 2>&1; then
		tail -n 15 "$log" >&2
		[ -r "$root/debootstrap/debootstrap.log" ] &&
			tail -n 15 "$root/debootstrap/debootstrap.log" >&2
		die "debootstrap of $SUITE from $MIRROR failed (mirror reachable? set BERTH_DEBIAN_MIRROR)"
	fi
	say "debootstrap: $(since "$t0") s"

	# apt sources of the image: the same mirrors, main + updates + security.
	t0=$(date +%s.%N)
	$SUDO rm -f "$root/etc/apt/sources.list"
	$SUDO tee "$root/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	# No docs, man pages or translations now or in later installs.
	$SUDO tee "$root/etc/dpkg/dpkg.cfg.d/berth-nodoc" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
	if [ "$UPGRADE" = 1 ]; then
		# Security and point-release fixes; no service may start.
		$SUDO cp /etc/resolv.conf "$root/etc/resolv.conf"
		printf '#!/bin/sh\nexit 101\n' |
		    $SUDO tee "$root/usr/sbin/policy-rc.d" >/dev/null
		$SUDO chmod 0755 "$root/usr/sbin/policy-rc.d"
		if ! { in_root apt-get -q update &&
		    in_root apt-get -q -y -o Dpkg::Options::=--force-confold \
		    --no-install-recommends dist-upgrade; } >"$log" 2>&1; then
			tail -n 15 "$log" >&2
			die "upgrading the rootfs from $SUITE-updates/-security failed (BERTH_IMAGE_UPGRADE=0 skips it)"
		fi
		$SUDO rm -f "$root/usr/sbin/policy-rc.d"
		say "upgrade: $(grep -c '^Unpacking' "$log" || true) packages, $(since "$t0") s"
	fi

	# Clean: caches, logs, docs, host keys made by openssh-server's
	# postinst (each container makes its own), machine id.
	t0=$(date +%s.%N)
	in_root apt-get clean
	$SUDO sh -c '
		cd "$1" || exit 1
		rm -rf var/lib/apt/lists/* var/cache/apt/*.bin \
		    var/cache/debconf/*-old var/lib/dpkg/*-old \
		    usr/share/man/* usr/share/info/* usr/share/lintian/* \
		    tmp/* var/tmp/* root/.bash_history debootstrap
		find usr/share/doc -mindepth 1 -not -name copyright \
		    -not -type d -delete
		find usr/share/doc -mindepth 1 -type d -empty -delete
		find usr/share/locale -mindepth 1 -maxdepth 1 \
		    -not -name locale.alias -exec rm -rf {} +
		find var/log -type f -exec truncate -s 0 {} +
		rm -f etc/ssh/ssh_host_*
		: >etc/machine-id
		: >etc/resolv.conf
		echo berth >etc/hostname
	' sh "$root" || die "cleaning the rootfs failed"

	say "packing $TARBALL"
	$SUDO tar --numeric-owner --one-file-system -C "$root" \
	    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
	    -cf "$TARBALL.tmp" . || die "tar of the rootfs failed"
	$SUDO mv -f "$TARBALL.tmp" "$TARBALL"
	echo "$ROOTFS_ID" | $SUDO tee "$STAMP" >/dev/null
	say "clean+pack: $(since "$t0") s ($(du -h "$TARBALL" | cut -f1))"
	$SUDO rm -rf --one-file-system "$WORK"
	WORK=
}

t_step=$(date +%s.%N)
if [ "$force_rootfs" = 0 ] && [ -s "$TARBALL" ] &&
    { [ ! -e "$STAMP" ] || [ "$(cat "$STAMP")" = "$ROOTFS_ID" ]; }; then
	[ -e "$STAMP" ] ||
		say "warning: $TARBALL has no $STAMP; using it as it is"
	say "rootfs: cached $TARBALL"
else
	build_rootfs
	say "rootfs total: $(since "$t_step") s"
fi
# The tarball's identity: its recipe stamp, else its content hash.
if [ -e "$STAMP" ]; then
	TAR_ID=$(cat "$STAMP")
else
	TAR_ID=$(sha256sum "$TARBALL" | cut -c1-64)
fi

# ---- step 2: base image --------------------------------------------------

t_step=$(date +%s.%N)
if [ "$force_rootfs" = 0 ] &&
    [ "$(label_of "$BASE_IMAGE" berth.rootfs)" = "$TAR_ID" ]; then
	say "base: $BASE_IMAGE is current"
else
	old=$(docker image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || true)
	docker import \
	    --change "LABEL berth.rootfs=$TAR_ID" \
	    --change "LABEL berth.image=base-$SUITE" \
	    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	    --change 'CMD ["/bin/bash"]' \
	    --message "berth debootstrap $SUITE minbase" \
	    "$TARBALL" "$BASE_IMAGE" >/dev/null ||
		die "docker import of $TARBALL failed"
	say "docker import: $(since "$t_step") s"
	[ -n "$old" ] && docker image rm "$old" >/dev/null 2>&1 || true
fi

# ---- step 3: workspace images --------------------------------------------

build_target() {
	local target=$1 tag=$2 t0 old log
	t0=$(date +%s.%N)
	old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
	log=$(mktemp)
	if ! DOCKER_BUILDKIT=0 docker build --network none --pull=false --force-rm \
	    --build-arg "BASE=$BASE_IMAGE" --target "$target" \
	    --label "berth.recipe=$RECIPE" \
	    -t "$tag" -f "$IMG_DIR/Dockerfile" "$IMG_DIR" >"$log" 2>&1; then
		grep -v '^DEPRECATED\|^ *Install the buildx\|^ *BuildKit is currently\|^ *environment-variable\|^ *to use BuildKit\|^ *https://docs.docker' \
		    "$log" | tail -n 25 >&2
		rm -f "$log"
		die "docker build of $tag (target $target) failed"
	fi
	rm -f "$log"
	say "docker build $tag: $(since "$t0") s"
	new=$(docker image inspect -f '{{.Id}}' "$tag")
	if [ -n "$old" ] && [ "$old" != "$new" ]; then
		docker image rm "$old" >/dev/null 2>&1 || true
	fi
}

build_target workspace "$WS_IMAGE"
build_target workspace-sshd "$SSHD_IMAGE"
images_current || die "built images do not carry recipe $RECIPE"

say "done in $(since "$T_START") s (recipe ${RECIPE:0:12}):"
report_sizes
