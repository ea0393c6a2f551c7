# Crash trials (sourced by run.sh): `quanpiao` appends killed with SIGKILL
# at random moments.  In each trial a background loop appends entries one
# command at a time (household add, and every third a cert issue), writing
# down each success line the moment the tool prints it; the running tool
# is killed -9 after a random delay.  Then:
#   - the registry opens and SQLite finds it intact (integrity_check);
#   - every entry whose success line was printed is in the log, at the
#     index the line gave, with the household or certificate it added;
#   - the entry of the killed command is there or not, never half there;
#   - `quanpiao audit` exits 0.
# QP_CRASH_TRIALS sets the number of trials (at least 20, default 25).
# The kill points (how far into the killed command, and whether its entry
# had committed) are summed up at the end.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
TRIALS=${QP_CRASH_TRIALS:-25}
[ "$TRIALS" -ge 20 ] || TRIALS=20
ORIGIN=zhuji.example/quanpiao

for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
export QUANPIAO_DB=r.db
expect_rc 0 -- key enroll --role officer --vkey officer.key.vkey --key auth.key
export QUANPIAO_KEY=officer.key
V1=330681101201 H0=330681197001010016 U0=330681001002JC00001F00010001
t0=${EPOCHREALTIME//[.,]/}
for step in "village add --code $V1 --name 东白湖村" \
	"household add --id-number $H0 --name 王 --village $V1" \
	"home add --unit $U0 --village $V1 --household $H0 --land-area 100000 --status idle" \
	"home status $U0 withdrawn"; do
	# shellcheck disable=SC2086
	expect_rc 0 -- $step
done
# Kills land anywhere in the first few commands of a trial: the window is
# four commands long (at least 0.6 s), however slow the tool runs here
# (a sanitizer, valgrind).
window_ms=$(((${EPOCHREALTIME//[.,]/} - t0) / 1000))
[ "$window_ms" -ge 600 ] || window_ms=600

# The nth resident ID number of the trials, with its GB 11643 check character.
resident() {
	local body i sum=0 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) check=10X98765432
	body=$(printf '3306811980%02d%02d%03d' $((1 + $1 / 28 % 12)) $((1 + $1 % 28)) $(($1 % 1000)))
	for i in $(seq 0 16); do sum=$((sum + ${body:$i:1} * ${w[$i]})); done
	echo "$body${check:$((sum % 11)):1}"
}

# writer FIRST: append entries until killed.  Each command's process writes
# its pid, start time and what it adds ("H <id number>" or "C<n>") to cmd.now
# before it becomes the tool (exec); after it, its success line goes to acks.
writer() {
	local n=$1 what rc
	while :; do
		if [ $((n % 3)) = 2 ]; then
			what=C$n
			(
				echo "$BASHPID ${EPOCHREALTIME//[.,]/} $what" >cmd.now
				exec "$QP" cert issue --kind guarantee --holder $H0 --area 0.01 --home $U0 --basis withdrawal >w.out 2>w.err
			)
		else
			what="H $(resident "$n")"
			(
				echo "$BASHPID ${EPOCHREALTIME//[.,]/} $what" >cmd.now
				exec "$QP" household add --id-number "${what#H }" --name "户$n" --village $V1 >w.out 2>w.err
			)
		fi
		rc=$?
		[ $rc = 0 ] || {
			echo "exit $rc: $(cat w.err)" >>writer.errors
			return
		}
		echo "$what|$(cat w.out)" >>acks
		n=$((n + 1))
	done
}

next=1000
committed=0 not_committed=0 between=0 acked_total=0
kill_ms=()
for trial in $(seq 1 "$TRIALS"); do
	CONTEXT="crash trial $trial"
	: >acks
	rm -f cmd.now writer.errors
	before=$(sqlite3 r.db 'SELECT count(*) FROM log_entries')
	# The writer and the tool it runs, in a process group of their own.
	set -m
	writer $next &
	wpid=$!
	set +m
	# A random moment in the window: kill the whole group at once.
	delay=$((RANDOM * 32768 + RANDOM))
	delay=$((delay % window_ms))
	sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
	kill -9 -- "-$wpid" 2>/dev/null
	now=${EPOCHREALTIME//[.,]/}
	wait "$wpid" 2>/dev/null
	while kill -0 -- "-$wpid" 2>/dev/null; do sleep 0.01; done
	[ ! -s writer.errors ] || fail "a write failed before the kill: $(cat writer.errors)"

	# The registry opens and is intact.
	[ "$(sqlite3 r.db 'PRAGMA integrity_check')" = ok ] || fail "SQLite integrity check failed"
	after=$(sqlite3 r.db 'SELECT count(*) FROM log_entries')
	acked=$(wc -l <acks)
	acked_total=$((acked_total + acked))
	# Every acknowledged entry is there, at the index its line gave, with what it added.
	while IFS='|' read -r what line; do
		idx=$(printf '%s' "$line" | sed -n 's/.*(entry \([0-9]*\))$/\1/p')
		[ -n "$idx" ] || {
			fail "success line without an entry index: $line"
			continue
		}
		run log entry --index "$idx"
		[ "$RC" = 0 ] || fail "acknowledged entry $idx is missing"
		case "$what" in
		H*)
			# The entry names the household's number, printed in the line, and no ID number; the
			# personal data came with it (the household is found by its head's ID number).
			num=$(printf '%s' "$line" | sed -n 's/^added household \([0-9]*-H-[0-9]*\) .*/\1/p')
			contains "$OUT" "\"number\":\"${num:-?}\""
			CHECKS=$((CHECKS + 1))
			case "$OUT" in *"${what#H }"*) fail "entry $idx holds the ID number ${what#H }" ;; esac
			run household show "${what#H }"
			[ "$RC" = 0 ] || fail "acknowledged household ${what#H } is missing"
			contains "$OUT" "户号 household      ${num:-?}"
			;;
		C*)
			cert=$(printf '%s' "$line" | sed -n 's/^issued \([0-9A-Z-]*\) .*/\1/p')
			contains "$OUT" "\"type\":\"cert.issue\""
			run cert show "$cert"
			[ "$RC" = 0 ] || fail "acknowledged certificate $cert is missing"
			;;
		esac
	done <acks
	# The command in flight, if any (started, not acknowledged): its entry is
	# there whole or not at all.
	cwhat=""
	[ -f cmd.now ] && read -r cpid cstart cwhat <cmd.now
	if [ -n "$cwhat" ] && ! grep -q "^$cwhat|" acks; then
		kill_ms+=($(((now - cstart) / 1000)))
		case $((after - before - acked)) in
		0) not_committed=$((not_committed + 1)) ;;
		1) committed=$((committed + 1)) ;;
		*) fail "log grew by $((after - before)) with $acked acknowledged and one in flight" ;;
		esac
		if [ "${cwhat%% *}" = H ]; then
			run household show "${cwhat#H }"
			case "$RC:$((after - before - acked))" in
			0:1 | 6:0) ;;
			*) fail "household ${cwhat#H } in flight: show exits $RC, log grew by $((after - before))" ;;
			esac
		fi
	else
		between=$((between + 1))
		[ $((after - before)) = "$acked" ] || fail "log grew by $((after - before)), $acked acknowledged"
	fi
	CHECKS=$((CHECKS + 1))
	run audit
	[ "$RC" = 0 ] || fail "audit after crash trial $trial"
	# The next trial's households: numbers no earlier command used.
	next=$((next + acked + 2))
done

CONTEXT="crash trials"
CHECKS=$((CHECKS + 1))
[ "$acked_total" -gt 0 ] || fail "no write was acknowledged in any trial"
sorted=$(printf '%s\n' "${kill_ms[@]}" | sort -n | tr '\n' ' ')
echo "crash trials: $TRIALS kills, $acked_total acknowledged writes (all present, audits clean);"
echo "  killed inside a command: $((committed + not_committed)) ($committed had committed its entry, $not_committed had not);"
echo "  killed between commands: $between;  ms into the killed command: $sorted"
