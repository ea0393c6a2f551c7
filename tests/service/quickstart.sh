# tests/service/quickstart.sh - the quickstart's demonstration data (tools/quickstart), with two
# households and one person investor more, for the tests that search shared output for personal
# data (cli_pii, cli_service_access).  Sourced after lib.sh (expect_rc); quickstart.values
# (tests/data) lists every resident ID number and personal name put in.
cp "${QP_TEST_DATA:?QP_TEST_DATA must name tests/data}/quickstart.values" quickstart.values
# quickstart_data [DB]: into DB (default r.db), signed with officer.key.
quickstart_data() {
	local U1 U2 U3 U4 U5 U6 U7 U8 G C R
	QUANPIAO_DB=${1:-r.db} QUANPIAO_KEY=officer.key qs_run
}
qs_run() {
	expect_rc 0 -- village add --code 330681101201 --name 东白湖村 --uscc N2330681MF0000000A
	expect_rc 0 -- village add --code 330681102203 --name 斯宅村
	expect_rc 0 -- household add --id-number 330681197001010016 --name 张伟 --village 330681101201 --members 4
	expect_rc 0 -- household add --id-number 330681197001010024 --name 李娜 --village 330681101201 --members 3
	expect_rc 0 -- household add --id-number 330681197001010032 --name 王芳 --village 330681101201 --members 2
	expect_rc 0 -- household add --id-number 330681197001010040 --name 陈刚 --village 330681102203 --members 5
	expect_rc 0 -- household add --id-number 330681198502023450 --name 赵敏 --village 330681102203 --members 2
	expect_rc 0 -- household add --id-number 330681199203030022 --name 孙丽 --village 330681102203 --members 3
	expect_rc 0 -- household add --id-number 330681198807070039 --name 周建国 --village 330681101201 --members 1
	U1=330681001002JC00001F00010001 U2=330681001002JC00002F00010001 U3=330681001002JC00003F00010001
	U4=330681001002JC00004F00010001 U5=330681001002JC00005F00010001 U6=330681001002JC00006F00010001
	U7=330681001002JC00007F00010001 U8=330681001002JC00008F00010001
	expect_rc 0 -- home add --unit $U1 --village 330681101201 --household 330681197001010016 --land-area 120.50 --floor-area 240.00 --built 1985 --status idle
	expect_rc 0 -- home add --unit $U2 --village 330681101201 --household 330681197001010024 --land-area 100.00 --status dilapidated
	expect_rc 0 -- home add --unit $U3 --village 330681101201 --household 330681197001010032 --land-area 150.00 --status idle
	expect_rc 0 -- home add --unit $U4 --village 330681102203 --household 330681197001010040 --land-area 135.00 --status in_use
	expect_rc 0 -- home add --unit $U5 --village 330681102203 --household 330681198502023450 --land-area 90.00 --status idle
	expect_rc 0 -- home add --unit $U6 --village 330681101201 --household 330681197001010024 --land-area 80.00 --status dilapidated
	expect_rc 0 -- home add --unit $U7 --village 330681101201 --household 330681197001010032 --land-area 60.00 --status dilapidated
	expect_rc 0 -- home add --unit $U8 --village 330681102203 --household 330681199203030022 --land-area 70.00 --status idle
	expect_rc 0 -- home activate $U1 --investor 诸暨东白湖民宿有限公司 --investor-id 91350100M000100Y43 --start 2021-05-01 --years 15 --rent 24900.00 --investment 1200000.00 --use homestay --deal-no ZJ-2021-0007
	expect_rc 0 -- home activate $U5 --investor 斯宅文旅发展有限公司 --investor-id 91110000600037341L --start 2021-09-01 --years 10 --rent 18000.00 --investment 470800000.00 --use culture
	expect_rc 3 -- home activate $U3 --investor 李明 --investor-id 11010519491231002X --start 2021-03-15 --years 25 --rent 9600.00 --investment 50000.00 --use rental
	# A person investor (the quickstart's is refused for its term): a commitment in the entry.
	expect_rc 0 -- home activate $U8 --investor 李明 --investor-id 11010519491231002X --start 2021-03-15 --years 15 --rent 9600.00 --investment 50000.00 --use rental
	expect_rc 0 -- home status $U3 withdrawn --reason "household moved to town; homestead withdrawn voluntarily"
	expect_rc 0 -- home status $U2 demolished --reason "dilapidated house demolished"
	expect_rc 0 -- home status $U6 withdrawn
	expect_rc 0 -- home status $U6 reclaimed --reason "reclaimed as farmland"
	expect_rc 0 -- home status $U7 demolished
	expect_rc 0 -- home status $U7 reclaimed
	expect_rc 0 -- home correct $U4 --field land_area --value 136.20 --reason "resurvey 2026"
	expect_rc 0 -- cert issue --kind guarantee --holder 330681197001010032 --area 150.00 --home $U3 --basis withdrawal
	expect_rc 0 -- cert issue --kind retention --holder 330681197001010024 --area 100.00 --home $U2 --basis demolition
	expect_rc 0 -- cert issue --kind collective --holder 330681101201 --area 80.00 --home $U6 --basis reclamation
	expect_rc 0 -- cert list --kind guarantee --json
	G=$(printf '%s' "$OUT" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
	expect_rc 0 -- cert list --kind collective --json
	C=$(printf '%s' "$OUT" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
	expect_rc 0 -- cert list --kind retention --json
	R=$(printf '%s' "$OUT" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
	expect_rc 0 -- cert transfer "$G" --to 330681197001010016 --area 50.00 --basis sale
	expect_rc 0 -- cert redeem "$C" --area 30.00 --purpose quota --note "construction-land quota for the 东白湖 homestay cluster"
	expect_rc 0 -- cert freeze "$R" --reason "异议: inheritance dispute filed with the township"
	expect_rc 0 -- cert unfreeze "$R"
	expect_rc 0 -- cert transfer "$R" --to 330681197001010016 --basis inheritance
}
