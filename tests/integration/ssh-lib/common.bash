# common.bash: helpers for the SSH gateway integration tests (sourced),
# on top of tests/integration/lib.sh (a real berthd per test on free
# loopback ports, engine cleanup by instance label): keys, workspaces, and
# the stock OpenSSH client pointed at the gateway.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

T_TMP=$WORK

note() {
	printf '# %s\n' "$*" >&2
}

# mkkey FILE [TYPE]: a fresh key pair at FILE (ed25519 by default).
mkkey() {
	ssh-keygen -q -t "${2:-ed25519}" -N '' -C "test@berth" -f "$1" >/dev/null
}

# addkey APIKEY PUBFILE [NAME]: registers the key for APIKEY's user.
addkey() {
	local body
	body=$(jq -n --arg k "$(cat "$2")" --arg n "${3:-k$RANDOM}" \
	    '{name: $n, public_key: $k}')
	expect 201 POST /v1/ssh-keys "$body" "$1"
}

# mkws APIKEY NAME [EXTRA-JSON-FIELDS]: creates a running workspace.
mkws() {
	expect 201 POST /v1/workspaces \
	    "{\"name\":\"$2\",\"wait\":true${3:+,$3}}" "$1"
}

# ssh_opts KEYFILE: options for ssh, scp -S/sftp/rsync -e.
ssh_opts() {
	printf '%s' "-F /dev/null -i $1 -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$T_TMP/known_hosts -o LogLevel=ERROR -o ConnectTimeout=20"
}

# gssh KEYFILE LOGIN [ssh args...]: the stock client against the gateway.
gssh() {
	local key=$1 login=$2
	shift 2
	# shellcheck disable=SC2046
	ssh $(ssh_opts "$key") -p "$SSH_PORT" "$login@127.0.0.1" "$@"
}

# The usual fixture: berthd, user A with a key and a running workspace.
# Sets UA (user), KA (API key), IDA (key file), WSA (workspace name).
setup_one() {
	berthd_start "$@"
	UA=sshu$$a
	KA=$(mkuser "$UA")
	IDA=$T_TMP/id_a
	mkkey "$IDA"
	addkey "$KA" "$IDA.pub" laptop
	WSA=w1
	mkws "$KA" "$WSA"
}
