# Graceful shutdown (sourced by run.sh): SIGTERM in the middle of a burst
# of signed writes from 8 concurrent clients.  quanpiaod exits 0; every
# write it acknowledged (200 with an index) is in the registry at that
# index, byte for byte; every other write was refused with 503 or never
# connected; and the audit of the registry is clean.
# shellcheck source=/dev/null
. "$(dirname "$SCRIPT")/../service/lib.sh"

CLIENTS=8 PER_CLIENT=40
make_registry
"$QP" --db r.db --key officer.key village add --code $V1 --name 东白湖村 >/dev/null 2>&1 || fail "village add"
for c in $(seq 1 $CLIENTS); do
	for i in $(seq 1 $PER_CLIENT); do
		n=$(((c - 1) * PER_CLIENT + i))
		forge officer.key village.add "{\"code\":\"$(vcode $n)\",\"name\":\"村$n\"}" "n$n.note"
	done
done
start_service --threads 2 || return

# client C: post its notes one after another; each answer goes to cC.log as "N STATUS INDEX".
client() {
	local c=$1 i n status
	for i in $(seq 1 $PER_CLIENT); do
		n=$(((c - 1) * PER_CLIENT + i))
		status=$(curl -s -o "r$n.body" -w '%{http_code}' -H 'Content-Type: application/json' \
			--data-binary @"n$n.note.json" "$URL/v1/entries")
		echo "$n $status $(sed -n 's/^{"index":\([0-9]*\),.*/\1/p' "r$n.body")" >>"c$c.log"
	done
}
pids=""
for c in $(seq 1 $CLIENTS); do
	client "$c" &
	pids="$pids $!"
done
# Let the burst get going, then stop the service in the middle of it.
for _ in $(seq 1 400); do
	[ "$(cat c*.log 2>/dev/null | grep -c ' 200 ')" -ge 60 ] && break
	sleep 0.01
done
kill -TERM "$QPD_PID"
wait "$QPD_PID"
rc=$?
QPD_PID=
for p in $pids; do wait "$p"; done

CONTEXT="SIGTERM during a write burst"
CHECKS=$((CHECKS + 1))
[ "$rc" = 0 ] || fail "quanpiaod exited $rc: $(cat qpd.err)"
acked=0 refused=0
while read -r n status index; do
	CHECKS=$((CHECKS + 1))
	case "$status" in
	200)
		acked=$((acked + 1))
		"$QP" --db r.db log entry --index "$index" >got.note 2>/dev/null
		cmp -s got.note "n$n.note" || fail "acknowledged write $n (entry $index) is not in the registry"
		;;
	503 | 000) refused=$((refused + 1)) ;;
	*) fail "write $n: status $status: $(cat "r$n.body")" ;;
	esac
done < <(cat c*.log)
CHECKS=$((CHECKS + 1))
[ "$acked" -ge 60 ] || fail "only $acked writes were acknowledged before the signal"
[ $((acked + refused)) = $((CLIENTS * PER_CLIENT)) ] || fail "$acked + $refused answers for $((CLIENTS * PER_CLIENT)) writes"
# Nothing but the acknowledged writes was appended: 7 entries before the burst (genesis, log key,
# policy, three enrolments, the village), and the checkpoint covers all of them.
size=$("$QP" --db r.db log checkpoint | sed -n 2p)
CHECKS=$((CHECKS + 1))
[ "$size" = $((7 + acked)) ] || fail "checkpoint size $size, expected 7 + $acked acknowledged"
expect_rc 0 -- --db r.db audit
contains "$(cat qpd.err)" "quanpiaod: SIGTERM: finishing the requests in progress"
