# tests/service/lib.sh - helpers for the service tests (sourced after
# tests/cli/run.sh's helpers): a registry with its keys, quanpiaod on an
# ephemeral loopback port that is always stopped at the end, valid
# resident ID numbers, and signed notes posted with curl.
QPD="${QP_QUANPIAOD:?QP_QUANPIAOD must name the quanpiaod program}"
FORGE="${QP_FORGE:?QP_FORGE must name the qp_forge test tool}"
# Forged entries name the log state of the served registry (qp_forge).
export QP_FORGE_DB=r.db
: "${QP_JSON:?QP_JSON must name the qp_json test tool}"
command -v curl >/dev/null || { echo "curl is needed (tools/deps installs it)" >&2; exit 1; }
ORIGIN=zhuji.example/quanpiao
V1=330681101201
QPD_PID=
# The service is stopped however the script ends; run.sh's own clean-up follows.
trap 'stop_service; rm -rf "$WORK"' EXIT

stop_service() {
	if [ -n "$QPD_PID" ]; then
		kill -TERM "$QPD_PID" 2>/dev/null
		wait "$QPD_PID" 2>/dev/null
		QPD_PID=
	fi
}

# make_registry: keys (the log key encrypted), a registry r.db with an officer and an auditor.
make_registry() {
	local k
	for k in auth:330681.authority officer:330681.officer.li officer2:330681.officer.wu \
		auditor:330681.auditor.zhao stranger:330681.officer.x; do
		"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 ||
			fail "key generate $k"
	done
	QUANPIAO_PASSPHRASE=log-secret "$QP" key generate --name $ORIGIN --out log.key >/dev/null 2>&1 ||
		fail "key generate log"
	"$QP" --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 \
		--log-vkey log.key.vkey >/dev/null 2>&1 || fail "init"
	for k in officer:officer officer2:officer auditor:auditor; do
		"$QP" --db r.db --key auth.key key enroll --role "${k#*:}" --vkey "${k%%:*}.key.vkey" >/dev/null 2>&1 ||
			fail "enroll $k"
	done
}

# start_service [OPTIONS...]: quanpiaod on 127.0.0.1 port 0; sets URL.
start_service() {
	QUANPIAO_PASSPHRASE=log-secret "$QPD" --db r.db --listen 127.0.0.1:0 --log-key log.key "$@" \
		>qpd.out 2>qpd.err &
	QPD_PID=$!
	URL=
	for _ in $(seq 1 200); do
		URL=$(sed -n 's/^quanpiaod: listening on //p' qpd.out)
		[ -n "$URL" ] && return 0
		kill -0 "$QPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "quanpiaod did not start: $(cat qpd.err)"
	return 1
}

# rid N: a valid resident ID number (born 1970-01-01, sequence N).
rid() {
	local b w s=0 i c="10X98765432"
	b="33068119700101$(printf %03d "$1")"
	w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2)
	for i in $(seq 0 16); do s=$((s + ${b:i:1} * w[i])); done
	echo "$b${c:s%11:1}"
}

# vcode N: a village code of the county for N in 1..999, distinct for each N and from V1.  Writes
# signed ahead of time and posted concurrently add villages: a household.add names its registry
# number, the next one, so only one of several signed ahead against the same log could land.
vcode() { printf '330681%03d%03d' $((201 + ($1 - 1) / 200)) $((200 + ($1 - 1) % 200)); }

now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# forge KEY TYPE BODY OUT: a signed entry note in OUT and its JSON request in OUT.json.
forge() {
	"$FORGE" "$1" $ORIGIN "$2" "$(now)" "$3" >"$4" || fail "qp_forge $2"
	json_note "$4" >"$4.json"
}

# json_note FILE: {"note": "<the file>"} (a note has no control characters but its newlines).
json_note() {
	printf '{"note":"'
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/$/\\n/' "$1" | tr -d '\n'
	printf '"}'
}

# post FILE [CONTENT_TYPE] [PATH]: POST the file; sets STATUS and BODY.
post() {
	STATUS=$(curl -s -o resp.body -w '%{http_code}' -H "Content-Type: ${2:-application/json}" \
		--data-binary @"$1" "$URL${3:-/v1/entries}")
	BODY=$(cat resp.body)
}

# get PATH [KEY]: sets STATUS and BODY; signed (RFC 9421, tests/tools/qp_sigreq.c) with KEY if given.
get() {
	local h=()
	if [ -n "${2:-}" ]; then
		"${QP_SIGREQ:?QP_SIGREQ must name the qp_sigreq test tool}" "$2" GET "$1" >sig.h || fail "qp_sigreq $1"
		h=(-H "$(sed -n 1p sig.h)" -H "$(sed -n 2p sig.h)")
	fi
	STATUS=$(curl -s -o resp.body -w '%{http_code}' "${h[@]}" "$URL$1")
	BODY=$(cat resp.body)
}

# field NAME: a member of the JSON in resp.body, as text (a string as its bytes, else compact JSON).
field() {
	"$QP_JSON" get resp.body "$1"
}

# expect_http STATUS BODY: exact status and body of the last request.
expect_http() {
	CHECKS=$((CHECKS + 1))
	OUT="$BODY" ERR="" RC="$STATUS"
	[ "$STATUS" = "$1" ] || fail "HTTP status $STATUS, expected $1"
	[ "$BODY" = "$2" ] || fail "body differs; expected: $2"
}

# problem STATUS SLUG TITLE DETAIL: the exact application/problem+json body.
problem() {
	printf '{"type":"/problems/%s","title":"%s","status":%s,"detail":"%s"}' "$2" "$3" "$1" "$4"
}

# ---- personal data ---------------------------------------------------------------------------

# commitment SALT_HEX ID NAME: the commitment household.add carries (quanpiao/personal.h):
# lowercase hex SHA-256 of the salt's bytes and the canonical JSON {"id_number":ID,"name":NAME}.
commitment() {
	{
		printf '%s' "$1" | xxd -r -p
		printf '{"id_number":"%s","name":"%s"}' "$2" "$3"
	} | sha256sum | cut -c1-64
}

# salt: 64 random hex digits.
salt() { head -c 32 /dev/urandom | xxd -p | tr -d '\n'; }

# json_personal NOTE ID NAME SALT [EXTRA]: {"note":...,"personal":{...EXTRA}} (EXTRA: ,"k":"v").
json_personal() {
	json_note "$1" | sed 's/}$//'
	printf ',"personal":{"id_number":"%s","name":"%s","salt":"%s"%s}}' "$2" "$3" "$4" "${5:-}"
}

# encodings VALUE: the forms in which VALUE's bytes could sit in a file: as they are, as hex
# (both cases), as JSON \u escapes (non-ASCII text), and as base64 at each of the three
# alignments (only the characters that depend on VALUE alone), one per line.
encodings() {
	local v=$1 hex pad b64 skip keep
	printf '%s\n' "$v"
	hex=$(printf '%s' "$v" | xxd -p | tr -d '\n')
	printf '%s\n' "$hex" "${hex^^}"
	if [ -n "$(printf '%s' "$v" | tr -d '\000-\177')" ]; then
		printf '%s' "$v" | iconv -f UTF-8 -t UTF-16BE | xxd -p -c 2 | sed 's/^/\\u/' | tr -d '\n'
		echo
	fi
	for pad in 0 1 2; do
		b64=$({ head -c "$pad" /dev/zero; printf '%s' "$v"; } | base64 -w0 | tr -d '=')
		# Drop the characters that mix in padding bytes or the unknown byte after the value.
		skip=$(((pad * 4 + 2) / 3))
		keep=$(((${#v} + pad) * 4 / 3 - skip - 1))
		[ "$keep" -ge 8 ] && printf '%s\n' "${b64:skip:keep}"
	done
}

# no_leak FILE WHAT VALUE...: fail if FILE's bytes hold any VALUE in any of its encodings.
no_leak() {
	local file=$1 what=$2 v e
	shift 2
	for v in "$@"; do
		while IFS= read -r e; do
			CHECKS=$((CHECKS + 1))
			if LC_ALL=C grep -q -a -F -e "$e" "$file"; then
				fail "$what holds personal data ($e, a form of $v)"
			fi
		done < <(encodings "$v")
	done
}

# household_number ID_OR_NUMBER: the household's registry number, as the service answers it.
household_number() {
	get "/v1/households/$1" officer.key # by ID number: officers and auditors only
	"$QP_JSON" get resp.body household >household.json && "$QP_JSON" get household.json number
}
