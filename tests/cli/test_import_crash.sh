# Legacy import under kill -9 (sourced by run.sh): an import is killed at a
# random moment, sometimes its rerun too, and then run to the end.  Each
# time the registry must end with every good row imported exactly once,
# the same certificates, households (their numbers, and their personal
# data beside the log) and homes as an import never killed,
# the bad rows still rejected, and `quanpiao audit` clean.
#
# Parts (run.sh's PART), each a test of its own with its own registry: 1,
# the first half of the trials; 2, the second half and other officers'
# writes beside a long import.  Without a part, all of it.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
: "${QP_JSON:?QP_JSON must name the qp_json test tool}"
ORIGIN=zhuji.example/quanpiao
TRIALS=${QP_CRASH_TRIALS:-20}
case "$PART" in
"") first=1 last=$TRIALS writers=1 ;;
1) first=1 last=$((TRIALS / 2)) writers=0 ;;
2) first=$((TRIALS / 2 + 1)) last=$TRIALS writers=1 ;;
*)
	echo "test_import_crash.sh: no part $PART (1, 2)" >&2
	exit 1
	;;
esac

for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db base.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
expect_rc 0 -- --db base.db key enroll --role officer --vkey officer.key.vkey --key auth.key
export QUANPIAO_KEY=officer.key
for v in 330681101201 330681101202 330681101203 330681102201 330681102202; do
	expect_rc 0 -- --db base.db village add --code $v --name "村$v"
done

# gen ROWS: rows of every type and status; households hold two tickets each; one row in 50 is bad.
# (awk's generator with a fixed seed: the same file each time on one machine.)
gen() {
	awk -v n="$1" '
	function rid(i, s, sum, k) {
		s = sprintf("330681%04d%02d%02d%03d", 1950 + i % 50, 1 + i % 12, 1 + i % 28, i % 1000)
		for (k = 1; k <= 17; k++)
			sum += substr(s, k, 1) * W[k]
		return s substr("10X98765432", sum % 11 + 1, 1)
	}
	function rnd(m) { return int(rand() * m) }
	BEGIN {
		srand(7)
		split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", W, " ")
		split("330681101201 330681101202 330681101203 330681102201 330681102202", villages, " ")
		split("宅基地退出 危旧房权益保全 地票 复垦", kinds, " ")
		split("有效 有效 已使用 已注销", statuses, " ")
		print "票号,类型,持有人,证件号码,村代码,不动产单元号,面积,发证日期,有效期至,状态,备注"
		for (i = 0; i < n; i++) {
			h = int(i / 2) # two tickets per household: two homes, or a withdrawal and its land ticket
			v = villages[h % 5 + 1]
			kind = i % 2 == 0 ? kinds[rnd(4) + 1] : "地票"
			unit = sprintf("330681%03d%03dJC%05dF%08d", h % 7, 1 + h % 3, 1 + h, 10001 + i % 2)
			area = sprintf("%d.%02d", 20 + rnd(60), rnd(100))
			if (i % 2 == 1) {
				area = sprintf("%d.%02d", 5 + rnd(10), rnd(100))
				if (prev_kind == "宅基地退出")
					unit = prev_unit # the land ticket of the withdrawn homestead
			}
			status = statuses[rnd(4) + 1]
			vu = kind == "危旧房权益保全" ? "2099-12-31" : ""
			note = i % 5 == 0 ? sprintf("\"第%d号,旧档案\"", i) : ""
			hid = rid(h)
			if (i % 50 == 49) # a bad check character
				hid = substr(hid, 1, 17) (substr(hid, 18, 1) != "0" ? "0" : "1")
			printf "LT-%06d,%s,户主%d,%s,%s,%s,%s,2019-03-05,%s,%s,%s\n", i, kind, h, hid, v, unit, area, vu, status, note
			prev_kind = kind
			prev_unit = unit
		}
	}'
}
now() { date +%s.%N; }

# A file that takes about a second to import in this build (sanitizers make it slower).
gen 500 >calibrate.csv
cp base.db cal.db
T0=$(now)
expect_rc 3 -- --db cal.db import calibrate.csv
ROWS=${QP_CRASH_ROWS:-$(awk -v a="$T0" -v b="$(now)" 'BEGIN { n = 500 * 1.2 / (b - a); n = n < 1000 ? 1000 : n > 5000 ? 5000 : n; printf "%d", int(n / 50) * 50 }')}
gen "$ROWS" >big.csv
BAD=$((ROWS / 50))
GOOD=$((ROWS - BAD))

state() {
	sqlite3 "$1" "SELECT id, legacy_no, kind, state, area, holder, coalesce(home, '') FROM certificates ORDER BY id;
		SELECT h.number, p.id_number, p.name, h.village FROM households h
			LEFT JOIN personal_data p ON p.household = h.number ORDER BY h.number;
		SELECT unit, household, status, coalesce(exit_path, ''), land_area FROM homes ORDER BY unit;
		SELECT cert, area, purpose FROM redemptions ORDER BY cert"
}

# The reference: an import never killed.
cp base.db ref.db
T0=$(now)
expect_rc 3 -- --db ref.db import big.csv --report ref.csv
contains "$OUT" "read $ROWS rows: $GOOD imported, 0 already present, $BAD rejected"
T=$(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
run --db ref.db import big.csv --json
[ "$OUT" = "{\"read\":$ROWS,\"imported\":0,\"valid\":0,\"present\":$GOOD,\"rejected\":$BAD,\"warnings\":0,\"entries\":0,\"dry_run\":false,\"all_or_nothing\":false,\"report\":null}" ] ||
	fail "rerun of the reference"
REF=$(state ref.db)
[ "$(sqlite3 ref.db "SELECT count(*), count(DISTINCT legacy_no) FROM certificates WHERE legacy_no IS NOT NULL")" = "$GOOD|$GOOD" ] ||
	fail "the reference import"
echo "reference import of $ROWS rows: $T s"

# kill_at DB SECONDS : start an import and kill -9 it after SECONDS; KILLED=1 if it was still running.
kill_at() {
	"$QP" --db "$1" import big.csv --batch $((20 + RANDOM % 200)) >/dev/null 2>&1 &
	local pid=$!
	sleep "$2"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ $? = 137 ] && KILLED=1 || KILLED=0
}

# summary_ok: the rerun's summary in rerun.json read every row, rejected the
# bad ones, and imported or found present each good one.
summary_ok() {
	local read imported present rejected
	read=$("$QP_JSON" get rerun.json read) && imported=$("$QP_JSON" get rerun.json imported) &&
		present=$("$QP_JSON" get rerun.json present) && rejected=$("$QP_JSON" get rerun.json rejected) || return 1
	case "$read $imported $present $rejected" in
	*[!0-9\ ]* | *"  "* | " "* | *" ") return 1 ;;
	esac
	[ "$read" = "$ROWS" ] && [ "$rejected" = "$BAD" ] && [ $((imported + present)) = "$GOOD" ]
}

# Trials first..last, each until an import was killed while running (a kill
# after the end does not count).
trial=$((first - 1))
attempts=0
while [ "$trial" -lt "$last" ] && [ "$attempts" -lt $(((last - first + 1) * 3)) ]; do
	attempts=$((attempts + 1))
	rm -f t.db t.db-wal t.db-shm
	cp base.db t.db
	at=$(awk -v t="$T" -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.8 * t * r / 32768 }')
	kill_at t.db "$at"
	[ "$KILLED" = 1 ] || continue
	trial=$((trial + 1))
	CONTEXT="trial $trial"
	before=$(sqlite3 t.db "SELECT count(*) FROM certificates WHERE legacy_no IS NOT NULL")
	if [ $((trial % 3)) -eq 0 ]; then
		# Kill the rerun as well.
		kill_at t.db "$(awk -v t="$T" -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.5 * t * r / 32768 }')"
	fi
	"$QP" --db t.db import big.csv --json >rerun.json 2>rerun.err
	rc=$?
	CHECKS=$((CHECKS + 1))
	[ "$rc" = 3 ] || fail "trial $trial: rerun exit $rc: $(cat rerun.err)"
	summary_ok || fail "trial $trial: rerun summary $(cat rerun.json)"
	CHECKS=$((CHECKS + 1))
	[ "$(sqlite3 t.db "SELECT count(*), count(DISTINCT legacy_no) FROM certificates WHERE legacy_no IS NOT NULL")" = "$GOOD|$GOOD" ] ||
		fail "trial $trial: certificates are not each good row exactly once"
	CHECKS=$((CHECKS + 1))
	[ "$(state t.db)" = "$REF" ] || fail "trial $trial: the state differs from the import never killed"
	expect_rc 0 -- --db t.db audit
	echo "trial $trial: killed after $at s with $before rows in; rerun: $(cat rerun.json)"
done
CHECKS=$((CHECKS + 1))
[ "$trial" = "$last" ] || fail "the trials did not all run"
[ "$writers" = 1 ] || return 0

# Other officers' writes get in between two batches of a running import
# (it pauses after each commit; writers poll the lock every millisecond):
# with SQLite's own back-off they waited out their 5 s and failed "busy".
gen $((ROWS * 6)) >long.csv
rm -f w.db w.db-wal w.db-shm
cp base.db w.db
"$QP" --db w.db import long.csv >long.out 2>&1 &
pid=$!
sleep 1
for v in 330681103301 330681103302; do
	T0=$(now)
	expect_rc 0 -- --db w.db village add --code $v --name "新村$v"
	echo "village add during the import: $(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }') s"
done
CHECKS=$((CHECKS + 1))
kill -0 "$pid" 2>/dev/null || fail "the import ended before the writes: make long.csv longer"
wait "$pid"
rc=$?
CHECKS=$((CHECKS + 1))
[ "$rc" = 3 ] || fail "the import beside the writes: exit $rc: $(tail -2 long.out)"
contains "$(cat long.out)" "read $((ROWS * 6)) rows: "
expect_rc 0 -- --db w.db audit
