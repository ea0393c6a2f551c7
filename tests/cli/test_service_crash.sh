# Service crash trials (sourced by run.sh): quanpiaod killed with SIGKILL
# in the middle of a burst of signed writes from 4 concurrent clients, then
# started again for the next trial.  After each kill:
#   - the registry opens and SQLite finds it intact (integrity_check);
#   - every write the service acknowledged (200 with an index) is in the
#     log at that index, byte for byte;
#   - every other write (the connection dropped) is in the log once or
#     not at all, never half there;
#   - one client of each trial adds households, each POSTed with its
#     personal data: every household in the log has its personal data,
#     stored in the same commit (never an entry without it);
#   - the latest stored checkpoint covers the whole log (entries and their
#     checkpoint are one commit: no entry is ever durable without one);
#   - `quanpiao audit` exits 0.
# QP_CRASH_TRIALS sets the number of trials (at least 20, default 20).
# Parts (run.sh's PART), each a test of its own with its own registry: 1
# and 2, the first and the second half of the trials.  Without a part, all.
# The kill points (acknowledged writes before the kill, and how many
# unacknowledged ones had committed) are summed up at the end.
# shellcheck source=/dev/null
. "$(dirname "$SCRIPT")/../service/lib.sh"
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}

TRIALS=${QP_CRASH_TRIALS:-20}
[ "$TRIALS" -ge 20 ] || TRIALS=20
case "$PART" in
"") first=1 last=$TRIALS ;;
1) first=1 last=$((TRIALS / 2)) ;;
2) first=$((TRIALS / 2 + 1)) last=$TRIALS ;;
*)
	echo "test_service_crash.sh: no part $PART (1, 2)" >&2
	exit 1
	;;
esac
CLIENTS=4 PER_CLIENT=10
make_registry
"$QP" --db r.db --key officer.key village add --code $V1 --name 东白湖村 >/dev/null 2>&1 || fail "village add"
# Distinct villages for every write of every trial (vcode takes 1..999).
total=$((TRIALS * CLIENTS * PER_CLIENT))
[ "$total" -le 999 ] || fail "too many trials for the village codes: $TRIALS"
for n in $(seq $(((first - 1) * CLIENTS * PER_CLIENT + 1)) $((last * CLIENTS * PER_CLIENT))); do
	forge officer.key village.add "{\"code\":\"$(vcode "$n")\",\"name\":\"村$n\"}" "n$n.note"
done

# households T: client 1's writes of trial T, household.add numbered on from the households the
# registry has now (the service is stopped), each with its personal data: hT.I.note, the request
# hT.I.json and the commitment in hT.I.c.
households() {
	local t=$1 i base id s c number
	base=$(sqlite3 r.db 'SELECT count(*) FROM households')
	for i in $(seq 1 $PER_CLIENT); do
		id=$(rid $((t * PER_CLIENT + i))) s=$(salt)
		c=$(commitment "$s" "$id" "户$t-$i")
		number=330681-H-$(printf %07d $((base + i)))
		echo "$c" >"h$t.$i.c"
		forge officer.key household.add \
			"{\"commitment\":\"$c\",\"members\":1,\"number\":\"$number\",\"village\":\"$V1\"}" "h$t.$i.note"
		json_personal "h$t.$i.note" "$id" "户$t-$i" "$s" >"h$t.$i.json"
	done
}

# client T C: post client C's notes of trial T; each answer goes to tT.cC.log as "N STATUS INDEX"
# (client 1 posts households, N hT.I, one after another: their numbers come in order).
client() {
	local t=$1 c=$2 i n status
	for i in $(seq 1 $PER_CLIENT); do
		n=$((((t - 1) * CLIENTS + c - 1) * PER_CLIENT + i))
		if [ "$c" = 1 ]; then
			n=h$t.$i
			status=$(curl -s -o "r$n.body" -w '%{http_code}' -H 'Content-Type: application/json' \
				--data-binary @"$n.json" "$URL/v1/entries")
			echo "$n $status $(sed -n 's/^{"index":\([0-9]*\),.*/\1/p' "r$n.body")" >>"t$t.c$c.log"
			continue
		fi
		status=$(curl -s -o "r$n.body" -w '%{http_code}' -H 'Content-Type: application/json' \
			--data-binary @"n$n.note.json" "$URL/v1/entries")
		echo "$n $status $(sed -n 's/^{"index":\([0-9]*\),.*/\1/p' "r$n.body")" >>"t$t.c$c.log"
	done
}

acked_total=0 lost_total=0 landed_total=0 points="" households_acked=0
for trial in $(seq "$first" "$last"); do
	CONTEXT="trial $trial"
	households "$trial"
	start_service --threads 2 || return
	pids=""
	for c in $(seq 1 $CLIENTS); do
		client "$trial" "$c" &
		pids="$pids $!"
	done
	# Kill after a random number of acknowledged writes (0..29), a random 0-19 ms later.
	want=$((RANDOM % 30))
	for _ in $(seq 1 500); do
		[ "$(cat "t$trial".c*.log 2>/dev/null | grep -c ' 200 ')" -ge "$want" ] && break
		sleep 0.01
	done
	sleep "0.0$(printf %02d $((RANDOM % 20)))"
	kill -KILL "$QPD_PID"
	wait "$QPD_PID" 2>/dev/null
	QPD_PID=
	for p in $pids; do wait "$p"; done

	CHECKS=$((CHECKS + 1))
	[ "$(sqlite3 r.db 'PRAGMA integrity_check')" = ok ] || fail "the registry is damaged"
	# Entries and their checkpoint commit together: whatever the kill cut, the latest checkpoint covers the log.
	CHECKS=$((CHECKS + 1))
	logged=$(sqlite3 r.db 'SELECT count(*) FROM log_entries') covered=$(sqlite3 r.db 'SELECT max(size) FROM checkpoints')
	[ "$covered" = "$logged" ] || fail "the latest checkpoint covers $covered of the log's $logged entries"
	acked=0 lost=0 landed=0
	while read -r n status index; do
		CHECKS=$((CHECKS + 1))
		case "$n" in
		h*)
			# A household: in the log once with its personal data, or (unacknowledged) not at all.
			c=$(cat "$n.c")
			count=$(sqlite3 r.db "SELECT count(*) FROM households WHERE commitment = '$c'")
			with=$(sqlite3 r.db "SELECT count(*) FROM households h JOIN personal_data p ON p.household = h.number WHERE h.commitment = '$c'")
			[ "$count" = "$with" ] || fail "household write $n is in the log without its personal data"
			case "$status" in
			200)
				acked=$((acked + 1)) households_acked=$((households_acked + 1))
				"$QP" --db r.db log entry --index "$index" >got.note 2>/dev/null
				cmp -s got.note "$n.note" || fail "acknowledged write $n (entry $index) is not in the registry"
				[ "$count" = 1 ] || fail "acknowledged write $n is in the registry $count times"
				;;
			000)
				lost=$((lost + 1))
				case "$count" in
				0) ;;
				1) landed=$((landed + 1)) ;;
				*) fail "unacknowledged write $n is in the registry $count times" ;;
				esac
				;;
			*) fail "write $n: status $status: $(cat "r$n.body")" ;;
			esac
			continue
			;;
		esac
		case "$status" in
		200)
			acked=$((acked + 1))
			"$QP" --db r.db log entry --index "$index" >got.note 2>/dev/null
			cmp -s got.note "n$n.note" || fail "acknowledged write $n (entry $index) is not in the registry"
			;;
		000)
			# Never answered: in the log once, or not at all.
			lost=$((lost + 1))
			code=$(vcode "$n")
			count=$(sqlite3 r.db "SELECT count(*) FROM villages WHERE code = '$code'")
			case "$count" in
			0) ;;
			1) landed=$((landed + 1)) ;;
			*) fail "unacknowledged write $n is in the registry $count times" ;;
			esac
			;;
		*) fail "write $n: status $status: $(cat "r$n.body")" ;;
		esac
	done < <(cat "t$trial".c*.log)
	CHECKS=$((CHECKS + 1))
	[ "$(sqlite3 r.db 'SELECT count(*) FROM households h LEFT JOIN personal_data p ON p.household = h.number WHERE p.household IS NULL AND h.erased_idx IS NULL')" = 0 ] ||
		fail "a household without its personal data"
	expect_rc 0 -- --db r.db audit
	acked_total=$((acked_total + acked)) lost_total=$((lost_total + lost)) landed_total=$((landed_total + landed))
	points="$points $acked/$landed"
done
CONTEXT="service crash trials"
CHECKS=$((CHECKS + 1))
[ "$acked_total" -gt 0 ] || fail "no write was acknowledged in any trial"
CHECKS=$((CHECKS + 1))
[ "$households_acked" -gt 0 ] || fail "no household write was acknowledged in any trial"
echo "service crash trials ${first}-${last} of $TRIALS: $((last - first + 1)) kills of quanpiaod, $acked_total acknowledged writes ($households_acked household adds with personal data; all present, audits clean);"
echo "  $lost_total writes cut off by the kill, $landed_total of them committed (present once)."
echo "  kill points (acknowledged/committed-unanswered per trial):$points"
