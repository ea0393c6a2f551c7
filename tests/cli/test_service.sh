# The registry service (sourced by run.sh): quanpiaod on an ephemeral
# loopback port, driven with curl and with the CLI's --server.  A signed
# write is answered with a proof that verifies offline; each refusal has
# its status and problem body; lists page; the CLI through the service
# prints what it prints on the file; two desks spending one certificate at
# once: one wins, the other gets exit 5; a write that revokes the log key
# (no checkpoint could be signed) is refused and the writes batched with it
# go in.
# shellcheck source=/dev/null
. "$(dirname "$SCRIPT")/../service/lib.sh"
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}

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
# household.add: the ID number and name go beside the signed entry, into the service's file only.
expect_rc 0 -- $S household add --id-number $H1 --name 王大明 --village $V1
contains "$OUT" "(entry 7)"
case "$OUT" in *"$H1"*) fail "household add printed the ID number unmasked" ;; esac
expect_rc 0 -- $S household add --id-number $H2 --name 李小红 --village $V1
expect_rc 0 -- $S household add --id-number $H3 --name 陈国强 --village $V1
CONTEXT="personal data on the server"
for pair in "$H1:王大明" "$H2:李小红" "$H3:陈国强"; do
	expect_rc 0 -- --db r.db household show "${pair%%:*}"
	contains "$OUT" "${pair#*:}"
done
# The households' numbers, asked of the service by ID number (signed by the officer: issue 22).
N1=$(household_number "$H1") N2=$(household_number "$H2") N3=$(household_number "$H3")
CHECKS=$((CHECKS + 1))
[ "$N1 $N2 $N3" = "330681-H-0000001 330681-H-0000002 330681-H-0000003" ] || fail "household numbers: $N1 $N2 $N3"
# Homes and certificates are named by ID number on the command line, by number in the entries.
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
for cmd in "cert list" "cert history 330681-2026-G-000002" \
	"home list" "stats" "log entry --index 7" "log proof --index 8" "log checkpoint" \
	"key list" "policy show" "cert status 330681-2026-G-000002"; do
	# shellcheck disable=SC2086
	run --db r.db $cmd
	local_out="$OUT"
	# shellcheck disable=SC2086
	expect 0 "$local_out" "" -- --server "$URL" $cmd
done
# What names a person reads on the mirror too, which holds no personal data (so it may show less).
expect_rc 0 -- --server "$URL" home show $U1
contains "$OUT" "$U1"
expect_rc 0 -- --server "$URL" household show "$N1"
expect_rc 0 -- --server "$URL" cert show 330681-2026-G-000001
contains "$OUT" "330681-2026-G-000001"
expect_rc 0 -- --server "$URL" --json cert list --limit 2
contains "$OUT" "\"holder\":\"$N1\",\"holder_type\":\"household\""
# The status proof the service serves verifies offline (issue 21).
get /v1/certificates/330681-2026-G-000001/status
CONTEXT="GET /v1/certificates/{id}/status"
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 200 ] || fail "status $STATUS: $BODY"
cp resp.body g1.status
expect_rc 0 -- verify g1.status --log-vkey log.key.vkey
contains "$OUT" "330681-2026-G-000001"
get /v1/certificates/330681-2026-X-000001/status
CONTEXT="GET /v1/certificates/{bad id}/status"
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 400 ] || fail "status $STATUS: $BODY"
# ?cosigned=K: the newest checkpoint with K cosignatures; none is cosigned here (404, with CORS so
# that the web verifier tells a missing proof from an unreachable log); K out of range is 400.
CONTEXT="GET /v1/certificates/{id}/status?cosigned=K"
STATUS=$(curl -s -D cos.h -o resp.body -w '%{http_code}' "$URL/v1/certificates/330681-2026-G-000001/status?cosigned=1")
BODY=$(cat resp.body)
expect_http 404 "$(problem 404 not-found "Not Found" "no checkpoint has 1 cosignature yet")"
grep -qi '^Access-Control-Allow-Origin: \*' cos.h || fail "the 404 has no CORS header: $(cat cos.h)"
for k in 0 100 x -1; do
	get "/v1/certificates/330681-2026-G-000001/status?cosigned=$k"
	CHECKS=$((CHECKS + 1))
	[ "$STATUS" = 400 ] || fail "cosigned=$k: status $STATUS: $BODY"
	contains "$BODY" "query parameter cosigned"
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
# By ID number: refused to anyone, answered in full to a signed officer's request (issue 22).
get "/v1/households/$H1"
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 403 ] || fail "anonymous lookup by ID number: status $STATUS"
case "$BODY" in *"$H1"*) fail "a refusal repeats the ID number" ;; esac
get "/v1/households/$H1" officer.key
contains "$BODY" "\"number\":\"$N1\",\"id_number\":\"$H1\",\"name\":\"王大明\""
# By number the same household, masked for anyone; its homes and certificates name it by number.
get "/v1/households/$N1"
contains "$BODY" "\"number\":\"$N1\",\"id_number\":\"330681********${H1:14}\",\"name\":\"王*\""
CHECKS=$((CHECKS + 1))
case "$BODY" in *"$H1"* | *王大明*) fail "household ID number or name not masked" ;; esac
contains "$BODY" "\"household\":\"$N1\""
contains "$BODY" "\"holder\":\"$N1\",\"holder_type\":\"household\""
R99=$(rid 99)
get "/v1/households/$R99" officer.key
expect_http 404 "$(problem 404 not-found "Not Found" "no household with ID number 330681********${R99:14} in the registry")"
get /v1/households/330681-H-9999999
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 404 ] || fail "unknown household number: status $STATUS: $BODY"
get /v1/households/330681197001010017 officer.key
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 400 ] || fail "malformed ID number: status $STATUS: $BODY"
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
forge officer.key cert.transfer "{\"basis\":\"sale\",\"cert\":\"330681-2026-G-000001\",\"new_id\":\"330681-2026-G-000007\",\"to\":\"$N3\"}" spent.note
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
# ---- personal data beside a POSTed entry -----------------------------------------------------------
CONTEXT="personal data refused"
H4=$(rid 4) NAME4=赵六
SALT4=$(salt)
C4=$(commitment "$SALT4" "$H4" "$NAME4")
forge officer.key household.add "{\"commitment\":\"$C4\",\"members\":2,\"number\":\"330681-H-0000004\",\"village\":\"$V1\"}" h4.note
size0=$("$QP" --db r.db log checkpoint | sed -n 2p)
pd0=$(sqlite3 r.db 'SELECT count(*) FROM personal_data')
# personal_post EXTRA_JSON: POST h4.note with the members after "note" given as they are.
personal_post() {
	{
		json_note h4.note | sed 's/}$//'
		printf ',%s}' "$1"
	} >p.json
	post p.json
}
salt_msg='member \"personal.salt\" must be 64 hexadecimal digits'
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":\"$NAME4\",\"salt\":\"${SALT4:1}\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' "$salt_msg")"
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":\"$NAME4\",\"salt\":\"${SALT4:2}zz\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' "$salt_msg")"
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":\"$NAME4\",\"salt\":\"$SALT4\",\"phone\":\"1\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' 'member \"personal\": no member \"phone\" is allowed (only \"id_number\", \"name\" and \"salt\")')"
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":\"$NAME4\",\"name\":\"$NAME4\",\"salt\":\"$SALT4\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' 'member \"personal.name\" is given twice')"
personal_post "\"personal\":{\"id_number\":\"$H4\",\"salt\":\"$SALT4\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' 'member \"personal.name\" is missing')"
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":2,\"salt\":\"$SALT4\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' 'member \"personal.name\" must be a string')"
personal_post "\"personal\":\"$H4 $NAME4\""
expect_http 400 "$(problem 400 malformed 'Bad Request' 'malformed JSON: member \"personal\" must be an object with the members \"id_number\", \"name\" and \"salt\"')"
# A refusal names the member and the rule, and repeats none of the data.
personal_post "\"personal\":{\"id_number\":\"330681197013010016\",\"name\":\"$NAME4\",\"salt\":\"$SALT4\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' 'member \"personal.id_number\" must be a resident ID number (GB 11643): 18 characters, a real birth date and the right check character')"
personal_post "\"personal\":{\"id_number\":\"${H4:0:17}x\",\"name\":\"$NAME4\",\"salt\":\"$SALT4\"}"
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 400 ] || fail "a lower-case x: status $STATUS: $BODY"
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":\"\",\"salt\":\"$SALT4\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' 'member \"personal.name\" must not be empty')"
# The one text check (quanpiao/text.h): a name with a right-to-left override is refused here too.
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":\"\\u202e$NAME4\",\"salt\":\"$SALT4\"}"
expect_http 400 "$(problem 400 malformed 'Bad Request' 'member \"personal.name\" U+202E (right-to-left override) is not allowed')"
# Well formed, but not the data the entry commits to: the registry refuses it.
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":\"赵七\",\"salt\":\"$SALT4\"}"
expect_http 422 "$(problem 422 rejected 'Unprocessable Content' 'household.add: the personal data given does not match body.commitment')"
personal_post "\"personal\":{\"id_number\":\"$H4\",\"name\":\"$NAME4\",\"salt\":\"$(salt)\"}"
expect_http 422 "$(problem 422 rejected 'Unprocessable Content' 'household.add: the personal data given does not match body.commitment')"
# A household.add without its personal data, and personal data with an entry about no person.
post h4.note.json
expect_http 422 "$(problem 422 rejected 'Unprocessable Content' 'household.add: body.commitment commits to personal data that did not come with the entry; append it with its personal data (as the CLI does)')"
forge officer.key village.add '{"code":"330681101203","name":"三村"}' v3.note
json_personal v3.note "$H4" "$NAME4" "$SALT4" >v3p.json
post v3p.json
expect_http 422 "$(problem 422 rejected 'Unprocessable Content' 'village.add: the entry commits to no personal data, so none is stored with it')"
# log append of a household.add signed elsewhere: refused, there is no data to send with it.
run --server "$URL" log append h4.note
CHECKS=$((CHECKS + 1))
[ "$RC" = 3 ] || fail "log append of a household.add: exit $RC, expected 3: $ERR"
CHECKS=$((CHECKS + 2))
[ "$("$QP" --db r.db log checkpoint | sed -n 2p)" = "$size0" ] || fail "a refused write changed the log"
[ "$(sqlite3 r.db 'SELECT count(*) FROM personal_data')" = "$pd0" ] || fail "a refused write stored personal data"

CONTEXT="personal data stored"
json_personal h4.note "$H4" "$NAME4" "$SALT4" >h4p.json
post h4p.json
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 200 ] || fail "household.add with its personal data: status $STATUS: $BODY"
H4_AT=$(field index)
expect 0 "$(cat h4.note)" "" -- --db r.db log entry --index "$H4_AT"
expect_rc 0 -- --db r.db household show "$H4"
contains "$OUT" "$NAME4"
CHECKS=$((CHECKS + 1))
[ "$(sqlite3 r.db "SELECT household || ' ' || name || ' ' || hex(salt) FROM personal_data WHERE id_number = '$H4'")" = \
	"330681-H-0000004 $NAME4 ${SALT4^^}" ] || fail "the personal data stored is not what was sent"
# The same again: the number is taken (409).
post h4p.json
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 409 ] || fail "household.add again: status $STATUS: $BODY"
# An ID number already registered, through the CLI: a conflict, exit 5, the ID number masked.
expect 5 "" "quanpiao: household.add: the head of household $N1 has ID number 330681********${H1:14} already" -- \
	$S household add --id-number "$H1" --name 王大明 --village $V1

# A person as investor: the ID number and name go beside the home.activate, onto the server only.
CONTEXT="a person investor"
U2=${V1}JC00002F00010001 HI=$(rid 50)
expect_rc 0 -- $S home add --unit $U2 --village $V1 --household $H2 --land-area 120.00 --status idle
expect_rc 0 -- $S home activate $U2 --investor 钱七 --investor-id "$HI" --start 2026-01-01 --years 5 \
	--rent 1000.00 --investment 5000.00 --use homestay
expect_rc 0 -- --db r.db home show $U2
contains "$OUT" 钱七
get "/v1/homes/$U2"
contains "$BODY" "\"investor\":\"钱*\",\"investor_id\":\"330681********${HI:14}\",\"investor_person\":true"
get "/v1/homes/$U2" officer.key
contains "$BODY" "\"investor\":\"钱七\",\"investor_id\":\"$HI\",\"investor_person\":true"

# ---- household adds from two desks at once: distinct numbers ------------------------------------
CONTEXT="two desks adding households"
for round in 1 2 3; do
	ha=$(rid $((10 + 2 * round))) hb=$(rid $((11 + 2 * round)))
	QUANPIAO_CACHE="$WORK/desk-a" "$QP" --server "$URL" --key officer.key household add --id-number "$ha" \
		--name "甲$round" --village $V1 >a.out 2>a.err &
	pa=$!
	QUANPIAO_CACHE="$WORK/desk-b" "$QP" --server "$URL" --key officer2.key household add --id-number "$hb" \
		--name "乙$round" --village $V1 >b.out 2>b.err &
	pb=$!
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	CHECKS=$((CHECKS + 1))
	[ "$ra$rb" = 00 ] || { fail "round $round: exits $ra and $rb: $(cat a.err b.err)"; continue; }
	na=$(household_number "$ha") nb=$(household_number "$hb")
	CHECKS=$((CHECKS + 1))
	[ -n "$na" ] && [ -n "$nb" ] && [ "$na" != "$nb" ] || fail "round $round: numbers '$na' and '$nb'"
	expect_rc 0 -- --db r.db household show "$ha"
	contains "$OUT" "甲$round"
	expect_rc 0 -- --db r.db household show "$hb"
	contains "$OUT" "乙$round"
done

# ---- no personal data in what clients get: mirrors, the served log, checkpoints -------------------
CONTEXT="no personal data in mirrors"
ids=("$H1" "$H2" "$H3" "$H4" "$HI") names=(王大明 李小红 陈国强 "$NAME4" 钱七)
for round in 1 2 3; do
	ids+=("$(rid $((10 + 2 * round)))" "$(rid $((11 + 2 * round)))") names+=("甲$round" "乙$round")
done
# Every mirror synced up to now (reads bring them up to date first).
for cache in cache1 desk-a desk-b; do
	QUANPIAO_CACHE="$WORK/$cache" "$QP" --server "$URL" log checkpoint >/dev/null 2>&1 || fail "sync $cache"
done
# The check itself finds the data where it is: the service's own file holds it.
CHECKS=$((CHECKS + 1))
cat r.db r.db-wal 2>/dev/null | LC_ALL=C grep -q -a -F "$H4" || fail "the leak check does not find $H4 in the service's file"
mirrors=0
for f in "$WORK"/cache1/mirror-* "$WORK"/desk-a/mirror-* "$WORK"/desk-b/mirror-*; do
	[ -f "$f" ] || continue
	mirrors=$((mirrors + 1))
	no_leak "$f" "mirror $f" "${ids[@]}" "${names[@]}"
done
CHECKS=$((CHECKS + 1))
[ "$mirrors" -ge 3 ] || fail "only $mirrors mirror files to check"
# The whole served log and checkpoint, as any client gets them.
get "/v1/entries?limit=1000"
cp resp.body served-log.json
get /checkpoint
cp resp.body served-checkpoint
no_leak served-log.json "the served log" "${ids[@]}" "${names[@]}"
no_leak served-checkpoint "the served checkpoint" "${ids[@]}" "${names[@]}"
# Nor does the service say it anywhere: not on its output, nor in its metrics.
get /metrics
cp resp.body served-metrics
no_leak served-metrics "/metrics" "${ids[@]}" "${names[@]}"
no_leak qpd.err "the service's stderr" "${ids[@]}" "${names[@]}"
no_leak qpd.out "the service's stdout" "${ids[@]}" "${names[@]}"

# A write that creates a certificate is answered with it, beside its proof.
CONTEXT="POST cert.issue"
G=330681-2026-G-$(printf %06d $(($(sqlite3 r.db "SELECT count(*) FROM certificates WHERE id LIKE '330681-2026-G-%'") + 1)))
forge officer.key cert.issue "{\"area\":100,\"basis\":\"withdrawal\",\"holder\":\"$N1\",\"home\":\"$U1\",\"id\":\"$G\",\"kind\":\"guarantee\"}" g.note
post g.note.json
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 200 ] || fail "status $STATUS: $BODY"
contains "$BODY" "\"certificates\":[{\"id\":\"$G\","
field proof >g.tlog-proof
expect 0 "$(cat g.tlog-proof)" "" -- --db r.db log proof --index "$(field index)"

# A write that makes the checkpoint impossible to sign (it revokes the log key) is refused and
# leaves nothing behind; writes batched with it go in all the same (the batch is rolled back and
# each entry tried alone).
CONTEXT="a write that revokes the log key"
forge auth.key key.revoke "{\"name\":\"$ORIGIN\",\"reason\":\"rotated\"}" revoke.note
before=$(sqlite3 r.db 'SELECT count(*) FROM log_entries')
for round in 1 2 3; do
	pids=""
	for i in 1 2 3 4 5 6; do
		n=$((round * 10 + i))
		forge officer.key village.add "{\"code\":\"$(vcode $((900 + n)))\",\"name\":\"批$n\"}" "b$n.note"
	done
	for i in 1 2 3 4 5 6; do
		n=$((round * 10 + i))
		curl -s -o "rb$n.body" -w '%{http_code}' -H 'Content-Type: application/json' \
			--data-binary @"b$n.note.json" "$URL/v1/entries" >"rb$n.status" &
		pids="$pids $!"
		[ "$i" = 3 ] && {
			curl -s -o "rr$round.body" -w '%{http_code}' -H 'Content-Type: application/json' \
				--data-binary @revoke.note.json "$URL/v1/entries" >"rr$round.status" &
			pids="$pids $!"
		}
	done
	for p in $pids; do wait "$p"; done
	CHECKS=$((CHECKS + 1))
	[ "$(cat "rr$round.status")" = 403 ] || fail "round $round: the revocation got $(cat "rr$round.status"): $(cat "rr$round.body")"
	contains "$(cat "rr$round.body")" "not appended: with it in the log no checkpoint could be signed: log key $ORIGIN was revoked by entry"
	for i in 1 2 3 4 5 6; do
		n=$((round * 10 + i))
		CHECKS=$((CHECKS + 1))
		[ "$(cat "rb$n.status")" = 200 ] || fail "round $round: write $n got $(cat "rb$n.status"): $(cat "rb$n.body")"
	done
done
CHECKS=$((CHECKS + 1))
[ "$(sqlite3 r.db 'SELECT count(*) FROM log_entries')" = $((before + 18)) ] || fail "the log grew by other than the 18 villages"
CHECKS=$((CHECKS + 1))
[ "$(sqlite3 r.db 'SELECT max(size) FROM checkpoints')" = $((before + 18)) ] || fail "the latest checkpoint does not cover the log"
CHECKS=$((CHECKS + 1))
[ "$(sqlite3 r.db "SELECT count(*) FROM keys WHERE name = '$ORIGIN' AND revoked_idx IS NOT NULL")" = 0 ] ||
	fail "the log key was revoked"

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

# A registry that other users of the machine may read (as an older version made them, 0644) is
# served, with a warning at start; the one made by init (0600) was not warned about.
case "$(cat qpd.err)" in *warning*) fail "quanpiaod warned about a private registry: $(cat qpd.err)" ;; esac
chmod 644 r.db
start_service --threads 1 || return
contains "$(cat qpd.err)" "quanpiaod: warning: other users of this machine may read or write r.db (permission bits 044 for group and others), which holds personal data (names, ID numbers); make it private: chmod go-rwx r.db r.db-wal r.db-shm"
stop_service
chmod 600 r.db
