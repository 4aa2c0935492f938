# proxy-jupyter: a real Jupyter Notebook (Debian's python3-notebook 6.4,
# with ipykernel) inside a workspace, through the port proxy's full-path
# form /w/{id}/absolute/{port}/ with --NotebookApp.base_url set to it: the
# tree page, the redirect from the base URL, a kernel started over REST
# (with the notebook's _xsrf cookie) and code run over its channels
# WebSocket (6*7 -> 42). The image is berth/workspace plus the .deb files
# of python3-notebook and what it needs (apt-get download from the host's
# mirror, cached in $BERTH_IMAGE_CACHE/jupyter-debs, unpacked with
# dpkg-deb, docker build --network none); it is removed at the end.
. "$(dirname "$0")/lib.sh"
P=$SRC_DIR/tests/integration/proxy
CACHE=${BERTH_IMAGE_CACHE:-/var/cache/berth}/jupyter-debs
IMG=berth-test/jupyter:$$
mkdir -p "$CACHE" "$WORK/img/root"
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances python3-notebook 2>/dev/null |
	grep -E '^[a-z0-9]' | sort -u >"$WORK/pkgs"
[ -s "$WORK/pkgs" ] || fail "apt-cache knows no python3-notebook (apt-get update?)"
docker run --rm --network none berth/workspace:latest \
	dpkg-query -W -f '${Package}\n' | sort -u >"$WORK/have"
comm -23 "$WORK/pkgs" "$WORK/have" | grep -vE '^(debconf-2.0|cdebconf.*)$' >"$WORK/need"
(cd "$CACHE" && apt-get download $(cat "$WORK/need") >/dev/null 2>"$WORK/apt.err") ||
	fail "apt-get download: $(tail -3 "$WORK/apt.err")"
for p in $(cat "$WORK/need"); do
	d=$(ls "$CACHE/${p}"_*.deb 2>/dev/null | tail -1)
	[ -n "$d" ] || fail "no .deb for $p"
	dpkg-deb -x "$d" "$WORK/img/root/"
done
printf 'FROM berth/workspace:latest\nCOPY root/ /\n' >"$WORK/img/Dockerfile"
trap 'rc=$?; docker rmi -f "$IMG" >/dev/null 2>&1; (exit $rc); cleanup' EXIT
DOCKER_BUILDKIT=0 docker build -q --network none -t "$IMG" "$WORK/img" >/dev/null ||
	fail "docker build of the Jupyter test image"
rm -rf "$WORK/img"
ok "Jupyter test image $IMG ($(wc -l <"$WORK/need") packages over berth/workspace)"

berthd_start --allowed-images "$IMG"
cd "$WORK"
KEY=$(mkuser tom)
body=$(jq -n --arg img "$IMG" '{name:"nb",wait:true,image:$img,command:"python3 -m notebook --no-browser --ip=0.0.0.0 --port=8888 --NotebookApp.token= --NotebookApp.base_url=/w/nb/absolute/8888/"}')
expect 201 POST /v1/workspaces "$body" "$KEY"
B=$URL/w/nb/absolute/8888/
wait_for curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" "${B}api" ||
	wait_for curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" "${B}api" ||
	fail "the notebook never answered through the proxy"
assert_eq "$(curl -sS -o tree.html -w '%{http_code}' -H "Authorization: Bearer $KEY" "${B}tree")" 200 "the tree page"
grep -q '/w/nb/absolute/8888/static/' tree.html || fail "tree page links not under the base URL"
assert_eq "$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H "Authorization: Bearer $KEY" "$B")" \
	"302 ${B}tree" "the base URL redirects to the tree"
out=$(cd "$WORK" && python3 "$P/jupyter_kernel.py" "$B" "$KEY") || fail "kernel through the proxy: $out"
grep -q '^result 42$' <<<"$out" || fail "kernel: $out"
ok "Jupyter Notebook through /w/nb/absolute/8888/: tree, redirect, a kernel over REST and its WebSocket (6*7 -> 42)"
