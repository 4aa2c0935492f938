# cli-resources: templates, volumes, users, api-keys, ssh-keys and gpus
# through berth against a real berthd (GPUs from the NVML stand-in, an H100
# with seven 1g.10gb instances): tables, --json objects, -q, and errors.
. "$(dirname "$0")/lib.sh"
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/h100-7x1g.json
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env
export BERTH_API_KEY=$ADMIN_KEY BERTH_CONFIG=$WORK/none.json

"$BERTH" templates >"$WORK/t" || fail "templates"
head -1 "$WORK/t" | grep -Eq '^NAME +IMAGE +GPU' || fail "templates header"
grep -q '^default ' "$WORK/t" || fail "default template missing"
assert_eq "$("$BERTH" templates info default --json | jq -r .name)" default "templates info --json"
"$BERTH" templates info default >"$WORK/t" || fail "templates info"
grep -Eq '^name: +default$' "$WORK/t" || fail "templates info text"
rc=0; "$BERTH" templates info nope >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "missing template"
ok "templates"

out=$("$BERTH" volumes create cli-data --size 3) || fail "volumes create"
assert_eq "$out" "Created volume cli-data" "volumes create output"
assert_eq "$("$BERTH" volumes info cli-data --json | jq -r .size_gib)" 3 "volume size"
"$BERTH" volumes resize cli-data 5 >/dev/null || fail "volumes resize"
assert_eq "$("$BERTH" volumes --json | jq -r '.[] | select(.name == "cli-data") | .size_gib')" 5 "resized"
grep -Eq '^cli-data +5 ' <<<"$("$BERTH" volumes)" || fail "volumes table"
assert_eq "$("$BERTH" volumes -q)" cli-data "volumes -q"
rc=0; "$BERTH" volumes resize cli-data zero >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "bad size"
"$BERTH" volumes rm cli-data </dev/null >/dev/null || fail "volumes rm"
assert_eq "$("$BERTH" volumes --json)" "[]" "no volumes left"
ok "volumes create/info/resize/ls/rm"

"$BERTH" users create cli-bob >/dev/null || fail "users create"
"$BERTH" users create cli-root --role admin --json | jq -e '.name == "cli-root"' >/dev/null || fail "users create --json"
rc=0; "$BERTH" users create cli-x --role god >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "bad role"
grep -Eq '^cli-root +admin ' <<<"$("$BERTH" users)" || fail "users table"
bobkey=$("$BERTH" users key cli-bob) || fail "users key"
[[ $bobkey == berth_* ]] || fail "users key output: $bobkey"
assert_eq "$(BERTH_API_KEY=$bobkey "$BERTH" auth whoami -q)" cli-bob "new key works"
rc=0; err=$(BERTH_API_KEY=$bobkey "$BERTH" users 2>&1) || rc=$?
assert_eq "$rc" 1 "users as non-admin"
[[ $err == "berth: "* ]] || fail "403 message: $err"
ok "users create/ls/key; admin only"

k2=$(BERTH_API_KEY=$bobkey "$BERTH" api-keys create --name laptop --json) || fail "api-keys create"
kid=$(jget "$k2" .id)
assert_eq "$(BERTH_API_KEY=$(jget "$k2" .key) "$BERTH" auth whoami -q)" cli-bob "second key works"
grep -Eq "^$kid +laptop " <<<"$(BERTH_API_KEY=$bobkey "$BERTH" api-keys)" || fail "api-keys table"
BERTH_API_KEY=$bobkey "$BERTH" api-keys rm "$kid" >/dev/null || fail "api-keys rm"
rc=0; BERTH_API_KEY=$(jget "$k2" .key) "$BERTH" auth whoami >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "revoked key"
ok "api-keys create/ls/rm"

ssh-keygen -q -t ed25519 -N '' -C bob@laptop -f "$WORK/id"
BERTH_API_KEY=$bobkey "$BERTH" ssh-keys add --key-file "$WORK/id.pub" >/dev/null || fail "ssh-keys add"
fp=$(ssh-keygen -lf "$WORK/id.pub" | awk '{print $2}')
BERTH_API_KEY=$bobkey "$BERTH" ssh-keys >"$WORK/k" || fail "ssh-keys"
grep -q "bob-laptop .*$fp" "$WORK/k" || fail "ssh-keys table: $(cat "$WORK/k")"
rc=0; "$BERTH" ssh-keys add --key "$(cat "$WORK/id.pub")" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "duplicate fingerprint"
rc=0; "$BERTH" ssh-keys add >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "ssh-keys add without a key"
BERTH_API_KEY=$bobkey "$BERTH" ssh-keys rm bob-laptop >/dev/null || fail "ssh-keys rm"
assert_eq "$(BERTH_API_KEY=$bobkey "$BERTH" ssh-keys --json)" "[]" "ssh key removed"
ok "ssh-keys add/ls/rm"

"$BERTH" gpus >"$WORK/g" || fail "gpus"
head -1 "$WORK/g" | grep -Eq '^INDEX +UUID +KIND +MODEL +PROFILE' || fail "gpus header"
assert_eq "$(grep -c ' 1g.10gb ' "$WORK/g")" 7 "seven MIG instances"
assert_eq "$("$BERTH" gpus types --json | jq -r '.[] | select(.profile == "1g.10gb") | .free')" 7 "types free"
j=$("$BERTH" deploy cli-g1 --gpu 1g.10gb --wait --json) || fail "deploy with a GPU"
assert_eq "$(jget "$j" .gpu.profile)" 1g.10gb "deployed GPU profile"
grep -Eq "^cli-g1 .* 1g.10gb " <<<"$("$BERTH" ls)" || fail "ls GPU column"
grep -q "cli-g1" <<<"$("$BERTH" gpus)" || fail "gpus ALLOCATED TO"
assert_eq "$("$BERTH" gpus available --json | jq length)" 6 "available after allocation"
grep -Eq '^mig +.*1g.10gb +[0-9]+ +7 +6$' <<<"$("$BERTH" gpus types)" || fail "gpus types table"
ok "gpus, types, available; deploy --gpu"

"$BERTH" stats cli-g1 --json >"$WORK/s" || fail "stats --json"
jq -e '.cpu_percent >= 0 and .memory.limit > 0 and .gpu.profile == "1g.10gb"' "$WORK/s" >/dev/null || fail "stats --json: $(cat "$WORK/s")"
"$BERTH" stats cli-g1 >"$WORK/s" || fail "stats"
grep -Eq '^CPU +[0-9.]+%  of [0-9]+ CPUs?$' "$WORK/s" || fail "stats CPU line: $(cat "$WORK/s")"
grep -Eq '^MEMORY +[0-9.]+%  .* / 4.0 GiB$' "$WORK/s" || fail "stats memory line"
grep -Eq '^GPU ' "$WORK/s" || fail "stats GPU line"
! grep -q $'\xe2\x96' "$WORK/s" || fail "bars without a TTY"
script -qec "$BERTH stats cli-g1" /dev/null >"$WORK/s" || fail "stats on a tty"
grep -q $'\xe2\x96' "$WORK/s" || fail "no bars on a TTY"
timeout 6 "$BERTH" stats -w --interval 0.2 cli-g1 >"$WORK/s" || [ $? = 124 ] || fail "stats -w"
[ "$(grep -c ' cpu=' "$WORK/s")" -ge 2 ] || fail "stats -w: one line per sample: $(cat "$WORK/s")"
ok "stats: --json, text, bars only on a TTY, --watch lines"
"$BERTH" rm -f cli-g1 >/dev/null || fail "rm"

"$BERTH" users rm cli-bob </dev/null >/dev/null || fail "users rm"
rc=0; "$BERTH" users rm cli-bob </dev/null >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "users rm twice"
ok "users rm"
