# Hostile input through the CLI (sourced by run.sh): SQL metacharacters,
# overlong strings, invalid UTF-8, control characters, NUL look-alikes,
# format directives and JSON fragments, in every text option of the
# village, household, home and cert commands.
#
# Each value is either rejected - exit 3, a "quanpiao: " message, the log
# unchanged - or stored literally: exit 0, exactly one entry appended whose
# signed body holds the value byte for byte, and the value shown back by
# the matching show command (--json).  Never any other exit status, never
# interpreted.  The registry audits clean at the end.
#
# Free-text options get every value; identifier, number, date and choice
# options get the ones that matter there (they are all rejected).
#
# Parts (run.sh's PART), each a test of its own: text-1 and text-2, the
# free-text options with every other value each; ids, the identifier,
# number, date and choice options.  Without a part, all of them.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
: "${QP_JSON:?QP_JSON must name the qp_json test tool}"
ORIGIN=zhuji.example/quanpiao

# ---- hostile values -----------------------------------------------------------------------
LONG=$(printf 'a%.0s' $(seq 10240))
LONGMB=$(printf '权%.0s' $(seq 3500))
names=(sql1 sql2 long longmb badutf8 overlong surrogate ctl nl del esc c1
	nulesc nulbs pct fmt json bidi linesep bom empty spaces)
declare -A V=(
	[sql1]="'; DROP TABLE homes; --"
	[sql2]='x" OR "1"="1'
	[long]="$LONG"
	[longmb]="$LONGMB"
	[badutf8]=$'\xff\xfe'
	[overlong]=$'\xc0\xaf'
	[surrogate]=$'\xed\xa0\x80'
	[ctl]=$'a\x01b'
	[nl]=$'a\nb'
	[del]=$'a\x7fb'
	[esc]=$'\x1b[31mred\x1b[0m'
	[c1]=$'a\xc2\x85b'
	[nulesc]='\u0000'
	[nulbs]='a\0b'
	[pct]='%00'
	[fmt]='%s%s%n%x'
	[json]='"},"type":"key.enroll","x":{"'
	[bidi]=$'\xe2\x80\xaeabc'
	[linesep]=$'a\xe2\x80\xa8b'
	[bom]=$'\xef\xbb\xbfx'
	[empty]=''
	[spaces]='   '
)
# The values that matter for identifiers, numbers, dates and choices.
short_names=(sql1 long badutf8 ctl nulesc fmt empty)
text_names=() id_names=()
case "$PART" in
"") text_names=("${names[@]}") id_names=("${short_names[@]}") ;;
text-1 | text-2)
	for i in "${!names[@]}"; do
		[ $((i % 2 + 1)) = "${PART#text-}" ] && text_names+=("${names[$i]}")
	done
	;;
ids) id_names=("${short_names[@]}") ;;
*)
	echo "test_hostile.sh: no part $PART (text-1, text-2, ids)" >&2
	exit 1
	;;
esac

# ---- the registry -------------------------------------------------------------------------
# Some 2,000 commits (the parts together), each synced: on tmpfs when there
# is one (the file system is not what this tests).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	SHM=$(mktemp -d /dev/shm/qp-hostile-XXXXXX)
	trap 'rm -rf "$WORK" "$SHM"' EXIT
	ln -s "$SHM/r.db" r.db
	DB="$SHM/r.db"
else
	DB=r.db
fi
for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db "$DB" --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
export QUANPIAO_DB="$DB"
expect_rc 0 -- key enroll --role officer --vkey officer.key.vkey --key auth.key
export QUANPIAO_KEY=officer.key
V1=330681101201
setup() {
	CONTEXT="setup: quanpiao $*"
	run "$@"
	[ "$RC" = 0 ] || fail "setup step failed"
}
setup village add --code $V1 --name 东白湖村

# Fresh identifiers (set globals, so that no subshell loses a counter):
# RESIDENT, a resident ID number with its GB 11643 check character; UNIT, a
# unit code with a new parcel number; HOME, a registered home of a new
# household in the given state; CERT, a live certificate.
seq_no=100
next_resident() {
	seq_no=$((seq_no + 1))
	local body i sum=0 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) check=10X98765432
	body=$(printf '3306811980%02d%02d%03d' $((1 + seq_no / 28 % 12)) $((1 + seq_no % 28)) $((seq_no % 1000)))
	for i in $(seq 0 16); do sum=$((sum + ${body:$i:1} * ${w[$i]})); done
	RESIDENT=$body${check:$((sum % 11)):1}
}
unit_no=100
next_unit() {
	unit_no=$((unit_no + 1))
	UNIT=$(printf '330681001002JC%05dF00010001' "$unit_no")
}
new_home() { # STATUS
	next_resident
	next_unit
	"$QP" household add --id-number "$RESIDENT" --name 户 --village $V1 >/dev/null 2>&1 || fail "new household"
	"$QP" home add --unit "$UNIT" --village $V1 --household "$RESIDENT" --land-area 100 --status "$1" >/dev/null 2>&1 ||
		fail "new home"
	HOME=$UNIT
}
new_cert() {
	CERT=$("$QP" --json cert issue --kind guarantee --holder "$H_BIG" --area 0.01 --home "$U_BIG" --basis withdrawal 2>/dev/null |
		sed -n 's/^{"index":[0-9]*,"certificates":\[{"id":"\([0-9A-Z-]*\)".*/\1/p')
	[ -n "$CERT" ] || fail "new certificate"
}

# One household with a large withdrawn home: certificates of 0.01 m² from it.
next_resident
H_BIG=$RESIDENT
setup household add --id-number "$H_BIG" --name 王 --village $V1
next_unit
U_BIG=$UNIT
setup home add --unit "$U_BIG" --village $V1 --household "$H_BIG" --land-area 100000 --status idle
setup home status "$U_BIG" withdrawn

log_size() { sqlite3 "$DB" 'SELECT count(*) FROM log_entries'; }

# body_has INDEX FIELD VALUE: the signed body of entry INDEX has FIELD = VALUE, byte for byte.
body_has() {
	"$QP" log entry --index "$1" >entry.note 2>/dev/null || return 1
	"$QP_JSON" body-has entry.note "$2" "$3"
}

# shown VALUE -- ARGS...: some string of the --json output of ARGS contains VALUE.
shown() {
	local value="$1"
	shift 2
	"$QP" --json "$@" >shown.json 2>/dev/null || return 1
	"$QP_JSON" contains shown.json "$value"
}

rejected=0 stored=0
declare -A stored_as=()
# try NAME FIELD SHOW -- ARGS... (the hostile value is $VAL, already in ARGS):
# exit 3 with the log unchanged, or exit 0 with the value stored and shown.
# FIELD is the body member the option fills ("" if it has none to compare);
# SHOW is the show command's arguments ("" for none).
try() {
	local name="$1" field="$2" show="$3" before after
	shift 4
	before=$(log_size)
	CONTEXT="$name: quanpiao $(printf '%q ' "$@" | cut -c1-200)"
	CHECKS=$((CHECKS + 1))
	run "$@"
	after=$(log_size)
	case "$RC" in
	3)
		rejected=$((rejected + 1))
		[ "$after" = "$before" ] || fail "rejected, but the log grew from $before to $after"
		case "$ERR" in quanpiao:\ *) ;; *) fail "rejected without a quanpiao: message" ;; esac
		;;
	0)
		stored=$((stored + 1))
		stored_as[${name%% *}]=$((${stored_as[${name%% *}]:-0} + 1))
		[ "$after" = $((before + 1)) ] || fail "accepted, but the log went from $before to $after"
		if [ -n "$field" ] && ! body_has "$before" "$field" "$VAL"; then
			fail "accepted, but body.$field of entry $before is not the value byte for byte"
		fi
		# shellcheck disable=SC2086
		if [ -n "$show" ] && ! shown "$VAL" -- $show; then
			fail "accepted, but 'quanpiao $show' does not show the value"
		fi
		;;
	*) fail "exit $RC: neither rejected (3) nor stored (0)" ;;
	esac
}

for n in "${text_names[@]}"; do
	VAL=${V[$n]}
	# Free text: names, reasons, notes, the investor, numbers of deals and legacy records.
	vcount=$((${vcount:-0} + 1))
	try "$n village name" name "village list" -- village add --code "330681$((102 + vcount / 200))$((200 + vcount % 200))" --name "$VAL"
	next_resident
	# A household's name is personal data beside the log, not in the signed body: shown back, not compared there.
	try "$n household name" "" "household show $RESIDENT" -- household add --id-number "$RESIDENT" --name "$VAL" --village $V1
	next_resident
	"$QP" household add --id-number "$RESIDENT" --name 户 --village $V1 >/dev/null 2>&1 || fail "new household"
	try "$n erase reason" reason "" -- household erase "$RESIDENT" --reason "$VAL"
	new_home dilapidated
	try "$n home status reason" reason "home show $HOME" -- home status "$HOME" withdrawn --reason "$VAL"
	new_home idle
	try "$n investor" investor "home show $HOME" -- home activate "$HOME" --investor "$VAL" --investor-id 91350100M000100Y43 \
		--start 2026-05-01 --years 5 --rent 100 --investment 1000 --use homestay
	new_home idle
	try "$n deal number" deal_no "home show $HOME" -- home activate "$HOME" --investor 诸暨民宿 --investor-id 91350100M000100Y43 \
		--start 2026-05-01 --years 5 --rent 100 --investment 1000 --use homestay --deal-no "$VAL"
	try "$n correction reason" reason "home show $U_BIG" -- home correct "$U_BIG" --field built --value $((1900 + seq_no % 120)) --reason "$VAL"
	try "$n legacy number" legacy_no "" -- cert issue --kind guarantee --holder "$H_BIG" --area 0.01 --home "$U_BIG" \
		--basis legacy --legacy-no "$VAL"
	new_cert
	try "$n redemption note" note "cert history $CERT" -- cert redeem "$CERT" --area 0.01 --purpose homestead --note "$VAL"
	new_cert
	try "$n freeze reason" reason "cert show $CERT" -- cert freeze "$CERT" --reason "$VAL"
	new_cert
	"$QP" cert freeze "$CERT" --reason hold >/dev/null 2>&1 || fail "freeze $CERT"
	try "$n unfreeze reason" reason "cert history $CERT" -- cert unfreeze "$CERT" --reason "$VAL"
	new_cert
	try "$n revoke reason" reason "cert show $CERT" -- cert revoke "$CERT" --reason "$VAL"
done

for n in "${id_names[@]}"; do
	VAL=${V[$n]}
	next_resident
	h=$RESIDENT
	next_unit
	u=$UNIT
	# Identifiers, numbers, dates and choices: each option in turn.
	try "$n village code" "" "" -- village add --code "$VAL" --name x
	try "$n household to erase" "" "" -- household erase "$VAL" --reason x
	try "$n village uscc" "" "" -- village add --code 330681101399 --name x --uscc "$VAL"
	try "$n household id" "" "" -- household add --id-number "$VAL" --name x --village $V1
	try "$n household village" "" "" -- household add --id-number "$h" --name x --village "$VAL"
	try "$n household members" "" "" -- household add --id-number "$h" --name x --village $V1 --members "$VAL"
	try "$n home unit" "" "" -- home add --unit "$VAL" --village $V1 --household "$H_BIG" --land-area 1 --status dilapidated
	try "$n home village" "" "" -- home add --unit "$u" --village "$VAL" --household "$H_BIG" --land-area 1 --status dilapidated
	try "$n home household" "" "" -- home add --unit "$u" --village $V1 --household "$VAL" --land-area 1 --status dilapidated
	try "$n land area" "" "" -- home add --unit "$u" --village $V1 --household "$H_BIG" --land-area "$VAL" --status dilapidated
	try "$n floor area" "" "" -- home add --unit "$u" --village $V1 --household "$H_BIG" --land-area 1 --floor-area "$VAL" --status dilapidated
	try "$n built" "" "" -- home add --unit "$u" --village $V1 --household "$H_BIG" --land-area 1 --built "$VAL" --status dilapidated
	try "$n home status" "" "" -- home add --unit "$u" --village $V1 --household "$H_BIG" --land-area 1 --status "$VAL"
	try "$n status unit" "" "" -- home status "$VAL" withdrawn
	try "$n status" "" "" -- home status "$U_BIG" "$VAL"
	new_home idle
	hu=$HOME
	for opt in --investor-id --start --years --rent --investment --use; do
		args=(--investor x --investor-id 91350100M000100Y43 --start 2026-05-01 --years 5 --rent 100 --investment 1000 --use homestay)
		for i in "${!args[@]}"; do [ "${args[$i]}" = "$opt" ] && args[$((i + 1))]=$VAL; done
		try "$n activate $opt" "" "" -- home activate "$hu" "${args[@]}"
	done
	try "$n activate unit" "" "" -- home activate "$VAL" --investor x --investor-id 91350100M000100Y43 --start 2026-05-01 --years 5 --rent 100 --investment 1000 --use homestay
	try "$n correct field" "" "" -- home correct "$U_BIG" --field "$VAL" --value 1 --reason x
	try "$n correct value" "" "" -- home correct "$U_BIG" --field land_area --value "$VAL" --reason x
	try "$n correct unit" "" "" -- home correct "$VAL" --field built --value 1990 --reason x
	for opt in --kind --holder --area --home --basis --valid-until; do
		args=(--kind guarantee --holder "$H_BIG" --area 0.01 --home "$U_BIG" --basis withdrawal --valid-until 2030-01-01)
		for i in "${!args[@]}"; do [ "${args[$i]}" = "$opt" ] && args[$((i + 1))]=$VAL; done
		try "$n issue $opt" "" "" -- cert issue "${args[@]}"
	done
	new_cert
	c=$CERT
	try "$n transfer cert" "" "" -- cert transfer "$VAL" --to "$H_BIG"
	try "$n transfer to" "" "" -- cert transfer "$c" --to "$VAL"
	try "$n transfer area" "" "" -- cert transfer "$c" --to "$H_BIG" --area "$VAL"
	try "$n transfer basis" "" "" -- cert transfer "$c" --to "$H_BIG" --basis "$VAL"
	try "$n redeem cert" "" "" -- cert redeem "$VAL" --area 0.01 --purpose homestead --note x
	try "$n redeem area" "" "" -- cert redeem "$c" --area "$VAL" --purpose homestead --note x
	try "$n redeem purpose" "" "" -- cert redeem "$c" --area 0.01 --purpose "$VAL" --note x
	for sub in freeze unfreeze revoke; do
		try "$n $sub cert" "" "" -- cert "$sub" "$VAL" --reason x
	done
done

CONTEXT="hostile input: totals"
CHECKS=$((CHECKS + 1))
# (Only free text stores values.)
[ "$rejected" -gt 0 ] && { [ "$stored" -gt 0 ] || [ ${#text_names[@]} = 0 ]; } ||
	fail "expected both rejections and stored values"
echo "hostile input${PART:+ ($PART)}: $rejected rejected (exit 3), $stored stored literally"
for n in "${text_names[@]}"; do
	printf '  %-10s stored in %s options\n' "$n" "${stored_as[$n]:-0}"
done
# Nothing was interpreted: the tables are all there and the registry audits clean.
expect_rc 0 -- audit
CONTEXT="hostile input: tables"
CHECKS=$((CHECKS + 1))
[ "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name IN ('homes','log_entries','villages')")" = 3 ] ||
	fail "a table is missing"
