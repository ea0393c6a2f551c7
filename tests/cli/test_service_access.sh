# Who may read what through quanpiaod (sourced by run.sh; issue 22's first
# two acceptance tests).  A registry with the quickstart's data is served;
# every anonymous answer of every endpoint - every page of every list, every
# record, the log, proofs, checkpoints and stats - is searched with QP_PII
# (tests/tools/qp_pii.c) for each resident ID number and personal name put
# in: none is found.  The same reads signed by an officer (RFC 9421 with
# tests/tools/qp_sigreq.c) show every one, and `quanpiao access list` names
# each household and person investor read.  Then the refusals: a signature
# by an unenrolled, revoked or expired key, a replayed request (also one
# replayed right after a restart of the service), one older
# than the validity window, one altered; --reveal without a key, locally
# and through --server; a passphrase file with mode 0644.
# shellcheck source=/dev/null
. "$(dirname "$SCRIPT")/../service/lib.sh"
# shellcheck source=/dev/null
. "$(dirname "$SCRIPT")/../service/quickstart.sh"
PII="${QP_PII:?QP_PII must name the qp_pii test tool}"
SIGREQ="${QP_SIGREQ:?QP_SIGREQ must name the qp_sigreq test tool}"
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}

make_registry
quickstart_data
start_service --threads 2 || return

# sget FILE TARGET [KEY]: GET TARGET (signed with KEY when given) into FILE; sets STATUS.
sget() {
	local h=()
	if [ -n "${3:-}" ]; then
		"$SIGREQ" "$3" GET "$2" >sig.h || fail "qp_sigreq $2"
		h=(-H "$(sed -n 1p sig.h)" -H "$(sed -n 2p sig.h)")
	fi
	STATUS=$(curl -s -o "$1" -w '%{http_code}' "${h[@]}" "$URL$2")
}

# crawl DIR [KEY]: every endpoint, every page, every record, into DIR; each answer must be 200.
crawl() {
	local d=$1 key=${2:-} n=0 next after i size
	mkdir -p "$d"
	get1() {
		n=$((n + 1))
		sget "$d/$n" "$1" "$key"
		CHECKS=$((CHECKS + 1))
		[ "$STATUS" = 200 ] || fail "GET $1 ${key:+(signed)}: status $STATUS: $(head -c 300 "$d/$n")"
	}
	for t in /checkpoint /v1/registry /healthz /metrics /v1/stats "/v1/stats?year=2021"; do get1 "$t"; done
	after=
	while :; do
		get1 "/v1/homes?limit=3${after:+&after=$after}"
		"$QP_JSON" each "$d/$n" homes unit >>"$d.units"
		"$QP_JSON" each "$d/$n" homes household >>"$d.households"
		after=$("$QP_JSON" get "$d/$n" next)
		[ "$after" = null ] && break
	done
	while read -r u; do get1 "/v1/homes/$u"; done <"$d.units"
	# Every household by number, those without a home too.
	for i in 1 2 3 4 5 6 7; do get1 "/v1/households/330681-H-000000$i"; done
	after=
	while :; do
		get1 "/v1/certificates?limit=2${after:+&after=$after}"
		"$QP_JSON" each "$d/$n" certificates id >>"$d.certs"
		after=$("$QP_JSON" get "$d/$n" next)
		[ "$after" = null ] && break
	done
	while read -r c; do
		get1 "/v1/certificates/$c"
		get1 "/v1/certificates/$c/history"
	done <"$d.certs"
	while read -r h; do get1 "/v1/certificates?holder=$h"; done < <(sort -u "$d.households")
	next=0
	while :; do
		get1 "/v1/entries?start=$next&limit=10"
		size=$("$QP_JSON" get "$d/$n" size)
		next=$("$QP_JSON" get "$d/$n" next)
		[ "$next" = null ] && break
	done
	for i in $(seq 0 $((size - 1))); do
		get1 "/v1/entries/$i"
		get1 "/v1/proof/inclusion?index=$i"
		[ "$i" -gt 0 ] && get1 "/v1/proof/consistency?from=$i"
	done
	CHECKS=$((CHECKS + 1))
	[ "$(wc -l <"$d.units")" = 8 ] && [ "$(wc -l <"$d.certs")" -ge 5 ] && [ "$size" -gt 30 ] ||
		fail "$d: the crawl saw $(wc -l <"$d.units") homes, $(wc -l <"$d.certs") certificates, $size entries"
}

# ---- anonymous: no ID number, no name, anywhere ------------------------------------------------
CONTEXT="the search finds planted values"
printf '{"name":"王芳","id":"330681197001010032"}' >planted
CHECKS=$((CHECKS + 1))
"$PII" quickstart.values planted >/dev/null
[ $? = 1 ] || fail "qp_pii missed planted values"

CONTEXT="anonymous crawl"
crawl anon
CHECKS=$((CHECKS + 1))
out=$("$PII" quickstart.values anon/*)
[ $? = 0 ] || fail "personal data in an anonymous answer: $out"
# Names masked to their first character, ID numbers to their ends.
contains "$(cat anon/* | tr -d '\n')" '"name":"王*"'
contains "$(cat anon/* | tr -d '\n')" '"id_number":"330681********0032"' 2>/dev/null ||
	contains "$(cat anon/* | tr -d '\n')" '"id_number":"330681********'
contains "$(cat anon/* | tr -d '\n')" '"investor":"李*"'
# Nobody but an officer or auditor may ask by ID number.
CONTEXT="anonymous lookups by ID number"
for t in /v1/households/330681197001010032 "/v1/certificates?holder=330681197001010032"; do
	sget x.json "$t"
	CHECKS=$((CHECKS + 1))
	[ "$STATUS" = 403 ] || fail "GET $t: status $STATUS, expected 403"
	contains "$(cat x.json)" "needs a request signed by an enrolled officer or auditor key"
done
CHECKS=$((CHECKS + 1))
[ -z "$(sqlite3 r.db 'SELECT * FROM access_records')" ] || fail "anonymous reads were recorded"

# ---- signed by an officer: everything, each read recorded ---------------------------------------
CONTEXT="officer crawl"
crawl signed officer.key
while read -r v; do
	printf '%s\n' "$v" >one.value
	CHECKS=$((CHECKS + 1))
	"$PII" one.value signed/* >/dev/null
	[ $? = 1 ] || fail "a signed read did not show the value on line $(grep -nxF -- "$v" quickstart.values | cut -d: -f1)"
done <quickstart.values
sget byid.json /v1/households/330681197001010032 officer.key
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 200 ] && [ "$("$QP_JSON" get byid.json household)" != "" ] || fail "officer lookup by ID: $STATUS"
contains "$(cat byid.json)" '"name":"王芳"'

CONTEXT="access list"
expect_rc 0 -- --db r.db access list
for i in 1 2 3 4 5 6 7; do contains "$OUT" "330681-H-000000$i"; done
contains "$OUT" "330681.officer.li"
contains "$OUT" "GET /v1/households/330681********0032"
expect_rc 0 -- --db r.db access list --subject 330681-H-0000003 --json
contains "$OUT" '"subject":"330681-H-0000003"'
contains "$OUT" '"reader":"330681.officer.li"'
contains "$OUT" '"role":"officer"'
printf '%s' "$OUT" >access.json
CHECKS=$((CHECKS + 1))
[ "$("$QP_JSON" each access.json records subject | sort -u)" = 330681-H-0000003 ] || fail "--subject filters"
# The person investor of entry N (home.activate of U8): by its entry.
expect_rc 0 -- --db r.db access list
contains "$OUT" "entry "
# The record holds no personal data itself.
CHECKS=$((CHECKS + 1))
sqlite3 r.db 'SELECT * FROM access_records' >records.txt
"$PII" quickstart.values records.txt >/dev/null
[ $? = 0 ] || fail "the access record holds personal data"

# ---- refused signatures -------------------------------------------------------------------------
# refused KEY CREATED NONCE DETAIL: a signed read of a household is 403 with DETAIL in the problem.
refused() {
	"$SIGREQ" "$1" GET /v1/households/330681-H-0000001 "$2" ${3:+"$3"} >sig.h || fail "qp_sigreq"
	STATUS=$(curl -s -o x.json -w '%{http_code}' -H "$(sed -n 1p sig.h)" -H "$(sed -n 2p sig.h)" \
		"$URL/v1/households/330681-H-0000001")
	CHECKS=$((CHECKS + 1))
	[ "$STATUS" = 403 ] || fail "status $STATUS, expected 403: $(cat x.json)"
	contains "$(cat x.json)" "$4"
	"$PII" quickstart.values x.json >/dev/null || fail "a refusal shows personal data"
}
CONTEXT="unenrolled key"
refused stranger.key +0 "" "is not an enrolled key"
CONTEXT="a key of another role"
refused auth.key +0 "" "only officer and auditor keys read personal data"
CONTEXT="revoked key"
expect_rc 0 -- --db r.db --key auth.key key revoke 330681.officer.wu --reason "left the office"
refused officer2.key +0 "" "was revoked by entry"
CONTEXT="expired key"
# No clock to turn here: the auditor's enrolment is made to have ended in 2020.
sqlite3 r.db "UPDATE keys SET valid_until = '2020-12-31' WHERE name = '330681.auditor.zhao'" || fail "sqlite3"
refused auditor.key +0 "" "expired on 2020-12-31"
CONTEXT="older than the window"
refused officer.key -61 "" "older than the 60-second validity window"
CONTEXT="from the future"
refused officer.key +30 "" "created is in the future"
CONTEXT="replayed"
"$SIGREQ" officer.key GET /v1/households/330681-H-0000001 +0 replayed-nonce-0123456789 >sig.h
for want in 200 403; do
	STATUS=$(curl -s -o x.json -w '%{http_code}' -H "$(sed -n 1p sig.h)" -H "$(sed -n 2p sig.h)" \
		"$URL/v1/households/330681-H-0000001")
	CHECKS=$((CHECKS + 1))
	[ "$STATUS" = $want ] || fail "replay: status $STATUS, expected $want"
done
contains "$(cat x.json)" "was used already (a replayed request)"
# The nonces live in the service's memory: a request answered before a restart, replayed right
# after it (within its window), is refused - nothing signed before the start is accepted.
CONTEXT="replayed after a restart"
"$SIGREQ" officer.key GET /v1/households/330681-H-0000001 +0 restart-nonce-0123456789 >sig.h
signed_status() {
	STATUS=$(curl -s -o x.json -w '%{http_code}' -H "$(sed -n 1p "$1")" -H "$(sed -n 2p "$1")" \
		"$URL/v1/households/330681-H-0000001")
	CHECKS=$((CHECKS + 1))
	[ "$STATUS" = "$2" ] || fail "$3: status $STATUS, expected $2: $(cat x.json)"
}
signed_status sig.h 200 "before the restart"
stop_service
start_service --threads 2 || return
signed_status sig.h 403 "replayed after the restart"
contains "$(cat x.json)" "created before this service started"
"$SIGREQ" officer.key GET /v1/households/330681-H-0000001 >sig2.h
signed_status sig2.h 200 "signed anew after the restart"
CONTEXT="altered request"
"$SIGREQ" officer.key GET /v1/households/330681-H-0000001 >sig.h
STATUS=$(curl -s -o x.json -w '%{http_code}' -H "$(sed -n 1p sig.h)" -H "$(sed -n 2p sig.h)" \
	"$URL/v1/households/330681-H-0000002")
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 403 ] || fail "altered path: status $STATUS"
contains "$(cat x.json)" "does not verify with the enrolled key"
CONTEXT="malformed signature headers"
for input in 'sig1=("@method" "@path");created=1;nonce="aaaaaaaaaaaaaaaaaaaaaa";keyid="a+00000000"' \
	'sig1=("@method" "@path" "@query");created=x' 'garbage' ''; do
	STATUS=$(curl -s -o x.json -w '%{http_code}' -H "Signature-Input: $input" -H "Signature: sig1=:AAAA:" \
		"$URL/v1/households/330681-H-0000001")
	CHECKS=$((CHECKS + 1))
	[ "$STATUS" = 403 ] || fail "Signature-Input '$input': status $STATUS"
done
stop_service

# ---- --reveal needs an enrolled officer or auditor key ------------------------------------------
CONTEXT="--reveal without a key, locally"
expect_rc 4 -- --db r.db household list --reveal
contains "$ERR" "--reveal"
expect_rc 4 -- --db r.db --key stranger.key household show 330681-H-0000001 --reveal
contains "$ERR" "is not an enrolled key"
expect_rc 0 -- --db r.db household list
CHECKS=$((CHECKS + 1))
# ID numbers masked (names stay as the file shows them: the local CLI's rule, not the service's).
grep -E '^[0-9]{17}' quickstart.values >ids.values
"$PII" ids.values .out >/dev/null || fail "household list without --reveal shows an ID number"
expect_rc 0 -- --db r.db --key officer.key household show 330681-H-0000003 --reveal
contains "$OUT" "330681197001010032"
expect_rc 0 -- --db r.db access list --subject 330681-H-0000003
contains "$OUT" "household show"
# Recorded before anything is shown: a reader that closes the output at once (a pager quit,
# `| head`) still leaves its row, where it used to end the command before the record.
CONTEXT="--reveal: recorded before it is shown"
BEFORE=$(sqlite3 r.db "SELECT count(*) FROM access_records")
"$QP" --db r.db --key officer.key household show 330681-H-0000002 --reveal | true
AFTER=$(sqlite3 r.db "SELECT count(*) FROM access_records WHERE subject = '330681-H-0000002'")
[ "$(sqlite3 r.db "SELECT count(*) FROM access_records")" -eq $((BEFORE + 1)) ] && [ "$AFTER" -ge 1 ] ||
	fail "a read whose output was closed early left no access record"
CHECKS=$((CHECKS + 1))
# A read that cannot be recorded shows nothing of it (here a trigger refuses the row).
cp r.db norecord.db
sqlite3 norecord.db "CREATE TRIGGER no_access BEFORE INSERT ON access_records BEGIN SELECT RAISE(ABORT, 'refused'); END"
expect_rc 10 -- --db norecord.db --key officer.key household show 330681-H-0000003 --reveal
contains "$ERR" "the read of personal data could not be recorded, so nothing of it is shown"
[ -z "$OUT" ] || fail "a read that could not be recorded was shown: $OUT"
CHECKS=$((CHECKS + 1))

start_service --threads 2 || return
export QUANPIAO_CACHE="$WORK/cache"
CONTEXT="--reveal without a key, through --server"
expect_rc 4 -- --server "$URL" household list --reveal
contains "$ERR" "--reveal"
expect_rc 0 -- --server "$URL" household list
CONTEXT="the mirror"
CHECKS=$((CHECKS + 1))
for f in "$QUANPIAO_CACHE"/*; do
	case "$f" in *-wal | *-shm) continue ;; esac
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f")"
	"$PII" quickstart.values "$f" >/dev/null || fail "the mirror holds personal data"
done
CONTEXT="--reveal with an officer key, through --server"
expect_rc 0 -- --server "$URL" --key officer.key household show 330681-H-0000003 --reveal
contains "$OUT" "330681197001010032"
contains "$OUT" "王芳"
unset QUANPIAO_CACHE
stop_service

# ---- a passphrase file others can read -------------------------------------------------------------
CONTEXT="passphrase file 0644"
printf 'log-secret\n' >pass
chmod 644 pass
expect_rc 4 -- key generate --name x.y --out y.key --passphrase-file pass
contains "$ERR" "(mode 0644); chmod 600 it (set: group read, others read)"
CHECKS=$((CHECKS + 1))
[ ! -e y.key ] || fail "a key was written with a refused passphrase file"
"$QPD" --db r.db --listen 127.0.0.1:0 --log-key log.key --passphrase-file pass >qpd2.out 2>qpd2.err
rc=$?
CHECKS=$((CHECKS + 1))
[ $rc = 4 ] || fail "quanpiaod with a passphrase file of mode 0644: exit $rc"
contains "$(cat qpd2.err)" "(mode 0644); chmod 600 it (set: group read, others read)"
chmod 640 pass
expect_rc 4 -- key generate --name x.y --out y.key --passphrase-file pass
contains "$ERR" "(mode 0640); chmod 600 it (set: group read)"
chmod 600 pass
expect_rc 0 -- key generate --name x.y --out y.key --passphrase-file pass
