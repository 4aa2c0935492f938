# cli-offline: the CLI without a working server: exit codes (0/1/2), usage
# errors, missing key, unreachable server (one clear line), --json errors,
# help for every command, and that the committed man page and completion
# scripts match what the binary generates.
. "$(dirname "$0")/lib.sh"
export BERTH_CONFIG=$WORK/config.json
unset BERTH_API_KEY BERTH_API_URL

"$BERTH" version | grep -Eq '^berth [0-9]+\.[0-9]+\.[0-9]+$' || fail "version"
"$BERTH" --json version | jq -e .version >/dev/null || fail "version --json"
ok "version"

rc=0; "$BERTH" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "no command"
rc=0; out=$("$BERTH" frobnicate 2>&1) || rc=$?
assert_eq "$rc" 2 "unknown command"
echo "$out" | grep -q "^berth: unknown command 'frobnicate'" || fail "unknown command message: $out"
rc=0; out=$("$BERTH" ls --bogus 2>&1) || rc=$?
assert_eq "$rc" 2 "bad flag"
echo "$out" | grep -q "unknown flag '--bogus'" || fail "bad flag message: $out"
rc=0; "$BERTH" inspect >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "missing argument"
rc=0; "$BERTH" inspect a b >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "too many arguments"
rc=0; "$BERTH" logs x --tail >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "flag without value"
rc=0; "$BERTH" --api-key k deploy x --env NOEQ >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "bad --env value"
rc=0; "$BERTH" --api-key k exec x >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "exec without a command"
rc=0; err=$("$BERTH" --json ls --bogus 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 2 "bad flag with --json"
assert_eq "$(jget "$err" .error.code)" usage "usage error code"
ok "usage errors exit 2 with a message"

rc=0; err=$("$BERTH" ls 2>&1) || rc=$?
assert_eq "$rc" 1 "no key"
echo "$err" | grep -q "^berth: no API key" || fail "no key message: $err"
ok "missing key: exit 1, clear message"

port=$(free_port)
rc=0; err=$("$BERTH" --api-key k --api-url "http://127.0.0.1:$port" ls 2>&1) || rc=$?
assert_eq "$rc" 1 "unreachable"
assert_eq "$err" "berth: cannot reach berthd at http://127.0.0.1:$port: connection refused" "unreachable message"
rc=0; err=$(BERTH_API_URL=http://127.0.0.1:$port BERTH_API_KEY=k "$BERTH" --json ls 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "unreachable --json"
assert_eq "$(jget "$err" .error.code)" unreachable "unreachable code"
# the libcurl path says the same
rc=0; err=$(BERTH_USE_CURL=1 "$BERTH" --api-key k --api-url "http://127.0.0.1:$port" ls 2>&1) || rc=$?
assert_eq "$rc" 1 "unreachable (libcurl)"
assert_eq "$err" "berth: cannot reach berthd at http://127.0.0.1:$port: connection refused" "unreachable message (libcurl)"
ok "unreachable server: one line, exit 1"

# every command has --help with examples, exit 0
"$BERTH" --help >"$WORK/help" || fail "--help"
grep -q "^Workspaces:" "$WORK/help" || fail "top help"
"$BERTH" help --man >"$WORK/berth.1"
# the command words are those before the first upper-case argument
sed -n 's/^\.SS "berth \(.*\)"$/\1/p' "$WORK/berth.1" | sed 's/\\-/-/g' |
	awk '{ w = ""; for (i = 1; i <= NF && $i ~ /^[a-z-]+$/; i++)
		w = w (w == "" ? "" : " ") $i; print w }' >"$WORK/cmds"
[ "$(wc -l <"$WORK/cmds")" -ge 40 ] || fail "too few commands in the man page"
while read -r words; do
	out=$("$BERTH" $words --help) || fail "'$words --help' failed"
	[[ $out == *$'\nExamples:\n  '?* ]] || fail "no examples for '$words'"
	[[ $out == *"Usage: berth $words"* ]] || fail "bad usage line for '$words'"
done <"$WORK/cmds"
ok "--help for every command"

cmp -s "$WORK/berth.1" "$SRC_DIR/docs/berth.1" || fail "docs/berth.1 is stale: run berth help --man > docs/berth.1"
"$BERTH" completion bash | cmp -s - "$SRC_DIR/contrib/completion/berth.bash" || fail "contrib/completion/berth.bash is stale"
"$BERTH" completion zsh | cmp -s - "$SRC_DIR/contrib/completion/_berth" || fail "contrib/completion/_berth is stale"
ok "man page and completion scripts are current"

if command -v groff >/dev/null 2>&1; then
	groff -man -Tutf8 -ww -z "$SRC_DIR/docs/berth.1" 2>"$WORK/man.err" || fail "groff failed"
	[ ! -s "$WORK/man.err" ] || fail "man page warnings: $(cat "$WORK/man.err")"
	groff -man -Tutf8 "$SRC_DIR/docs/berth.1" >"$WORK/man.txt" 2>/dev/null || fail "groff"
	grep -q "Create a workspace" "$WORK/man.txt" || fail "man page does not render"
	ok "man page renders without warnings"
fi

# bash completion: commands, sub-commands, flags, workspace names from
# 'berth ls -q' (a stand-in berth on PATH answers that)
mkdir -p "$WORK/bin"
cat >"$WORK/bin/berth" <<'EOS'
#!/bin/sh
[ "$1 $2" = "ls -q" ] && { echo train; echo tiny; exit 0; }
[ "$1 $2" = "templates -q" ] && { echo default; echo cuda; exit 0; }
[ "$1 $2" = "volumes -q" ] && { echo data; exit 0; }
exit 1
EOS
chmod +x "$WORK/bin/berth"
# (output goes through a file: "producer | grep -q" can die of SIGPIPE
# under pipefail)
complete_words() {
	PATH=$WORK/bin:$PATH bash -c '
		source <("$0" completion bash)
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_berth; printf "%s\n" "${COMPREPLY[@]}"' "$BERTH" "$@" >"$WORK/comp"
	cat "$WORK/comp"
}
completes() {
	local want=$1
	shift
	complete_words "$@" >/dev/null
	grep -qx -- "$want" "$WORK/comp"
}
completes deploy berth de || fail "complete command"
completes create berth volumes "" || fail "complete sub-command"
completes --ttl berth deploy --tt || fail "complete deploy flag"
completes --follow berth logs --f || fail "complete logs flag"
[ "$(complete_words berth exec t | sort | tr '\n' ' ')" = "tiny train " ] || fail "complete workspace names"
completes zsh berth completion ""
completes cuda berth deploy x --template c
completes data berth volumes rm ""
completes direct berth deploy x --ssh d
completes stopped berth ls --status s
! completes train berth volumes rm "" || fail "workspace names for volumes rm" || fail "complete shells"
bash -n <("$BERTH" completion bash) || fail "bash completion syntax"
if command -v zsh >/dev/null 2>&1; then
	zsh -n <("$BERTH" completion zsh) || fail "zsh completion syntax"
fi
ok "completion: commands, flags, workspace names"
