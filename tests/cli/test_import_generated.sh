# Legacy import of a generated export (sourced by run.sh): the file the
# county's old land-ticket system writes (tests/tools/qp_legacy_gen.c:
# GB18030, shuffled Chinese headers, CRLF, quoted line breaks, full-width
# digits, three date styles, collective rows by credit code and parcel (W),
# some on reclaimed land with no home on it, one defective row of each of
# 36 kinds among the good ones).
#
# Every good row is imported, every defective row reported by line, column
# and reason; a rerun imports nothing new; five imports killed with SIGKILL
# at moments spread over the import's time end, rerun, exactly as the import
# never killed; a file of mixed encodings is refused (exit 3) with the
# registry unchanged; the same rows in GB18030 and in UTF-8 give the same
# registry but for the import's own signatures, times and salts.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
: "${QP_LEGACY_GEN:?QP_LEGACY_GEN must name the qp_legacy_gen test tool}"
GOOD=400
dump() { sqlite3 "$1" .dump; }
# The registry's content that does not depend on signatures, times or salts.
content() {
	sqlite3 "$1" "SELECT 'c', legacy_no, kind, state, area, holder, coalesce(home, ''), coalesce(parcel, ''),
			coalesce(valid_until, ''), id FROM certificates ORDER BY id;
		SELECT 'l', parcel, village, land_area, state FROM parcels ORDER BY parcel;
		SELECT 'h', number, village, members FROM households ORDER BY number;
		SELECT 'p', household, id_number, name FROM personal_data ORDER BY household;
		SELECT 'u', unit, village, household, land_area, status FROM homes ORDER BY unit;
		SELECT 'e', idx, type, signer FROM log_entries ORDER BY idx;"
}

# ---- a registry with the villages the export uses, and their collectives' credit codes ----
"$QP_LEGACY_GEN" gb.csv $GOOD --encoding gb18030 --seed 7 --expect expect.tsv --villages villages.txt >gen.out || fail "qp_legacy_gen"
"$QP_LEGACY_GEN" utf8.csv $GOOD --encoding utf-8 --seed 7 >/dev/null || fail "qp_legacy_gen utf-8"
new_registry r0.db
while read -r code name uscc; do
	"$QP" --db r0.db village add --code "$code" --name "$name" --uscc "$uscc" --key officer.key >/dev/null || fail "village add $code"
done <villages.txt
export QUANPIAO_KEY=officer.key
BAD=$(wc -l <expect.tsv)
[ "$BAD" -ge 30 ] || fail "only $BAD kinds of defect"
[ "$(cut -f4 expect.tsv | sort -u | wc -l)" = "$BAD" ] || fail "a kind of defect twice"
# The file is what the issue describes.
[ "$(iconv -f GB18030 -t UTF-8 gb.csv | cmp - utf8.csv && echo same)" = same ] || fail "gb.csv is not utf8.csv in GB18030"
iconv -f UTF-8 -t UTF-8 gb.csv >/dev/null 2>&1 && fail "gb.csv is valid UTF-8"
[ "$(head -1 utf8.csv | cut -d, -f1)" != 票号 ] || fail "the headers are not shuffled"
grep -q $'\r$' utf8.csv || fail "no CRLF"
grep -q '"拆除后复垦$' utf8.csv || fail "no quoted line break"
grep -q '２' utf8.csv || fail "no full-width digits"
grep -q '年' utf8.csv && grep -q '/20[0-9][0-9]\|20[0-9][0-9]/' utf8.csv && grep -q '20[0-9][0-9]-[0-9][0-9]-' utf8.csv || fail "not three date styles"
grep -q 'W00000000' utf8.csv && grep -q ',N2330681MA' utf8.csv || fail "no collective rows by credit code and parcel"

# ---- GB18030: every good row imported, every defective row reported where it is -------------
cp r0.db gb.db
t0=$(date +%s%N)
run --db gb.db import gb.csv --report rep.csv
t1=$(date +%s%N)
[ "$RC" = 3 ] || fail "import: exit $RC, expected 3 ($ERR)"
read_rows=$((GOOD + BAD))
case "$OUT" in
"read $read_rows rows: $GOOD imported, 0 already present, $BAD rejected ("*" entries)
problems are listed in rep.csv") ;;
*) fail "import summary: $OUT" ;;
esac
sed 's/\r$//' rep.csv >rep.txt
# (| as the separator: tabs are white space to read, which would merge an empty column.)
while IFS='|' read -r line no col kind; do
	CHECKS=$((CHECKS + 1))
	grep -qF "$line,$no,$col," rep.txt || fail "$kind: line $line ($no, column '$col') not reported"
done < <(tr '\t' '|' <expect.tsv)
# No line is reported that is not a defective one.
[ "$(tail -n +2 rep.txt | cut -d, -f1 | sort -un)" = "$(cut -f1 expect.tsv | sort -un)" ] || fail "lines reported that are not defective"
# A rerun imports nothing new and changes nothing.
before=$(dump gb.db)
run --db gb.db import gb.csv
[ "$RC" = 3 ] || fail "rerun: exit $RC"
case "$OUT" in "read $read_rows rows: 0 imported, $GOOD already present, $BAD rejected (0 entries)") ;; *) fail "rerun: $OUT" ;; esac
[ "$(dump gb.db)" = "$before" ] || fail "the rerun changed the registry"
expect_rc 0 -- --db gb.db audit
[ "$(sqlite3 gb.db 'PRAGMA foreign_key_check')" = "" ] || fail "foreign keys"
# The W rows with no home on their parcel: each parcel registered as reclaimed land, its ticket from it.
bare=$(tr -d '\r' <utf8.csv | grep -c 'JC[0-9]*W00000000' || true)
[ "$(sqlite3 gb.db "SELECT count(*) FROM parcels WHERE state = 'reclaimed'")" -gt 0 ] || fail "no reclaimed land imported"
[ "$(sqlite3 gb.db "SELECT count(*) FROM certificates WHERE parcel IS NOT NULL AND parent IS NULL")" = \
	"$(sqlite3 gb.db "SELECT count(*) FROM parcels")" ] || fail "not one ticket per reclaimed parcel"
[ "$(sqlite3 gb.db "SELECT count(*) FROM certificates c JOIN parcels p ON p.parcel = c.parcel WHERE c.holder != p.village
	OR c.kind != 'collective' OR c.area > p.land_area OR c.home IS NOT NULL")" = 0 ] || fail "a ticket on reclaimed land is not its village's"
[ "$(sqlite3 gb.db "SELECT count(*) FROM homes h JOIN parcels p ON p.parcel = h.parcel")" = 0 ] || fail "a home on reclaimed land"
[ "$bare" -gt "$(sqlite3 gb.db "SELECT count(*) FROM parcels")" ] || fail "W rows: $bare"

# ---- UTF-8: the same registry, but for signatures, times and salts ----------------------------
cp r0.db u.db
expect_rc 3 -- --db u.db import utf8.csv
[ "$(content u.db)" = "$(content gb.db)" ] || fail "GB18030 and UTF-8 imports differ"
[ "$(sqlite3 gb.db 'SELECT count(*) FROM certificates WHERE legacy_no IS NOT NULL')" = $GOOD ] || fail "not $GOOD certificates"

# ---- a file of mixed encodings: refused, the registry unchanged ----------------------------------
"$QP_LEGACY_GEN" mixed.csv $GOOD --seed 7 --mixed 40 >/dev/null || fail "qp_legacy_gen --mixed"
cp r0.db m.db
before=$(dump m.db)
run --db m.db import mixed.csv
[ "$RC" = 3 ] || fail "mixed: exit $RC, expected 3"
contains "$ERR" "quanpiao: line 40, byte offset"
contains "$ERR" "the file mixes encodings"
[ "$(dump m.db)" = "$before" ] || fail "the mixed file changed the registry"

# ---- five imports killed at moments spread over its time: each ends exactly once --------------
span=$(((t1 - t0) / 1000000)) # ms of the import never killed
for trial in 1 2 3 4 5; do
	cp r0.db k.db
	"$QP" --db k.db import gb.csv >/dev/null 2>&1 &
	pid=$!
	ms=$((span * trial / 6))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	run --db k.db import gb.csv
	CHECKS=$((CHECKS + 1))
	[ "$RC" = 3 ] || fail "trial $trial: the rerun exits $RC ($ERR)"
	[ "$(content k.db | grep -v '^e|')" = "$(content gb.db | grep -v '^e|')" ] || fail "trial $trial (killed after $ms ms): not exactly once"
	[ "$(sqlite3 k.db 'SELECT count(*) FROM log_entries')" = "$(sqlite3 gb.db 'SELECT count(*) FROM log_entries')" ] ||
		fail "trial $trial: another number of entries"
	expect_rc 0 -- --db k.db audit
done
