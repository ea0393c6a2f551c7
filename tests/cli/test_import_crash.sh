# Legacy import under kill -9 (sourced by run.sh): an import is killed at a
# random moment, sometimes its rerun too, and then run to the end.  Each
# time the registry must end with every good row imported exactly once,
# the same certificates, households and homes as an import never killed,
# the bad rows still rejected, and `quanpiao audit` clean.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
command -v python3 >/dev/null || {
	echo "python3 is needed to generate the test file" >&2
	exit 1
}
ORIGIN=zhuji.example/quanpiao
TRIALS=${QP_CRASH_TRIALS:-20}

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
gen() {
	python3 - "$1" <<'EOF'
import random, sys
n = int(sys.argv[1])
random.seed(7)
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def rid(i):
    s = "330681%04d%02d%02d%03d" % (1950 + i % 50, 1 + i % 12, 1 + i % 28, i % 1000)
    return s + "10X98765432"[sum(int(c) * w for c, w in zip(s, W)) % 11]
villages = ["330681101201", "330681101202", "330681101203", "330681102201", "330681102202"]
kinds = ["宅基地退出", "危旧房权益保全", "地票", "复垦"]
statuses = ["有效", "有效", "已使用", "已注销"]
print("票号,类型,持有人,证件号码,村代码,不动产单元号,面积,发证日期,有效期至,状态,备注")
for i in range(n):
    h = i // 2  # two tickets per household: two homes, or a withdrawal and its land ticket
    v = villages[h % len(villages)]
    kind = kinds[random.randrange(4)] if i % 2 == 0 else "地票"
    unit = "330681%03d%03dJC%05dF%08d" % (h % 7, 1 + h % 3, 1 + h, 10001 + i % 2)
    area = "%d.%02d" % (20 + random.randrange(60), random.randrange(100))
    if i % 2 == 1:
        area = "%d.%02d" % (5 + random.randrange(10), random.randrange(100))
        if prev_kind == "宅基地退出":
            unit = prev_unit  # the land ticket of the withdrawn homestead
    status = statuses[random.randrange(4)]
    vu = "2099-12-31" if kind == "危旧房权益保全" else ""
    note = '"第%d号,旧档案"' % i if i % 5 == 0 else ""
    hid = rid(h)
    if i % 50 == 49:
        hid = hid[:17] + ("0" if hid[17] != "0" else "1")  # a bad check character
    print(f"LT-{i:06d},{kind},户主{h},{hid},{v},{unit},{area},2019-03-05,{vu},{status},{note}")
    prev_kind, prev_unit = kind, unit
EOF
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
		SELECT id_number, name, village FROM households ORDER BY id_number;
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

# Trials until TRIALS imports were killed while running (a kill after the end does not count).
trial=0
attempts=0
while [ "$trial" -lt "$TRIALS" ] && [ "$attempts" -lt $((TRIALS * 3)) ]; do
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
	python3 -c 'import json, sys
good, bad, rows = map(int, sys.argv[1:])
s = json.load(open("rerun.json"))
assert s["read"] == rows and s["rejected"] == bad and s["imported"] + s["present"] == good, s' \
		"$GOOD" "$BAD" "$ROWS" || fail "trial $trial: rerun summary $(cat rerun.json)"
	CHECKS=$((CHECKS + 1))
	[ "$(sqlite3 t.db "SELECT count(*), count(DISTINCT legacy_no) FROM certificates WHERE legacy_no IS NOT NULL")" = "$GOOD|$GOOD" ] ||
		fail "trial $trial: certificates are not each good row exactly once"
	CHECKS=$((CHECKS + 1))
	[ "$(state t.db)" = "$REF" ] || fail "trial $trial: the state differs from the import never killed"
	expect_rc 0 -- --db t.db audit
	echo "trial $trial: killed after $at s with $before rows in; rerun: $(cat rerun.json)"
done
CHECKS=$((CHECKS + 1))
[ "$trial" = "$TRIALS" ] || fail "the trials did not all run"

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
