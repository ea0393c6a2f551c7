# Spending is safe under concurrency (sourced by run.sh): in each round two
# real `quanpiao cert transfer` processes, released together, try to transfer
# the same certificate to two different households.  Exactly one wins (exit
# 0), the other gets a conflict (exit 5), and the registry holds exactly one
# transfer of the certificate.
#
# The two processes meet at a barrier: each says it is ready on one FIFO and
# then blocks reading another; once both are ready, one write releases both.
# QP_CONCURRENCY_ROUNDS sets the number of rounds (at least 50).
ROUNDS=${QP_CONCURRENCY_ROUNDS:-50}
[ "$ROUNDS" -ge 50 ] || ROUNDS=50
ORIGIN=zhuji.example/quanpiao

for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
export QUANPIAO_DB=r.db
expect_rc 0 -- key enroll --role officer --vkey officer.key.vkey --key auth.key
export QUANPIAO_KEY=officer.key

# One village; H1 withdrew a large homestead, H2 and H3 are the two buyers.
V1=330681101201 H1=330681196503120018 H2=330681197001010024 H3=330681198012310035
N2=330681-H-0000002 N3=330681-H-0000003 # their registry numbers, which the log names them by
U1=330681101201JC00001F00010001
setup() {
	CONTEXT="quanpiao $*"
	CHECKS=$((CHECKS + 1))
	run "$@"
	[ "$RC" = 0 ] || fail "setup step failed"
}
setup village add --code $V1 --name 东白湖村
setup household add --id-number $H1 --name 王大明 --village $V1
setup household add --id-number $H2 --name 李小红 --village $V1
setup household add --id-number $H3 --name 陈国强 --village $V1
setup home add --unit $U1 --village $V1 --household $H1 --land-area 1000.00
setup home status $U1 withdrawn

mkfifo ready go || fail "mkfifo"
# Opened read-write, the FIFOs never block on open, and data written before a
# reader arrives waits in the pipe: no round can hang.
exec 3<>ready 4<>go

# transfer TO NAME: wait at the barrier, then run the tool; NAME.time gets
# its start and end in microseconds (bash 5's EPOCHREALTIME, no extra process).
transfer() {
	local start rc
	printf r >&3
	read -r _ <&4
	start=${EPOCHREALTIME//[.,]/}
	"$QP" cert transfer "$CERT" --to "$1" >"$2.out" 2>"$2.err" 3>&- 4>&-
	rc=$?
	echo "$start ${EPOCHREALTIME//[.,]/}" >"$2.time"
	return $rc
}

won_a=0 won_b=0 spent=0 busy=0 overlapped=0 entries=10
for round in $(seq 1 "$ROUNDS"); do
	CONTEXT="round $round"
	run cert issue --kind guarantee --holder $H1 --area 1.00 --home $U1 --basis withdrawal
	CERT=$(printf '%s' "$OUT" | sed -n 's/^issued \([0-9A-Z-]*\) .*/\1/p')
	if [ "$RC" != 0 ] || [ -z "$CERT" ]; then
		fail "cert issue failed"
		break
	fi
	entries=$((entries + 1))
	transfer $H2 a &
	pa=$!
	transfer $H3 b &
	pb=$!
	# Both are ready (two bytes), then one write releases both.
	read -r -N 2 _ <&3
	printf '\n\n' >&4
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	# Did the two processes run at the same time?
	if [ -n "${EPOCHREALTIME:-}" ]; then
		read -r sa ea <a.time
		read -r sb eb <b.time
		[ "$sa" -lt "$eb" ] && [ "$sb" -lt "$ea" ] && overlapped=$((overlapped + 1))
	fi
	CHECKS=$((CHECKS + 1))
	if [ "$ra$rb" = 05 ]; then
		won_a=$((won_a + 1))
		loser=b winner=a to=$N2
	elif [ "$ra$rb" = 50 ]; then
		won_b=$((won_b + 1))
		loser=a winner=b to=$N3
	else
		OUT="a: $(cat a.out) / b: $(cat b.out)" ERR="a: $(cat a.err) / b: $(cat b.err)" RC="$ra $rb"
		fail "expected one transfer to exit 0 and the other 5"
		# Count what was appended, so that later rounds are judged on their own.
		[ "$ra" = 0 ] && entries=$((entries + 1))
		[ "$rb" = 0 ] && entries=$((entries + 1))
		continue
	fi
	entries=$((entries + 1))
	case "$(cat "$loser.err")" in
	"quanpiao: cert.transfer: certificate $CERT is already spent (by entry $((entries - 1)))") spent=$((spent + 1)) ;;
	*"the registry is busy"*) busy=$((busy + 1)) ;;
	*)
		OUT=$(cat "$loser.out") ERR=$(cat "$loser.err") RC=5
		fail "the losing transfer failed for another reason"
		;;
	esac
	CHECKS=$((CHECKS + 1))
	grep -q "^transferred 1.00 m² of $CERT by 转让 sale (entry $((entries - 1)))$" "$winner.out" ||
		fail "the winning transfer printed: $(cat "$winner.out")"
	# The certificate's history holds exactly one transfer of it, to the winner.
	run cert history "$CERT" --json
	CHECKS=$((CHECKS + 1))
	[ "$(printf '%s' "$OUT" | grep -o "\"type\":\"cert.transfer\",\"cert\":\"$CERT\"" | wc -l)" = 1 ] ||
		fail "the history of $CERT should hold exactly one transfer"
	contains "$OUT" "transferred 1.00 m² to $to by sale"
done
exec 3>&- 4>&-

# The log: the issues and exactly one transfer per round, nothing else.
expect_rc 0 -- log entries --json
CHECKS=$((CHECKS + 1))
[ "$(printf '%s' "$OUT" | grep -o '"type":"cert.transfer"' | wc -l)" = "$ROUNDS" ] ||
	fail "the log should hold $ROUNDS transfers"
[ "$(printf '%s' "$OUT" | grep -o '"index":' | wc -l)" = "$entries" ] || fail "the log should hold $entries entries"
expect_rc 0 -- cert list --holder $H1 --state live --json
[ "$(printf '%s' "$OUT" | grep -o '"id":' | wc -l)" = 0 ] || fail "every issued certificate should be spent"
if [ -n "${EPOCHREALTIME:-}" ]; then
	CHECKS=$((CHECKS + 1))
	[ "$overlapped" -gt 0 ] || fail "the two transfers never ran at the same time: the barrier does not work"
fi
echo "concurrency: $ROUNDS rounds, two processes each, overlapping in time in $overlapped;" \
	"$((won_a + won_b)) with one winner ($won_a first, $won_b second);" \
	"losers: $spent saw it spent, $busy found the registry busy"
