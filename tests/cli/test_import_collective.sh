# Legacy import of collective land tickets (sourced by run.sh): a 地票 or 复垦
# row's holder given by its village's collective credit code (village add
# --uscc), and its unit given as the reclaimed parcel (fixture type W), the
# certificate then coming from the registered home that stood on it, or,
# with no home on the parcel, from the parcel registered as reclaimed land
# (parcel.add).  Credit codes no village carries, another village's, and a
# parcel without a home named by a person's ID are rejected, each saying
# so; the registry audits clean.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
V1=330681101201 V2=330681101202
USCC1=N2330681C1MA05GGXC USCC2=N2330681MA2B3C4D5A USCC_NONE=N2330681MA2B3C4D6D
dump() { sqlite3 r.db .dump; }

new_registry
export QUANPIAO_DB=r.db
export QUANPIAO_KEY=officer.key
expect_rc 0 -- village add --code $V1 --name 东白湖村 --uscc $USCC1
expect_rc 0 -- village add --code $V2 --name 斯宅村 --uscc $USCC2

HEAD='票号,类型,持有人,证件号码,村代码,不动产单元号,面积,发证日期,有效期至,状态,备注'
# Line 2: a withdrawal adds the home on parcel ...JC00081 (idle -> withdrawn).
# Line 3: the land ticket on that parcel (W), held by the village's collective by credit code.
# Lines 4 to 8: a credit code no village carries, another village's, a parcel without a home (reclaimed
# land: imported), a forest fixture (L), a parcel for a withdrawal (not a land ticket).
# Line 9: a parcel without a home, the holder a person's ID number.
{
	echo "$HEAD"
	echo "ZJDP-2016-000001,宅基地退出,王大明,330681196503120018,$V1,${V1}JC00081F00010001,120,2016-03-05,,有效,"
	echo "ZJDP-2016-000002,地票,东白湖村股份经济合作社,$USCC1,$V1,${V1}JC00081W00000000,100,2016-04-01,,有效,"
	echo "ZJDP-2016-000003,复垦,东白湖村股份经济合作社,$USCC_NONE,$V1,${V1}JC00081W00000000,10,2016-04-01,,有效,"
	echo "ZJDP-2016-000004,地票,东白湖村股份经济合作社,$USCC2,$V1,${V1}JC00081W00000000,10,2016-04-01,,有效,"
	echo "ZJDP-2016-000005,地票,东白湖村股份经济合作社,$USCC1,$V1,${V1}JC00099W00000000,10,2016-04-01,,有效,"
	echo "ZJDP-2016-000006,地票,东白湖村股份经济合作社,$USCC1,$V1,${V1}JC00081L00010001,10,2016-04-01,,有效,"
	echo "ZJDP-2016-000007,宅基地退出,王大明,330681196503120018,$V1,${V1}JC00082W00000000,10,2016-04-01,,有效,"
	echo "ZJDP-2016-000008,复垦,王大明,330681196503120018,$V1,${V1}JC00098W00000000,10,2016-04-01,,有效,"
} >tickets.csv
run import tickets.csv --report rep.csv
[ "$RC" = 3 ] || fail "exit $RC, expected 3"
[ "$OUT" = "read 8 rows: 3 imported, 0 already present, 5 rejected (8 entries)
problems are listed in rep.csv" ] || fail "summary: $OUT"
rep=$(sed 's/\r$//' rep.csv | tail -n +2)
want="4,ZJDP-2016-000003,证件号码,$USCC_NONE,no registered village's collective has credit code $USCC_NONE (give it with village add --uscc or village correct --uscc)
5,ZJDP-2016-000004,证件号码,$USCC2,\"credit code $USCC2 is that of the collective of village $V2, not of the row's village $V1\"
7,ZJDP-2016-000006,不动产单元号,${V1}JC00081L00010001,\"is neither a building (fixture type F) nor, for a land ticket, a parcel (fixture type W), but L\"
8,ZJDP-2016-000007,不动产单元号,${V1}JC00082W00000000,\"is not a building (fixture type F, not W)\"
9,ZJDP-2016-000008,不动产单元号,${V1}JC00098W00000000,no registered home stands on parcel ${V1}JC00098: as reclaimed land it is held by its village's collective; give the village code or its credit code in 证件号码 (or register the home that stood on it first)"
[ "$rep" = "$want" ] || fail "report differs:
$rep
expected:
$want"
# The land ticket comes from the home on the parcel, held by the village; the home is reclaimed.
# With no home on the parcel, the ticket comes from the parcel, registered as reclaimed land.
[ "$(sqlite3 r.db "SELECT legacy_no, kind, holder, home, parcel FROM certificates WHERE legacy_no IS NOT NULL ORDER BY legacy_no")" = \
	"ZJDP-2016-000001|guarantee|330681-H-0000001|${V1}JC00081F00010001|
ZJDP-2016-000002|collective|$V1|${V1}JC00081F00010001|
ZJDP-2016-000005|collective|$V1||${V1}JC00099" ] || fail "certificates: $(sqlite3 r.db 'SELECT * FROM certificates')"
[ "$(sqlite3 r.db "SELECT parcel, village, land_area, state FROM parcels")" = "${V1}JC00099|$V1|1000|reclaimed" ] ||
	fail "parcels: $(sqlite3 r.db 'SELECT * FROM parcels')"
[ "$(sqlite3 r.db "SELECT count(*) FROM homes WHERE parcel = '${V1}JC00099'")" = 0 ] || fail "a home on the reclaimed parcel"
[ "$(sqlite3 r.db "SELECT status FROM homes WHERE unit = '${V1}JC00081F00010001'")" = reclaimed ] || fail "the home is not reclaimed"
# The legacy record keeps the parcel as the file gave it, and the credit code.
run log entries --json
contains "$OUT" "${V1}JC00081W00000000"
contains "$OUT" "$USCC1"
# A rerun: the imported rows are present, nothing changes.
before=$(dump)
run import tickets.csv
[ "$RC" = 3 ] || fail "rerun: exit $RC"
[ "$OUT" = "read 8 rows: 0 imported, 3 already present, 5 rejected (0 entries)" ] || fail "rerun: $OUT"
[ "$(dump)" = "$before" ] || fail "the rerun changed the registry"
expect_rc 0 -- audit
