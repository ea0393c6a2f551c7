# The registry service (sourced by run.sh): quanpiaod on an ephemeral
# loopback port, driven with curl and with the CLI's --server.  A signed
# write is answered with a proof that verifies offline; each refusal has
# its status and problem body; lists page; the CLI through the service
# prints what it prints on the file; two desks spending one certificate at
# once: one wins, the other gets exit 5.
# shellcheck source=/dev/null
. "$(dirname "$SCRIPT")/../service/lib.sh"

make_registry
H1=$(rid 1) H2=$(rid 2) H3=$(rid 3)
U1=${V1}JC00001F00010001
start_service --threads 2 --max-body 8192 || return
export QUANPIAO_CACHE="$WORK/cache1"
S="--server $URL --key officer.key"

# ---- a signed write, answered with a proof that verifies --------------------------------
forge officer.key village.add "{\"code\":\"$V1\",\"name\":\"东白湖村\"}" v1.note
post v1.note.json
CONTEXT="POST village.add"
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 200 ] || fail "status $STATUS: $BODY"
[ "$(field index)" = 6 ] || fail "index $(field index), expected 6"
field proof >v1.tlog-proof
field checkpoint >v1.checkpoint
expect 0 "verified: entry 6 is in $ORIGIN at size 7 (checkpoint signed by the log key)" "" -- \
	verify v1.tlog-proof --entry v1.note --log-vkey log.key.vkey
# The checkpoint answered is the one the registry keeps, and the proof is the CLI's own.
expect 0 "$(cat v1.checkpoint)" "" -- --db r.db log checkpoint
expect 0 "$(cat v1.tlog-proof)" "" -- --db r.db log proof --index 6
contains "$(cat v1.tlog-proof)" "$(cat v1.checkpoint)"

# ---- refusals: status and problem body ------------------------------------------------------
CONTEXT="bad signature"
sed 's/东白湖村/西白湖村/' v1.note >bad.note
json_note bad.note >bad.json
post bad.json
expect_http 403 "$(problem 403 not-permitted Forbidden 'the signature by 330681.officer.li does not verify (altered entry or wrong key)')"

CONTEXT="unknown key"
forge stranger.key village.add "{\"code\":\"330681101202\",\"name\":\"新村\"}" x.note
post x.note.json
STRANGER_ID=$(sed -n 's/^330681.officer.x+\([0-9a-f]*\)+.*/\1/p' stranger.key.vkey)
expect_http 403 "$(problem 403 not-permitted Forbidden "signer 330681.officer.x (key ID $STRANGER_ID) is not an enrolled key")"

CONTEXT="wrong role"
forge auditor.key village.add "{\"code\":\"330681101202\",\"name\":\"新村\"}" a.note
post a.note.json
expect_http 403 "$(problem 403 not-permitted Forbidden 'key 330681.auditor.zhao has role auditor; village.add entries must be signed by an officer key')"

CONTEXT="malformed JSON"
printf '{"note": "unterminated' >m.json
post m.json
expect_http 400 "$(problem 400 malformed 'Bad Request' 'malformed JSON: the body must be a JSON object with a string member \"note\"')"
printf '{"note": 5}' >m2.json
post m2.json
expect_http 400 "$(problem 400 malformed 'Bad Request' 'malformed JSON: member \"note\" must be a string')"

CONTEXT="oversized body"
head -c 10000 /dev/zero | tr '\0' 'a' >big.json
post big.json
expect_http 413 "$(problem 413 too-large 'Content Too Large' 'the body of 10000 bytes is larger than the limit of 8192 bytes')"

CONTEXT="oversized headers"
CHECKS=$((CHECKS + 1))
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" "$URL/healthz")
[ "$STATUS" = 431 ] || fail "headers of 20000 bytes: status $STATUS, expected 431"

CONTEXT="wrong content type"
post v1.note.json text/plain
expect_http 415 "$(problem 415 content-type 'Unsupported Media Type' 'the body must be application/json')"

CONTEXT="rule broken"
forge officer.key village.add "{\"code\":\"$V1\",\"name\":\"东白湖村\"}" dup.note
post dup.note.json
expect_http 409 "$(problem 409 conflict Conflict "village.add: village $V1 (东白湖村) was already added by entry 6")"
forge officer.key village.add '{"code":"330681101","name":"乡"}' inv.note
post inv.note.json
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 422 ] || fail "invalid entry: status $STATUS, expected 422: $BODY"

CONTEXT="not found, method"
get /v1/certificates/330681-2026-G-999999
expect_http 404 "$(problem 404 not-found 'Not Found' 'no certificate 330681-2026-G-999999 in the registry')"
# A malformed number or unit in the path is a bad request, as a bad query parameter is.
get /v1/homes/33068X001002JC00002F00010001
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 400 ] || fail "malformed unit: status $STATUS, expected 400: $BODY"
contains "$BODY" '"type":"/problems/malformed"'
get /v1/certificates/330681-2026-Q-000001/history
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 400 ] || fail "malformed certificate number: status $STATUS, expected 400: $BODY"
get /v1/nothing
expect_http 404 "$(problem 404 not-found 'Not Found' 'no such resource')"
STATUS=$(curl -s -o resp.body -w '%{http_code}' -X DELETE "$URL/v1/entries")
BODY=$(cat resp.body)
expect_http 405 "$(problem 405 method 'Method Not Allowed' 'DELETE is not allowed here; use GET or POST')"
get "/v1/homes?limit=0"
expect_http 400 "$(problem 400 malformed 'Bad Request' 'query parameter limit: must be from 1 to 1000')"

# ---- the CLI through the service ---------------------------------------------------------------
expect 0 "added household 330681********${H1:14} 王大明 in $V1 (entry 7)" "" -- $S household add --id-number $H1 --name 王大明 --village $V1
expect_rc 0 -- $S household add --id-number $H2 --name 李小红 --village $V1
expect_rc 0 -- $S household add --id-number $H3 --name 陈国强 --village $V1
expect_rc 0 -- $S home add --unit $U1 --village $V1 --household $H1 --land-area 1000.00
expect 0 "home $U1: in_use -> withdrawn (entry 11)" "" -- $S home status $U1 withdrawn
for i in 1 2 3 4 5; do
	expect_rc 0 -- $S cert issue --kind guarantee --holder $H1 --area 10.00 --home $U1 --basis withdrawal
done
contains "$OUT" "issued 330681-2026-G-000005 "
expect 5 "" "quanpiao: village.add: village $V1 (东白湖村) was already added by entry 6" -- $S village add --code $V1 --name 东白湖村
expect 4 "" "quanpiao: key 330681.auditor.zhao has role auditor; village.add entries must be signed by an officer key" -- \
	--server "$URL" --key auditor.key village add --code 330681101202 --name 新村
# An entry signed elsewhere goes through the service as it goes onto the file.
forge officer.key village.add '{"code":"330681101202","name":"新村"}' v2.note
run --server "$URL" log append v2.note
CHECKS=$((CHECKS + 1))
[ "$RC" = 0 ] || fail "log append through the service: exit $RC: $ERR"
V2_AT=$(sed -n 's/^appended entry \([0-9]*\)$/\1/p' <<<"$OUT")
expect 0 "$(cat v2.note)" "" -- --db r.db log entry --index "$V2_AT"
expect 5 "" "quanpiao: village.add: village 330681101202 (新村) was already added by entry $V2_AT" -- \
	--server "$URL" log append v2.note
expect 4 "" "quanpiao: the signature by 330681.officer.li does not verify (altered entry or wrong key)" -- \
	--server "$URL" log append bad.note
# A bulk import runs where the registry is; an audit runs on the client's verified mirror.
expect 2 "" "quanpiao: import does not work with --server: it commits rows in batches to the registry file itself; run it where the registry is" -- \
	$S import legacy.csv
run --server "$URL" audit
CHECKS=$((CHECKS + 1))
[ "$RC" = 0 ] || fail "audit through the service: exit $RC: $ERR"
# ... and says so: what it audited is the mirror, named with its file, not ./registry.db.
contains "$OUT" "full audit of the local mirror of $URL ($QUANPIAO_CACHE/mirror-"
case "$OUT" in *registry.db*) fail "the audit through the service names a local registry file" ;; esac
# Signing checkpoints is the service's own work, with its log key.
expect 2 "" "quanpiao: this command changes the registry file itself and does not work with --server; run it where the registry is" -- \
	--server "$URL" --key log.key log sign
# Reads print what they print on the file.
for cmd in "cert show 330681-2026-G-000001" "cert list" "cert history 330681-2026-G-000002" "home show $U1" \
	"home list" "household show $H1" "stats" "log entry --index 7" "log proof --index 8" "log checkpoint" \
	"key list" "policy show" "--json cert list --limit 2"; do
	# shellcheck disable=SC2086
	run --db r.db $cmd
	local_out="$OUT"
	# shellcheck disable=SC2086
	expect 0 "$local_out" "" -- --server "$URL" $cmd
done

# ---- reads and pagination ------------------------------------------------------------------------
CONTEXT="pagination"
ids="" after="" pages=0
while :; do
	get "/v1/certificates?kind=guarantee&limit=2${after:+&after=$after}"
	[ "$STATUS" = 200 ] || { fail "page: $STATUS $BODY"; break; }
	ids="$ids$("$QP_JSON" each resp.body certificates id | tr '\n' ' ')"
	pages=$((pages + 1))
	after=$(field next)
	[ "$after" = null ] && break
	[ $pages -lt 10 ] || { fail "pages do not end"; break; }
done
CHECKS=$((CHECKS + 1))
[ "$pages" = 3 ] || fail "$pages pages, expected 3"
[ "$ids" = "330681-2026-G-000001 330681-2026-G-000002 330681-2026-G-000003 330681-2026-G-000004 330681-2026-G-000005 " ] ||
	fail "pages gave: $ids"
get "/v1/entries?start=3&limit=4"
CHECKS=$((CHECKS + 1))
[ "$("$QP_JSON" each resp.body entries index | tr '\n' ' ')next $(field next)" = "3 4 5 6 next 7" ] ||
	fail "entries page: $BODY"
get /v1/entries/6
expect_http 200 "$(cat v1.note)"
get "/v1/households/$H1"
contains "$BODY" "\"id_number\":\"330681********${H1:14}\""
CHECKS=$((CHECKS + 1))
case "$BODY" in *"$H1"*) fail "household ID number not masked" ;; esac
get /checkpoint
expect_http 200 "$("$QP" --db r.db log checkpoint)"
get "/v1/proof/inclusion?index=6&size=7"
contains "$BODY" '"index":6,"size":7,"hashes":['
get /healthz
contains "$BODY" '{"status":"ok","size":'
get /metrics
contains "$BODY" 'quanpiaod_http_requests_total{route="POST /v1/entries",status="200"}'
contains "$BODY" 'quanpiaod_batch_entries_count'

# ---- a spent certificate, over HTTP and from two desks at once ------------------------------------
CONTEXT="spent certificate"
expect_rc 0 -- $S cert transfer 330681-2026-G-000001 --to $H2
SPENT_AT=$(sed -n 's/.*(entry \([0-9]*\))$/\1/p' <<<"$OUT" | head -1)
forge officer.key cert.transfer "{\"basis\":\"sale\",\"cert\":\"330681-2026-G-000001\",\"new_id\":\"330681-2026-G-000007\",\"to\":\"$H3\"}" spent.note
post spent.note.json
expect_http 409 "$(problem 409 conflict Conflict "cert.transfer: certificate 330681-2026-G-000001 is already spent (by entry $SPENT_AT)")"
expect 5 "" "quanpiao: cert.transfer: certificate 330681-2026-G-000001 is already spent (by entry $SPENT_AT)" -- \
	$S cert transfer 330681-2026-G-000001 --to $H3

CONTEXT="two desks"
won=0 lost=0
for cert in 330681-2026-G-000002 330681-2026-G-000003 330681-2026-G-000004; do
	QUANPIAO_CACHE="$WORK/desk-a" "$QP" --server "$URL" --key officer.key cert transfer $cert --to $H2 >a.out 2>a.err &
	pa=$!
	QUANPIAO_CACHE="$WORK/desk-b" "$QP" --server "$URL" --key officer2.key cert transfer $cert --to $H3 >b.out 2>b.err &
	pb=$!
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	CHECKS=$((CHECKS + 1))
	if [ "$ra$rb" = 05 ]; then
		won=$((won + 1)) loser=b
	elif [ "$ra$rb" = 50 ]; then
		won=$((won + 1)) loser=a
	else
		fail "$cert: exits $ra and $rb, expected one 0 and one 5 ($(cat a.err b.err))"
		continue
	fi
	contains "$(cat $loser.err)" "quanpiao: cert.transfer: certificate $cert is already spent (by entry "
done
# A witness cosigns through the service; the served checkpoint carries the cosignature.
CONTEXT="witness"
run --server "$URL" --key auditor.key witness cosign --state wit
CHECKS=$((CHECKS + 1))
[ "$RC" = 0 ] || fail "witness cosign through the service: exit $RC: $ERR"
contains "$OUT" "cosigned $ORIGIN at size "
cosig=$(tail -n 1 <<<"$OUT")
get /checkpoint
contains "$BODY" "$cosig"
expect 0 "$BODY" "" -- --db r.db log checkpoint
expect_rc 0 -- --db r.db audit
stop_service
CHECKS=$((CHECKS + 1))
contains "$(cat qpd.err)" "quanpiaod: stopped"
# Nothing listens any more: curl's words, and what to check.
expect_rc 10 -- --server "$URL" cert list
contains "$ERR" "quanpiao: --server $URL: "
contains "$ERR" "; is quanpiaod running and listening there?"
expect_rc 10 -- --server "ftp://127.0.0.1:1" cert list
contains "$ERR" "; the URL must be http://HOST:PORT or https://HOST:PORT"
