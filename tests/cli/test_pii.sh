# No personal data in anything shared (sourced by run.sh; issue 19's first
# acceptance test).  One registry gets the quickstart's data (tools/quickstart's
# demonstration, with one person investor more), another a legacy import
# (tests/data/import, whose holders reuse some of the quickstart's ID numbers
# under other names); checkpoints are signed and cosigned, every certificate
# is exported as a bundle and verified offline, and a service's client syncs
# a mirror.  Then every byte of every entry note, every checkpoint, every
# bundle and what verify prints of it, a proof of each household.add, the
# witness's state and the client's mirror is searched with QP_PII
# (tests/tools/qp_pii.c) for each resident ID number and personal name put
# in: as text, JSON \u escapes, hex and base64 at each alignment.
#
# The search is first shown to work: a copy of a real note with a value
# planted in each encoding (made here with coreutils and iconv, not by the
# searcher) must be found, and so must every value of the quickstart in the
# registry file itself, where the personal-data table keeps them.
PII="${QP_PII:?QP_PII must name the qp_pii test tool}"
command -v iconv >/dev/null || {
	echo "iconv (glibc's, in libc-bin) is needed" >&2
	exit 1
}
DATA="${QP_TEST_DATA:?QP_TEST_DATA must name tests/data}/import"
ORIGIN=zhuji.quanpiao.example/registry

# The people put in: the quickstart's household heads and person investor, one more household
# and investor of ours (tests/service/quickstart.sh), and the legacy files' holders.
# shellcheck source=/dev/null
. "$(dirname "$SCRIPT")/../service/quickstart.sh"
cat >import.values <<'EOF'
330681196503120018
王大明
330681197001010024
李小红
330681198012310035
陈国强
330681195505050047
赵秀英
330681196002020043
冯玉兰
330681198508150055
沈海
330681199009090136
褚卫东
330681196609090080
蒋文
EOF
cat quickstart.values import.values >all.values

# check_found WHAT EXPECT-ENCODING FILE : QP_PII must find the planted value (exit 1, naming the encoding).
check_found() {
	CHECKS=$((CHECKS + 1))
	local out rc
	out=$("$PII" all.values "$3")
	rc=$?
	[ $rc = 1 ] || fail "the search missed $1 (exit $rc): $out"
	case "$out" in
	*" as $2"*) ;;
	*) fail "the search did not name $2 for $1: $out" ;;
	esac
}

# ---- the registry: the quickstart's demonstration ---------------------------------------
for k in authority:330681.authority log:$ORIGIN officer:330681.officer.zhang-wei auditor:330681.auditor.chen; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
export QUANPIAO_DB=registry.db
expect_rc 0 -- --key authority.key init --origin "$ORIGIN" --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
expect_rc 0 -- --key authority.key key enroll --role officer --vkey officer.key.vkey --until 2099-12-31
expect_rc 0 -- --key authority.key key enroll --role auditor --vkey auditor.key.vkey
export QUANPIAO_KEY=officer.key
quickstart_data registry.db
expect_rc 0 -- log sign --key log.key

# ---- a legacy import, into a registry of its own (its files reuse the quickstart's ID numbers) ------
expect_rc 0 -- --db legacy.db --key authority.key init --origin "$ORIGIN" --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
expect_rc 0 -- --db legacy.db --key authority.key key enroll --role officer --vkey officer.key.vkey
expect_rc 0 -- --db legacy.db --key authority.key key enroll --role auditor --vkey auditor.key.vkey
expect_rc 0 -- --db legacy.db village add --code 330681101201 --name 东白湖村
expect_rc 0 -- --db legacy.db village add --code 330681101202 --name 斯宅村
expect_rc 0 -- --db legacy.db village add --code 330681102201 --name 枫桥村
expect_rc 0 -- --db legacy.db import "$DATA/good.csv"
expect_rc 0 -- --db legacy.db import "$DATA/good.jsonl"
expect_rc 0 -- --db legacy.db import "$DATA/mapped.csv" --mapping "$DATA/mapping.json"

# ---- both: checkpoints signed and cosigned, every certificate's bundle ------------------------------
# bundles DB : sign, cosign and export every certificate of DB into DB.bundles/.
bundles() {
	expect_rc 0 -- --db "$1" log sign --key log.key
	mkdir -p "$1.witness" "$1.bundles"
	expect_rc 0 -- --db "$1" witness cosign --key auditor.key --state "$1.witness"
	expect_rc 0 -- --db "$1" cert list --json
	printf '%s' "$OUT" | grep -o '"id":"[^"]*"' | cut -d'"' -f4 |
		grep -E '^330681-[0-9]{4}-[GRC]-[0-9]{6}$' | sort -u >"$1.certs"
	CHECKS=$((CHECKS + 1))
	[ "$(wc -l <"$1.certs")" -ge "$2" ] || fail "$1: expected at least $2 certificates: $(tr '\n' ' ' <"$1.certs")"
	while read -r id; do
		expect_rc 0 -- --db "$1" export "$id" --out "$1.bundles/$id.bundle"
		# What a buyer sees: the bundle verified offline, as text and JSON (scanned with the rest).
		expect_rc 0 -- verify "$1.bundles/$id.bundle" --authority authority.key.vkey
		printf '%s\n' "$OUT" >"$1.bundles/$id.verified"
		expect_rc 0 -- verify "$1.bundles/$id.bundle" --authority authority.key.vkey --json
		printf '%s\n' "$OUT" >"$1.bundles/$id.verified.json"
	done <"$1.certs"
}
bundles registry.db 6
bundles legacy.db 7

# ---- a service, and the mirror its client keeps -------------------------------------------------
"${QP_QUANPIAOD:?QP_QUANPIAOD must name quanpiaod}" --db registry.db --listen 127.0.0.1:0 --log-key log.key \
	>qpd.out 2>qpd.err &
QPD_PID=$!
URL=
for _ in $(seq 1 200); do
	URL=$(sed -n 's/^quanpiaod: listening on //p' qpd.out)
	[ -n "$URL" ] && break
	kill -0 "$QPD_PID" 2>/dev/null || break
	sleep 0.05
done
CHECKS=$((CHECKS + 1))
if [ -n "$URL" ]; then
	export QUANPIAO_CACHE="$WORK/cache"
	expect_rc 0 -- --server "$URL" village add --code 330681101205 --name 五泄村
	expect_rc 0 -- --server "$URL" village list
	unset QUANPIAO_CACHE
else
	fail "quanpiaod did not start: $(cat qpd.err)"
fi
kill -TERM "$QPD_PID" 2>/dev/null
wait "$QPD_PID" 2>/dev/null
expect_rc 0 -- log sign --key log.key

# ---- what is shared: every entry note, every checkpoint, proofs, bundles, the mirror -------------
# notes DB : every entry of DB into DB.notes/, every checkpoint into DB.checkpoints/, a proof of each
# entry that commits to personal data (household.add, a person's home.activate) into DB.proofs/.
notes() {
	local i size
	mkdir -p "$1.notes" "$1.checkpoints" "$1.proofs"
	expect_rc 0 -- --db "$1" log entries --json
	printf '%s\n' "$OUT" >"$1.entries.json"
	"$QP" --db "$1" log checkpoint >"$1.checkpoints/latest" || fail "$1: log checkpoint"
	size=$(sed -n 2p "$1.checkpoints/latest")
	for ((i = 1; i <= size; i++)); do
		"$QP" --db "$1" log checkpoint --size $i >"$1.checkpoints/$i" 2>/dev/null || rm -f "$1.checkpoints/$i"
	done
	for ((i = 0; i < size; i++)); do
		"$QP" --db "$1" log entry --index $i >"$1.notes/$i.note" || fail "$1: log entry --index $i"
		if grep -q '"type":"household.add"\|"investor_commitment"' "$1.notes/$i.note"; then
			"$QP" --db "$1" log proof --index $i >"$1.proofs/$i.tlog-proof" || fail "$1: log proof --index $i"
		fi
	done
	CHECKS=$((CHECKS + 1))
	[ "$(find "$1.checkpoints" -type f | wc -l)" -ge 2 ] || fail "$1: only the checkpoints $(ls "$1.checkpoints")"
	CHECKS=$((CHECKS + 1))
	[ "$(find "$1.proofs" -type f | wc -l)" -ge "$2" ] || fail "$1: expected at least $2 household.add entries: $(ls "$1.proofs")"
}
notes registry.db 8
notes legacy.db 8
HH_NOTE=$(grep -l '"type":"household.add"' registry.db.notes/*.note | head -1)
CHECKS=$((CHECKS + 2))
grep -q '"commitment":"[0-9a-f]\{64\}"' "$HH_NOTE" || fail "$HH_NOTE holds no commitment: $(cat "$HH_NOTE")"
grep -q '"investor_commitment":"[0-9a-f]\{64\}"' registry.db.notes/*.note || fail "no person investor's commitment in the log"

# shellcheck disable=SC2034 # run.sh's fail prints them
OUT="" ERR="" RC=0 # what the checks below report on failure is their own

# ---- first: the search finds what is there ---------------------------------------------------------
# A value planted in a copy of a real note, in each encoding.  V a name, ID an ID number.
plant() { # plant NAME BYTES... : a copy of the household.add note with the bytes inserted after its first line
	local name=$1
	shift
	{
		head -n 1 "$HH_NOTE"
		printf '%s' "$@"
		tail -n +2 "$HH_NOTE"
	} >"planted.$name"
}
V=张伟 ID=330681197001010016
# JSON \u escapes of each character, from UTF-16 (iconv), lower- and upper-case.
u16() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16BE | od -An -v -tx1 | tr -d ' \n' | sed 's/\(....\)/\\u\1/g'; }
hexof() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
plant text "$V" && check_found "a name as text" "text" planted.text
plant idtext "x$ID" && check_found "an ID number as text" "text" planted.idtext
plant json "\"$(u16 "$V")\"" && check_found "a name in JSON escapes" "json-escaped" planted.json
plant JSON "$(u16 "$V" | tr a-f A-F)" && check_found "a name in upper-case JSON escapes" "json-escaped (upper-case hex)" planted.JSON
plant idjson "$(u16 "$ID")" && check_found "an ID number in JSON escapes" "json-escaped" planted.idjson
plant hex "00$(hexof "$V")ff" && check_found "a name in hex" "hex" planted.hex
plant HEX "$(hexof "$V" | tr a-f A-F)" && check_found "a name in upper-case hex" "HEX" planted.HEX
plant idhex "$(hexof "$ID")" && check_found "an ID number in hex" "hex" planted.idhex
for k in 0 1 2; do
	pre=$(head -c $k /dev/zero | tr '\0' 'q')
	plant "b64$k" "$(printf '%s%s tail' "$pre" "$V" | base64 -w0)" &&
		check_found "a name in base64 at offset $k" "base64@$k" "planted.b64$k"
	plant "idb64$k" "$(printf '%s%s tail' "$pre" "$ID" | base64 -w0)" &&
		check_found "an ID number in base64 at offset $k" "base64@$k" "planted.idb64$k"
	plant "url$k" "$(printf '%s%s tail' "$pre" "$V" | base64 -w0 | tr '+/' '-_')" &&
		check_found "a name in base64url at offset $k" "base64" "planted.url$k" # base64url@k where it differs
done
# ... and the unplanted note is clean, so the plants above were what it found.
CHECKS=$((CHECKS + 1))
"$PII" all.values "$HH_NOTE" >/dev/null || fail "the household.add note itself holds personal data: $("$PII" all.values "$HH_NOTE")"
# Every value of the quickstart is in the registry file, in its personal-data tables (not shared).
DBFILES=$(ls registry.db registry.db-wal 2>/dev/null)
while read -r v; do
	printf '%s\n' "$v" >one.value
	CHECKS=$((CHECKS + 1))
	# shellcheck disable=SC2086 # one file name per word
	"$PII" one.value $DBFILES >/dev/null
	[ $? = 1 ] || fail "value $(printf '%s' "$v" | cut -c1-6)... is not in the registry file: was it put in?"
done <quickstart.values

# ---- then: nothing shared holds any of it ----------------------------------------------------------
SHARED=()
for d in registry.db.* legacy.db.* cache; do
	[ -e "$d" ] || continue
	while IFS= read -r -d '' f; do SHARED+=("$f"); done < <(find "$d" -type f -print0)
done
CHECKS=$((CHECKS + 1))
[ ${#SHARED[@]} -ge 120 ] || fail "only ${#SHARED[@]} files to scan"
CHECKS=$((CHECKS + 1))
FOUND=$("$PII" all.values "${SHARED[@]}")
RC=$?
[ $RC = 0 ] || fail "personal data in what is shared (exit $RC):
$(printf '%s\n' "$FOUND" | head -40)"
