# parcel add (sourced by run.sh): reclaimed land with no home on it is
# registered as a parcel in state reclaimed; a collective certificate comes
# from it under the per-area cap; its bundle verifies offline, its status
# map proof is served, and the audit passes.  Refusals change nothing.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
V1=330681101201
P1=330681101201JC00001 # reclaimed land
U2=330681101201JC00002F00010001
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
Y=${NOW:0:4}
C1=330681-$Y-C-000001

new_registry
export QUANPIAO_DB=r.db
export QUANPIAO_KEY=officer.key
expect_rc 0 -- village add --code $V1 --name 东白湖村                                                      # 4
expect_rc 0 -- household add --id-number 330681196503120018 --name 王大明 --village $V1                       # 5
expect_rc 0 -- home add --unit $U2 --village $V1 --household 330681-H-0000001 --land-area 100 --status idle # 6

# ---- usage and refusals: nothing changes ---------------------------------------------------
expect_rc 0 -- parcel add --help
contains "$OUT" "usage: quanpiao [global options] parcel add PARCEL --village CODE --land-area M2 --key OFFICER.key"
unchanged 2 "" "quanpiao: parcel add needs one PARCEL, --village and --land-area (see 'quanpiao parcel add --help')" -- \
	parcel add $P1 --village $V1
unchanged 3 "" "quanpiao: PARCEL: must be 19 characters (GB/T 37346 parcel code), got 18" -- \
	parcel add 330681101201JC0001 --village $V1 --land-area 180
unchanged 3 "" "quanpiao: parcel.add: parcel 330681101201GB00001 is not a rural homestead (parcel type JC, not GB)" -- \
	parcel add 330681101201GB00001 --village $V1 --land-area 180
unchanged 3 "" "quanpiao: parcel.add: unknown village 330681101209 (add it with village add)" -- \
	parcel add $P1 --village 330681101209 --land-area 180
unchanged 5 "" "quanpiao: parcel.add: home $U2 stands on parcel 330681101201JC00002; a land ticket from the parcel comes from that home (home status $U2 reclaimed)" -- \
	parcel add 330681101201JC00002 --village $V1 --land-area 180
unchanged 2 "" "quanpiao: a signing key is needed: give --key FILE or set QUANPIAO_KEY" -- \
	parcel add $P1 --village $V1 --land-area 180 --key ''

# ---- registered; then no second time, and no home on it ---------------------------------------
expect 0 "registered parcel $P1 as reclaimed land (复垦) of $V1, 180.00 m² (entry 7)" "" -- \
	parcel add $P1 --village $V1 --land-area 180
[ "$(sqlite3 r.db "SELECT parcel || ' ' || village || ' ' || land_area || ' ' || state || ' ' || added_idx FROM parcels")" = \
	"$P1 $V1 18000 reclaimed 7" ] || fail "the parcels row"
expect 5 '{"error":{"message":"parcel.add: parcel '$P1' was already registered by entry 7","reason":"conflict","exit":5}}' \
	"quanpiao: parcel.add: parcel $P1 was already registered by entry 7" -- \
	parcel add $P1 --village $V1 --land-area 180 --json
unchanged 5 "" "quanpiao: home.add: parcel $P1 was registered as reclaimed land by entry 7; no home is added on it" -- \
	home add --unit ${P1}F00010001 --village $V1 --household 330681-H-0000001 --land-area 100 --status dilapidated

# ---- a collective certificate from it, under the cap ------------------------------------------
unchanged 2 "" "quanpiao: give --home or --parcel, not both (see 'quanpiao cert issue --help')" -- \
	cert issue --kind collective --holder $V1 --area 150 --parcel $P1 --home $U2 --basis reclamation
unchanged 3 "" "quanpiao: cert.issue: a guarantee certificate comes from a home; only a collective one comes from reclaimed land (body.parcel)" -- \
	cert issue --kind guarantee --holder 330681-H-0000001 --area 150 --parcel $P1 --basis withdrawal
expect 0 "issued $C1 浙($Y)诸暨市集体权票第000001号: 150.00 m² to $V1 (entry 8)" "" -- \
	cert issue --kind collective --holder $V1 --area 150 --parcel $P1 --basis reclamation
unchanged 3 "" "quanpiao: cert.issue: 30.01 m² more would exceed reclaimed parcel $P1's land area of 180.00 m² (150.00 m² of collective issued and not revoked)" -- \
	cert issue --kind collective --holder $V1 --area 30.01 --parcel $P1 --basis reclamation
run cert show $C1
contains "$OUT" "农房 home                  -"
contains "$OUT" "复垦地块 reclaimed parcel  $P1"
expect_rc 0 -- cert show $C1 --json
contains "$OUT" "\"home\":null,\"parcel\":\"$P1\",\"basis\":\"reclamation\""

# ---- checkpoint, status map, bundle, audit --------------------------------------------------
expect_rc 0 -- log sign --key log.key
expect_rc 0 -- cert status $C1 --proof c1.proof
[ -s c1.proof ] || fail "no status map proof"
expect 0 "exported $C1 to c.bundle: 5 entries, each proven against the checkpoint of size 9" "" -- \
	export $C1 --out c.bundle
expect_rc 0 -- verify c.bundle --authority auth.key.vkey
contains "$OUT" "复垦地块 reclaimed parcel  $P1"
expect_rc 0 -- verify c.bundle --authority auth.key.vkey --json
contains "$OUT" "\"home\":null,\"parcel\":\"$P1\",\"basis\":\"reclamation\""
expect_rc 0 -- audit
# The audit compares the parcels table too.
cp r.db bad.db
sqlite3 bad.db "UPDATE parcels SET land_area = 99999"
expect_rc 1 -- audit --db bad.db
contains "$OUT" "reclaimed parcel $P1"
