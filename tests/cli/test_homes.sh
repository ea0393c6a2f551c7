# Villages, households and homes: every rule refused without a trace, the
# lifecycle, corrections kept in the history, masking, lists and --json
# (sourced by run.sh).
#
# A refused command must leave the registry byte-identical in its tables:
# `refused` compares `sqlite3 r.db .dump` before and after.  Rules only the
# registry can judge are also presented as forged entries (QP_FORGE) that
# skip the CLI's own checks.
FORGE="${QP_FORGE:?QP_FORGE must name the qp_forge test tool}"
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
ORIGIN=zhuji.example/quanpiao
NEXT_YEAR=$(($(date -u +%Y) + 1))
THIS_YEAR=$(date -u +%Y)

dump() { sqlite3 r.db .dump; }

# refused_with EXIT STDOUT STDERR -- ARGS... : exact output and exit status,
# and not a byte of the registry's tables changed.
refused_with() {
	local want_rc="$1" want_out="$2" want_err="$3" before
	shift 3
	before=$(dump)
	expect "$want_rc" "$want_out" "$want_err" "$@"
	[ "$(dump)" = "$before" ] || fail "a refused command changed the registry"
}

# refused EXIT STDERR -- ARGS... : the same, with nothing on stdout.
refused() {
	local want_rc="$1" want_err="$2"
	shift 2
	refused_with "$want_rc" "" "$want_err" "$@"
}

# forged EXIT STDERR TYPE BODY : an entry signed by the officer but never
# checked by the CLI, appended with log append, must be refused the same way.
forged() {
	local want_rc="$1" want_err="$2"
	"$FORGE" officer.key $ORIGIN "$3" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$4" >forged.note || fail "qp_forge $3 $4"
	refused "$want_rc" "$want_err" -- log append forged.note
}

# Times in the history differ from run to run; show them as a placeholder of the same width.
notime() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/YYYY-MM-DDThh:mm:ssZ/g'; }

# ---- a registry with two officers -------------------------------------------------
for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li officer2:330681.officer.wu; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
export QUANPIAO_DB=r.db
expect 0 "enrolled 330681.officer.li as officer (entry 3)" "" -- key enroll --role officer --vkey officer.key.vkey --key auth.key
expect 0 "enrolled 330681.officer.wu as officer (entry 4)" "" -- key enroll --role officer --vkey officer2.key.vkey --key auth.key

V1=330681101201 V2=330681101202 V3=330681102201
H1=330681196503120018 H2=330681197001010024 H3=330681198012310035 H4=330681195505050047 H5=33068119881212007X
U1=330681101201JC00001F00010001 U2=330681101201JC00002F00010001 U3=330681101202JC00003F00010001
U4=330681102201JC00004F00010001 U5=330681101201JC00005F00010001 U6=330681101201JC00006F00010001
NOBODY=330681199009090136
# Households' registry numbers, in the order they are added (the log names households by them).
N1=330681-H-0000001 N2=330681-H-0000002 N3=330681-H-0000003 N4=330681-H-0000004 N5=330681-H-0000005

# Writes need a key (reads do not); nothing is written without one.
refused 2 "quanpiao: a signing key is needed: give --key FILE or set QUANPIAO_KEY" -- \
	village add --code $V1 --name 东白湖村
refused 4 "quanpiao: key 330681.authority has role authority; village.add entries must be signed by an officer key" -- \
	village add --code $V1 --name 东白湖村 --key auth.key
export QUANPIAO_KEY=officer.key

# ---- villages -----------------------------------------------------------------------
expect 0 "added village $V1 东白湖村 (entry 5)" "" -- village add --code $V1 --name 东白湖村 --uscc N2330681MA2B3C4D5A
expect 0 "added village $V2 斯宅村 (entry 6)" "" -- village add --code $V2 --name 斯宅村
expect 0 '{"index":7,"village":{"code":"330681102201","name":"枫桥村","township":"330681102","uscc":null,"added_at":7,"updated_at":7}}' "" -- \
	village add --code $V3 --name 枫桥村 --json

refused 5 "quanpiao: village.add: village $V1 (东白湖村) was already added by entry 5" -- village add --code $V1 --name 东白湖村
refused 3 "quanpiao: village.add: village 330682101201 is not in this registry's county 330681" -- \
	village add --code 330682101201 --name 外县村
refused 3 "quanpiao: --code: village part 105 is not a village committee (村委会 codes are 200-399)" -- \
	village add --code 330681101105 --name 社区
refused 3 "quanpiao: --uscc: a village collective economic organisation's code starts with N2, not 91" -- \
	village add --code 330681101203 --name 新村 --uscc 91330681MA2BXY001M
refused 3 "quanpiao: --name: must not be empty" -- village add --code 330681101203 --name ""
refused 3 "quanpiao: --name: U+001B (a control character) is not allowed" -- village add --code 330681101203 --name $'a\033[2Jb'
refused 2 "quanpiao: village add needs --code and --name (see 'quanpiao village add --help')" -- \
	village add --code 330681101203
refused_with 3 '{"error":{"message":"--code: must be 12 characters (village code), got 11","reason":"input rejected","exit":3}}' \
	"quanpiao: --code: must be 12 characters (village code), got 11" -- village add --code 33068110120 --name x --json

expect 0 "代码 code     名称 name  集体经济组织 collective (uscc)  条目 entry
330681101201  东白湖村   N2330681MA2B3C4D5A                       5
330681101202  斯宅村     -                                        6
330681102201  枫桥村     -                                        7" "" -- village list
expect 0 "代码 code     名称 name  集体经济组织 collective (uscc)  条目 entry
330681101201  东白湖村   N2330681MA2B3C4D5A                       5
330681101202  斯宅村     -                                        6" "" -- village list --township 330681101
expect 0 '{"villages":[{"code":"330681102201","name":"枫桥村","township":"330681102","uscc":null,"added_at":7,"updated_at":7}]}' "" -- \
	village list --township 330681102 --json
expect 0 "代码 code  名称 name  集体经济组织 collective (uscc)  条目 entry" "" -- village list --township 330681103
refused 3 "quanpiao: --township: must be 9 characters (township code), got 6" -- village list --township 330681

# ---- households ------------------------------------------------------------------------
expect 0 "added household 330681-H-0000001 330681********0018 王大明 in $V1 (entry 8)" "" -- \
	household add --id-number $H1 --name 王大明 --village $V1 --members 4
expect 0 "added household 330681-H-0000002 330681********0024 李小红 in $V1 (entry 9)" "" -- \
	household add --id-number $H2 --name 李小红 --village $V1 --members 3
expect 0 "added household 330681-H-0000003 330681********0035 陈国强 in $V2 (entry 10)" "" -- \
	household add --id-number $H3 --name 陈国强 --village $V2
expect 0 "added household 330681-H-0000004 330681********0047 赵秀英 in $V3 (entry 11)" "" -- \
	household add --id-number $H4 --name 赵秀英 --village $V3 --members 2
# A lower-case x is stored as X; --json shows the record, masked.
expect 0 '{"index":12,"household":{"number":"330681-H-0000005","id_number":"330681********007X","name":"孙丽","village":"330681101202","members":5,"added_at":12,"erased":false,"erased_at":null}}' "" -- \
	household add --id-number 33068119881212007x --name 孙丽 --village $V2 --members 5 --json

refused 5 "quanpiao: household.add: the head of household $N1 has ID number 330681********0018 already" -- \
	household add --id-number $H1 --name 王大明 --village $V1
refused 5 "quanpiao: household.add: the head of household $N5 has ID number 330681********007X already" -- \
	household add --id-number 33068119881212007x --name 孙丽 --village $V2
refused 3 "quanpiao: household.add: unknown village 330681101299 (add it with village add)" -- \
	household add --id-number $NOBODY --name 周 --village 330681101299
refused 3 "quanpiao: household.add: unknown village 330682101201 (add it with village add)" -- \
	household add --id-number $NOBODY --name 周 --village 330682101201
refused 3 "quanpiao: --id-number: check character is '7', expected '6'" -- \
	household add --id-number 330681199009090137 --name 周 --village $V1
refused 3 "quanpiao: --village: village part 105 is not a village committee (村委会 codes are 200-399)" -- \
	household add --id-number $NOBODY --name 周 --village 330681101105
refused 3 'quanpiao: --members: "0" is not a whole number from 1 to 50' -- \
	household add --id-number $NOBODY --name 周 --village $V1 --members 0
refused 3 'quanpiao: --members: "51" is not a whole number from 1 to 50' -- \
	household add --id-number $NOBODY --name 周 --village $V1 --members 51
refused 3 'quanpiao: --members: "2x" is not a whole number from 1 to 50' -- \
	household add --id-number $NOBODY --name 周 --village $V1 --members 2x
refused 3 "quanpiao: --name: is 66 bytes long; at most 64 are allowed" -- \
	household add --id-number $NOBODY --name 一二三四五六七八九十一二三四五六七八九十一二 --village $V1
refused 2 "quanpiao: household add needs --id-number, --name and --village (see 'quanpiao household add --help')" -- \
	household add --id-number $NOBODY --name 周

# ---- homes: added in every starting state ------------------------------------------------
expect 0 "added home $U1 (在用 in_use) of household 330681-H-0000001 in $V1 (entry 13)" "" -- \
	home add --unit $U1 --village $V1 --household $H1 --land-area 120.50 --floor-area 240.00 --built 1985
expect 0 "added home $U2 (闲置 idle) of household 330681-H-0000002 in $V1 (entry 14)" "" -- \
	home add --unit $U2 --village $V1 --household $H2 --land-area 98 --status idle
expect 0 "added home $U3 (危旧 dilapidated) of household 330681-H-0000003 in $V2 (entry 15)" "" -- \
	home add --unit $U3 --village $V2 --household $H3 --land-area 150.25 --built 1962 --status dilapidated
expect 0 '{"index":16,"home":{"unit":"330681102201JC00004F00010001","parcel":"330681102201JC00004","village":"330681102201","township":"330681102","household":"330681-H-0000004","land_area":"80.00","floor_area":"160.00","built":null,"status":"idle","status_label":"闲置","added_at":16,"updated_at":16}}' "" -- \
	home add --unit $U4 --village $V3 --household $H4 --land-area 80.00 --floor-area 160 --status idle --json

# Bad and foreign unit codes, codes that are not homes.
refused 3 "quanpiao: --unit: must be 28 characters (GB/T 37346 unit code), got 27" -- \
	home add --unit 330681101201JC00005F0001000 --village $V2 --household $H5 --land-area 100
refused 3 "quanpiao: --unit: character 13 ('j') must be an upper-case letter" -- \
	home add --unit 330681101201jc00005F00010001 --village $V2 --household $H5 --land-area 100
refused 3 "quanpiao: --unit: county 330682 is not this registry's county 330681" -- \
	home add --unit 330682101201JC00005F00010001 --village $V2 --household $H5 --land-area 100
refused 3 "quanpiao: home.add: unit 330681101201JA00005F00010001 is not on a rural homestead (parcel type JC, not JA)" -- \
	home add --unit 330681101201JA00005F00010001 --village $V2 --household $H5 --land-area 100
refused 3 "quanpiao: home.add: unit 330681101201JC00005W00000000 is not a building (fixture type F, not W)" -- \
	home add --unit 330681101201JC00005W00000000 --village $V2 --household $H5 --land-area 100
# One household, one homestead.
refused 3 "quanpiao: home.add: household 330681-H-0000001 already holds a home that is in use, idle or activated (one household, one homestead: 一户一宅)" -- \
	home add --unit $U5 --village $V1 --household $H1 --land-area 100
# Villages not in the county or not registered, unknown households, a household of another village.
refused 3 "quanpiao: home.add: unknown village 330682101201 (add it with village add)" -- \
	home add --unit $U5 --village 330682101201 --household $H5 --land-area 100
refused 3 "quanpiao: home.add: unknown village 330681101299 (add it with village add)" -- \
	home add --unit $U5 --village 330681101299 --household $H5 --land-area 100
refused 3 "quanpiao: --household: no household with ID number 330681********0136 in the registry (add it with household add)" -- \
	home add --unit $U5 --village $V2 --household $NOBODY --land-area 100
refused 3 "quanpiao: home.add: the household belongs to village $V2, not $V1" -- \
	home add --unit $U5 --village $V1 --household $H5 --land-area 100
refused 3 "quanpiao: --household: check character is '7', expected '6'" -- \
	home add --unit $U5 --village $V2 --household 330681199009090137 --land-area 100
# Duplicate units, whoever claims them.
refused 5 "quanpiao: home.add: home $U1 was already added by entry 13" -- \
	home add --unit $U1 --village $V1 --household $H1 --land-area 100
refused 5 "quanpiao: home.add: home $U1 was already added by entry 13" -- \
	home add --unit $U1 --village $V2 --household $H5 --land-area 100
# Areas: more than 0, at most 100000.00 m², 2 decimals.
refused 3 "quanpiao: --land-area: 0 m² is out of range; an area is more than 0 and at most 100000.00 m²" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 0
refused 3 "quanpiao: --land-area: 0.00 m² is out of range; an area is more than 0 and at most 100000.00 m²" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 0.00
refused 3 "quanpiao: --land-area: 100000.01 m² is out of range; an area is more than 0 and at most 100000.00 m²" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 100000.01
refused 3 "quanpiao: --land-area: has 3 decimal places; at most 2 are allowed" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 120.505
refused 3 "quanpiao: --land-area: must not be negative" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area -5
refused 3 "quanpiao: --floor-area: 0 m² is out of range; an area is more than 0 and at most 100000.00 m²" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 100 --floor-area 0
refused 3 "quanpiao: --built: \"1799\" is not a whole number from 1800 to $THIS_YEAR" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 100 --built 1799
refused 3 "quanpiao: --built: \"$NEXT_YEAR\" is not a whole number from 1800 to $THIS_YEAR" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 100 --built $NEXT_YEAR
refused 3 "quanpiao: --status: a home is added in_use, idle or dilapidated, not activated" -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 100 --status activated
refused 3 'quanpiao: status: "gone" is not one of in_use, idle, activated, dilapidated, withdrawn, demolished, reclaimed' -- \
	home add --unit $U5 --village $V2 --household $H5 --land-area 100 --status gone
refused 2 "quanpiao: home add needs --unit, --village, --household and --land-area (see 'quanpiao home add --help')" -- \
	home add --unit $U5 --village $V2 --household $H5
# The registry's own checks, for entries that did not come through the CLI.
forged 3 "quanpiao: home.add: body.land_area must be an integer from 1 to 10000000" home.add \
	"{\"household\":\"$N5\",\"land_area\":0,\"status\":\"in_use\",\"unit\":\"$U5\",\"village\":\"$V2\"}"
forged 3 "quanpiao: home.add: body.land_area must be an integer from 1 to 10000000" home.add \
	"{\"household\":\"$N5\",\"land_area\":10000001,\"status\":\"in_use\",\"unit\":\"$U5\",\"village\":\"$V2\"}"
forged 3 "quanpiao: home.add: a home is added as in_use, idle or dilapidated, not activated" home.add \
	"{\"household\":\"$N5\",\"land_area\":100,\"status\":\"activated\",\"unit\":\"$U5\",\"village\":\"$V2\"}"
forged 3 "quanpiao: home.add: body.unit: county 330682 is not this registry's county 330681" home.add \
	"{\"household\":\"$N5\",\"land_area\":100,\"status\":\"in_use\",\"unit\":\"330682101201JC00005F00010001\",\"village\":\"$V2\"}"

# ---- the lifecycle -----------------------------------------------------------------------
# Illegal transitions name the allowed ones; an in-use home is not activated.
refused 3 "quanpiao: home.status: home $U1 cannot go from in_use to demolished; allowed: idle, dilapidated, withdrawn" -- \
	home status $U1 demolished
refused 3 "quanpiao: home.status: home $U1 cannot go from in_use to activated; allowed: idle, dilapidated, withdrawn" -- \
	home status $U1 activated
refused 3 'quanpiao: status: "sold" is not one of in_use, idle, activated, dilapidated, withdrawn, demolished, reclaimed' -- \
	home status $U1 sold
refused 6 "quanpiao: no home 330681101201JC00009F00010001 in the registry" -- \
	home status 330681101201JC00009F00010001 idle
refused 2 "quanpiao: home status needs a UNIT and a STATUS (see 'quanpiao home status --help')" -- home status $U1
activate() { # activate UNIT [options...]: the lease of the tests, options added or replaced
	local unit="$1"
	shift
	local investor=诸暨民宿有限公司 id=91330681MA2BXY001M start=2021-03-01 years=15 rent=24900.00 inv=1200000.00 use=homestay
	local extra=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--investor) investor="$2" ;;
		--investor-id) id="$2" ;;
		--start) start="$2" ;;
		--years) years="$2" ;;
		--rent) rent="$2" ;;
		--investment) inv="$2" ;;
		--use) use="$2" ;;
		*) extra+=("$1" "$2") ;;
		esac
		shift 2
	done
	ACTIVATE=(home activate "$unit" --investor "$investor" --investor-id "$id" --start "$start" --years "$years"
		--rent "$rent" --investment "$inv" --use "$use" "${extra[@]}")
}
activate $U1
refused 3 "quanpiao: home.activate: only idle homes can be activated; $U1 is in_use" -- "${ACTIVATE[@]}"

expect 0 "home $U1: in_use -> idle (entry 17)" "" -- home status $U1 idle --reason 外出务工
# Lease terms, investor IDs and the other values of a lease.
activate $U1 --years 21
refused 3 "quanpiao: home.activate: a lease term of 21 years is outside the policy's 1 to 20" -- "${ACTIVATE[@]}"
activate $U1 --years 0
refused 3 'quanpiao: --years: "0" is not a whole number from 1 to 100' -- "${ACTIVATE[@]}"
activate $U1 --investor-id 330681198507200128
refused 3 "quanpiao: --investor-id: check character is '8', expected '9'" -- "${ACTIVATE[@]}"
activate $U1 --investor-id 91330681MA2BXY001N
refused 3 "quanpiao: --investor-id: check character is 'N', expected 'M'" -- "${ACTIVATE[@]}"
activate $U1 --investor-id 91330681MA2BXY001
refused 3 "quanpiao: --investor-id: must be 18 characters (a unified social credit code or a resident ID number), got 17" -- \
	"${ACTIVATE[@]}"
activate $U1 --investor-id 91330681ma2bxy001m
refused 3 "quanpiao: --investor-id: character 9 ('m') must be an upper-case letter" -- "${ACTIVATE[@]}"
activate $U1 --start 2021-02-30
refused 3 "quanpiao: --start: 2021-02-30 is not a real date (day 30 does not exist in 2021-02)" -- "${ACTIVATE[@]}"
activate $U1 --use hotel
refused 3 'quanpiao: use: "hotel" is not one of homestay, culture, eldercare, rental, office, other' -- "${ACTIVATE[@]}"
activate $U1 --rent 1.005
refused 3 "quanpiao: --rent: has 3 decimal places; at most 2 are allowed" -- "${ACTIVATE[@]}"
activate $U1 --investment 1,200,000
refused 3 "quanpiao: --investment: thousands separators are not accepted (write 1200000.00)" -- "${ACTIVATE[@]}"
activate 330681101201JC00009F00010001
refused 6 "quanpiao: no home 330681101201JC00009F00010001 in the registry" -- "${ACTIVATE[@]}"
forged 3 "quanpiao: home.activate: a lease term of 0 years is outside the policy's 1 to 20" home.activate \
	"{\"investment\":0,\"investor\":\"x\",\"investor_id\":\"91330681MA2BXY001M\",\"rent\":0,\"start\":\"2021-03-01\",\"unit\":\"$U1\",\"use\":\"other\",\"years\":0}"
forged 3 "quanpiao: home.activate: body.investor_id is a person's ID number: a person investor is named by body.investor_commitment, personal data stays out of the log" home.activate \
	"{\"investment\":0,\"investor\":\"x\",\"investor_id\":\"330681198507200128\",\"rent\":0,\"start\":\"2021-03-01\",\"unit\":\"$U1\",\"use\":\"other\",\"years\":5}"

# in_use -> idle -> activated -> idle
activate $U1 --deal-no ZJ-2021-001
expect 0 "home $U1: idle -> activated (entry 18)" "" -- "${ACTIVATE[@]}"
refused 3 "quanpiao: home.activate: only idle homes can be activated; $U1 is activated" -- "${ACTIVATE[@]}"
refused 3 "quanpiao: home.status: home $U1 cannot go from activated to withdrawn; allowed: idle" -- \
	home status $U1 withdrawn
expect 0 "home $U1: activated -> idle (entry 19)" "" -- home status $U1 idle --reason 租约到期
# idle -> withdrawn -> reclaimed, and reclaimed is final
expect 0 '{"index":20,"unit":"330681101201JC00002F00010001","from":"idle","to":"withdrawn","reason":null}' "" -- \
	home status $U2 withdrawn --json
expect 0 "home $U2: withdrawn -> reclaimed (entry 21)" "" -- home status $U2 reclaimed
refused 3 "quanpiao: home.status: home $U2 cannot go from reclaimed to in_use; allowed: none (reclaimed is final)" -- \
	home status $U2 in_use
# dilapidated -> demolished -> reclaimed
refused 3 "quanpiao: home.status: home $U3 cannot go from dilapidated to idle; allowed: withdrawn, demolished" -- \
	home status $U3 idle
expect 0 "home $U3: dilapidated -> demolished (entry 22)" "" -- home status $U3 demolished
expect 0 "home $U3: demolished -> reclaimed (entry 23)" "" -- home status $U3 reclaimed
# A person as investor: the ID number is masked in the output.
activate $U4 --investor 张三 --investor-id 330681198507200129 --start 2022-07-01 --years 20 --rent 6000 --investment 50000 --use culture
expect 0 '{"index":24,"unit":"330681102201JC00004F00010001","from":"idle","to":"activated","activation":{"index":24,"unit":"330681102201JC00004F00010001","investor_type":"person","investor":"张三","investor_id":"330681********0129","start":"2022-07-01","years":20,"rent":"6000.00","investment":"50000.00","use":"culture","deal_no":null}}' "" -- \
	"${ACTIVATE[@]}" --json

# ---- corrections: the old value stays in the history, with its signer ------------------------------
expect 0 "home $U1: land_area 120.50 -> 118.00 (entry 25)" "" -- \
	home correct $U1 --field land_area --value 118.00 --reason 重新测量 --key officer2.key
expect 0 '{"index":26,"unit":"330681101201JC00002F00010001","field":"floor_area","old":null,"new":"75.50","reason":"补录"}' "" -- \
	home correct $U2 --field floor_area --value 75.50 --reason 补录 --key officer2.key --json
refused 3 "quanpiao: home.correct: land_area of $U1 is already that value" -- \
	home correct $U1 --field land_area --value 118 --reason again
refused 3 'quanpiao: --field: "owner" is not one of land_area, floor_area, built' -- \
	home correct $U1 --field owner --value 1 --reason x
refused 3 "quanpiao: --value: \"1700\" is not a whole number from 1800 to $THIS_YEAR" -- \
	home correct $U1 --field built --value 1700 --reason x
refused 3 "quanpiao: --value: 0 m² is out of range; an area is more than 0 and at most 100000.00 m²" -- \
	home correct $U1 --field land_area --value 0 --reason x
refused 2 "quanpiao: home correct needs one UNIT, --field, --value and --reason (see 'quanpiao home correct --help')" -- \
	home correct $U1 --field built --value 1990

# One household, one homestead counts live homes only: H2's home is reclaimed, so it may get another.
expect 0 "added home $U6 (在用 in_use) of household 330681-H-0000002 in $V1 (entry 27)" "" -- \
	home add --unit $U6 --village $V1 --household $H2 --land-area 110.00
refused 3 "quanpiao: home.add: household 330681-H-0000002 already holds a home that is in use, idle or activated (one household, one homestead: 一户一宅)" -- \
	home add --unit 330681101201JC00007F00010001 --village $V1 --household $H2 --land-area 110.00

# ---- home show: the home, its leases and every change with its signer ----------------------------------
unset QUANPIAO_KEY
expect_rc 0 -- home show $U1
[ "$(printf '%s\n' "$OUT" | notime)" = "单元 unit             330681101201JC00001F00010001
宗地 parcel           330681101201JC00001
村 village            330681101201 东白湖村
户 household          330681-H-0000001 330681********0018 王大明
宅基地面积 land area  118.00 m²
建筑面积 floor area   240.00 m²
建成 built            1985
状态 status           闲置 idle
登记 added            entry 13
更新 updated          entry 25

激活 activations (1)
  条目 entry  投资方 investor   证件 investor ID    起始 start  年限 years  年租金 rent  投资 investment  用途 use       合同 deal no.
          18  诸暨民宿有限公司  91330681MA2BXY001M  2021-03-01          15     24900.00       1200000.00  民宿 homestay  ZJ-2021-001

历史 history (5)
  条目 entry  时间 time             签名 signer        类型 type      变更 change
          13  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  home.add       added as in_use: land 120.50 m², village 330681101201, household 330681-H-0000001
          17  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  home.status    status in_use -> idle (外出务工)
          18  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  home.activate  status idle -> activated: leased to 诸暨民宿有限公司 from 2021-03-01 for 15 years, rent 24900.00 yuan/year, investment 1200000.00 yuan, use homestay
          19  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  home.status    status activated -> idle (租约到期)
          25  YYYY-MM-DDThh:mm:ssZ  330681.officer.wu  home.correct   corrected land_area: 120.50 -> 118.00 (重新测量)" ] ||
	fail "home show $U1 differs: $(printf '%s\n' "$OUT" | notime)"

# A person investor's ID and the household's are masked, unless --reveal (with an officer's key: issue 22).
expect_rc 0 -- home show $U4
[ "$(printf '%s\n' "$OUT" | notime)" = "单元 unit             330681102201JC00004F00010001
宗地 parcel           330681102201JC00004
村 village            330681102201 枫桥村
户 household          330681-H-0000004 330681********0047 赵秀英
宅基地面积 land area  80.00 m²
建筑面积 floor area   160.00 m²
建成 built            -
状态 status           已激活 activated
登记 added            entry 16
更新 updated          entry 24

激活 activations (1)
  条目 entry  投资方 investor  证件 investor ID    起始 start  年限 years  年租金 rent  投资 investment  用途 use      合同 deal no.
          24  张三             330681********0129  2022-07-01          20      6000.00         50000.00  文化 culture  -

历史 history (2)
  条目 entry  时间 time             签名 signer        类型 type      变更 change
          16  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  home.add       added as idle: land 80.00 m², village 330681102201, household 330681-H-0000004
          24  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  home.activate  status idle -> activated: leased to a person from 2022-07-01 for 20 years, rent 6000.00 yuan/year, investment 50000.00 yuan, use culture" ] ||
	fail "home show $U4 differs: $(printf '%s\n' "$OUT" | notime)"
expect_rc 0 -- home show $U4 --reveal --key officer.key
contains "$OUT" "户 household          330681-H-0000004 330681195505050047 赵秀英"
contains "$OUT" "          24  张三             330681198507200129  2022-07-01"

# --json: the home, its village and household, leases and history (a correction from "none").
expect_rc 0 -- home show $U2 --json
[ "$(printf '%s\n' "$OUT" | notime)" = '{"home":{"unit":"330681101201JC00002F00010001","parcel":"330681101201JC00002","village":"330681101201","township":"330681101","household":"330681-H-0000002","land_area":"98.00","floor_area":"75.50","built":null,"status":"reclaimed","status_label":"已复垦","added_at":14,"updated_at":26},"village":{"code":"330681101201","name":"东白湖村","township":"330681101","uscc":"N2330681MA2B3C4D5A","added_at":5,"updated_at":5},"household":{"number":"330681-H-0000002","id_number":"330681********0024","name":"李小红","village":"330681101201","members":3,"added_at":9,"erased":false,"erased_at":null},"activations":[],"history":[{"index":14,"time":"YYYY-MM-DDThh:mm:ssZ","signer":"330681.officer.li","type":"home.add","summary":"added as idle: land 98.00 m², village 330681101201, household 330681-H-0000002"},{"index":20,"time":"YYYY-MM-DDThh:mm:ssZ","signer":"330681.officer.li","type":"home.status","summary":"status idle -> withdrawn"},{"index":21,"time":"YYYY-MM-DDThh:mm:ssZ","signer":"330681.officer.li","type":"home.status","summary":"status withdrawn -> reclaimed"},{"index":26,"time":"YYYY-MM-DDThh:mm:ssZ","signer":"330681.officer.wu","type":"home.correct","summary":"corrected floor_area: (none) -> 75.50 (补录)"}]}' ] ||
	fail "home show $U2 --json differs: $(printf '%s\n' "$OUT" | notime)"
# The history's times are the entries' own.
T25=$("$QP" log entries --json --start 25 --end 26 | grep -o '"time":"[^"]*"')
expect_rc 0 -- home show $U1 --json
contains "$OUT" "{\"index\":25,$T25,\"signer\":\"330681.officer.wu\",\"type\":\"home.correct\",\"summary\":\"corrected land_area: 120.50 -> 118.00 (重新测量)\"}"
expect 6 "" "quanpiao: no home 330681101201JC00009F00010001 in the registry" -- home show 330681101201JC00009F00010001
expect 3 "" "quanpiao: UNIT: county 330682 is not this registry's county 330681" -- home show 330682101201JC00001F00010001

# ---- home list: filters, pagination, masking -----------------------------------------------------------
HOMES_HEADER="单元 unit                     村 village    户 household      状态 status       宅基地 land m²  建筑 floor m²  建成 built"
expect 0 "$HOMES_HEADER
330681101201JC00001F00010001  330681101201  330681-H-0000001  闲置 idle                 118.00         240.00        1985
330681101201JC00002F00010001  330681101201  330681-H-0000002  已复垦 reclaimed           98.00          75.50           -
330681101201JC00006F00010001  330681101201  330681-H-0000002  在用 in_use               110.00              -           -
330681101202JC00003F00010001  330681101202  330681-H-0000003  已复垦 reclaimed          150.25              -        1962
330681102201JC00004F00010001  330681102201  330681-H-0000004  已激活 activated           80.00         160.00           -" "" -- home list
expect 0 "$HOMES_HEADER
330681101201JC00001F00010001  330681101201  330681-H-0000001  闲置 idle                 118.00         240.00        1985
330681101201JC00002F00010001  330681101201  330681-H-0000002  已复垦 reclaimed           98.00          75.50           -
330681101201JC00006F00010001  330681101201  330681-H-0000002  在用 in_use               110.00              -           -" "" -- \
	home list --village $V1
expect 0 "单元 unit                     村 village    户 household      状态 status  宅基地 land m²  建筑 floor m²  建成 built
330681101201JC00001F00010001  330681101201  330681-H-0000001  闲置 idle            118.00         240.00        1985" "" -- \
	home list --status idle --reveal --key officer.key
expect 0 "$HOMES_HEADER
330681101201JC00002F00010001  330681101201  330681-H-0000002  已复垦 reclaimed           98.00          75.50           -
330681101202JC00003F00010001  330681101202  330681-H-0000003  已复垦 reclaimed          150.25              -        1962" "" -- \
	home list --status reclaimed
expect 0 "单元 unit                     村 village    户 household      状态 status       宅基地 land m²  建筑 floor m²  建成 built
330681101201JC00002F00010001  330681101201  330681-H-0000002  已复垦 reclaimed           98.00          75.50           -" "" -- \
	home list --village $V1 --status reclaimed
expect 0 "单元 unit  村 village  户 household  状态 status  宅基地 land m²  建筑 floor m²  建成 built" "" -- \
	home list --village $V2 --status idle
# Pages of 2 within the township: each page names the next --after; the last does not.
expect 0 "$HOMES_HEADER
330681101201JC00001F00010001  330681101201  330681-H-0000001  闲置 idle                 118.00         240.00        1985
330681101201JC00002F00010001  330681101201  330681-H-0000002  已复垦 reclaimed           98.00          75.50           -
more: --after 330681101201JC00002F00010001" "" -- home list --township 330681101 --limit 2
expect 0 "$HOMES_HEADER
330681101201JC00006F00010001  330681101201  330681-H-0000002  在用 in_use               110.00              -           -
330681101202JC00003F00010001  330681101202  330681-H-0000003  已复垦 reclaimed          150.25              -        1962" "" -- \
	home list --township 330681101 --limit 2 --after 330681101201JC00002F00010001
expect 0 '{"homes":[{"unit":"330681101202JC00003F00010001","parcel":"330681101202JC00003","village":"330681101202","township":"330681101","household":"330681-H-0000003","land_area":"150.25","floor_area":null,"built":1962,"status":"reclaimed","status_label":"已复垦","added_at":15,"updated_at":23}],"more":true,"next":"330681101202JC00003F00010001"}' "" -- \
	home list --limit 1 --after $U6 --json
expect 0 '{"homes":[{"unit":"330681102201JC00004F00010001","parcel":"330681102201JC00004","village":"330681102201","township":"330681102","household":"330681-H-0000004","land_area":"80.00","floor_area":"160.00","built":null,"status":"activated","status_label":"已激活","added_at":16,"updated_at":24}],"more":false,"next":null}' "" -- \
	home list --limit 1 --after $U3 --json
expect 0 '{"homes":[{"unit":"330681101201JC00002F00010001","parcel":"330681101201JC00002","village":"330681101201","township":"330681101","household":"330681-H-0000002","land_area":"98.00","floor_area":"75.50","built":null,"status":"reclaimed","status_label":"已复垦","added_at":14,"updated_at":26},{"unit":"330681101201JC00006F00010001","parcel":"330681101201JC00006","village":"330681101201","township":"330681101","household":"330681-H-0000002","land_area":"110.00","floor_area":null,"built":null,"status":"in_use","status_label":"在用","added_at":27,"updated_at":27}],"more":false,"next":null}' "" -- \
	home list --household $H2 --json --reveal --key officer.key
refused 2 "quanpiao: give one of --village, --township and --household, not more (see 'quanpiao home list --help')" -- \
	home list --village $V1 --township 330681101
refused 3 'quanpiao: --limit: "0" is not a whole number from 1 to 1000000' -- home list --limit 0
refused 3 "quanpiao: --after: must be 28 characters (GB/T 37346 unit code), got 3" -- home list --after abc
refused 3 'quanpiao: status: "lost" is not one of in_use, idle, activated, dilapidated, withdrawn, demolished, reclaimed' -- \
	home list --status lost

# ---- households: list, pages, show ----------------------------------------------------------------------
# Listed by registry number; ID numbers masked unless --reveal; --after takes a number (or an ID number).
HH_HEADER="户号 number       身份证号 ID number  户主 name  村 village    人口 members  条目 entry"
expect 0 "$HH_HEADER
$N1  330681********0018  王大明     330681101201             4           8
$N2  330681********0024  李小红     330681101201             3           9
$N3  330681********0035  陈国强     330681101202             1          10
$N4  330681********0047  赵秀英     330681102201             2          11
$N5  330681********007X  孙丽       330681101202             5          12" "" -- household list
expect 0 "$HH_HEADER
$N3  330681********0035  陈国强     330681101202             1          10
$N5  330681********007X  孙丽       330681101202             5          12" "" -- household list --village $V2
expect 0 "$HH_HEADER
$N1  330681196503120018  王大明     330681101201             4           8
$N2  330681197001010024  李小红     330681101201             3           9
more: --after $N2" "" -- household list --limit 2 --reveal --key officer.key
expect 0 "$HH_HEADER
$N1  330681********0018  王大明     330681101201             4           8
$N2  330681********0024  李小红     330681101201             3           9
more: --after $N2" "" -- household list --limit 2
expect 0 '{"households":[{"number":"330681-H-0000002","id_number":"330681********0024","name":"李小红","village":"330681101201","members":3,"added_at":9,"erased":false,"erased_at":null},{"number":"330681-H-0000003","id_number":"330681********0035","name":"陈国强","village":"330681101202","members":1,"added_at":10,"erased":false,"erased_at":null}],"more":true,"next":"330681-H-0000003"}' "" -- \
	household list --limit 2 --after $N1 --json
expect 0 '{"households":[{"number":"330681-H-0000004","id_number":"330681195505050047","name":"赵秀英","village":"330681102201","members":2,"added_at":11,"erased":false,"erased_at":null},{"number":"330681-H-0000005","id_number":"33068119881212007X","name":"孙丽","village":"330681101202","members":5,"added_at":12,"erased":false,"erased_at":null}],"more":false,"next":null}' "" -- \
	household list --limit 2 --after $H3 --json --reveal --key officer.key
refused 3 "quanpiao: --after: characters 7-9 must be -H- (a household number is like 330681-H-0000001)" -- \
	household list --after 330681-X-0000001

SHOW_H2="户号 household      $N2
身份证号 ID number  330681********0024
户主 name           李小红
村 village          330681101201 东白湖村
人口 members        3
登记 entry          9

农房 homes (2)
  单元 unit                     村 village    户 household      状态 status       宅基地 land m²  建筑 floor m²  建成 built
  330681101201JC00002F00010001  330681101201  $N2  已复垦 reclaimed           98.00          75.50           -
  330681101201JC00006F00010001  330681101201  $N2  在用 in_use               110.00              -           -

权票 certificates (0)"
# By the head's ID number or by the household's number: the same household.
expect 0 "$SHOW_H2" "" -- household show $H2
expect 0 "$SHOW_H2" "" -- household show $N2
expect 0 "户号 household      $N5
身份证号 ID number  33068119881212007X
户主 name           孙丽
村 village          330681101202 斯宅村
人口 members        5
登记 entry          12

农房 homes (0)

权票 certificates (0)" "" -- household show 33068119881212007x --reveal --key officer.key
expect 0 '{"household":{"number":"330681-H-0000002","id_number":"330681197001010024","name":"李小红","village":"330681101201","members":3,"added_at":9,"erased":false,"erased_at":null},"village":{"code":"330681101201","name":"东白湖村","township":"330681101","uscc":"N2330681MA2B3C4D5A","added_at":5,"updated_at":5},"homes":[{"unit":"330681101201JC00002F00010001","parcel":"330681101201JC00002","village":"330681101201","township":"330681101","household":"330681-H-0000002","land_area":"98.00","floor_area":"75.50","built":null,"status":"reclaimed","status_label":"已复垦","added_at":14,"updated_at":26},{"unit":"330681101201JC00006F00010001","parcel":"330681101201JC00006","village":"330681101201","township":"330681101","household":"330681-H-0000002","land_area":"110.00","floor_area":null,"built":null,"status":"in_use","status_label":"在用","added_at":27,"updated_at":27}],"certificates":[]}' "" -- \
	household show $H2 --reveal --key officer.key --json
expect 6 "" "quanpiao: household: no household with ID number 330681********0136 in the registry (add it with household add)" -- \
	household show $NOBODY
expect 6 "" "quanpiao: no household 330681-H-0000099 in the registry" -- household show 330681-H-0000099
expect 3 "" "quanpiao: household: check character is '7', expected '6'" -- household show 330681199009090137
expect 3 "" "quanpiao: household: the sequence 0000000 is never given; households are numbered from 0000001" -- \
	household show 330681-H-0000000
expect 3 "" "quanpiao: household: must be a household number (330681-H-0000001, 16 characters) or the resident ID number of its head (18 characters), got 6 characters" -- \
	household show 330681

# ---- village correct ------------------------------------------------------------------------------------
# A name or a credit code set right, with the reason; the code never changes; refusals leave no trace.
export QUANPIAO_KEY=officer.key
expect 0 "village $V2: name 斯宅村 -> 斯宅村村委会 (entry 28)" "" -- \
	village correct $V2 --name 斯宅村村委会 --reason "诸暨市民政局 2026-3 号文"
expect 0 '{"index":29,"code":"330681101202","old":{"name":"斯宅村村委会","uscc":null},"new":{"name":"斯宅村","uscc":"N2330681MA2B3C4E5B"},"reason":"更正"}' "" -- \
	village correct $V2 --name 斯宅村 --uscc N2330681MA2B3C4E5B --reason 更正 --json
expect 0 '{"villages":[{"code":"330681101201","name":"东白湖村","township":"330681101","uscc":"N2330681MA2B3C4D5A","added_at":5,"updated_at":5},{"code":"330681101202","name":"斯宅村","township":"330681101","uscc":"N2330681MA2B3C4E5B","added_at":6,"updated_at":29}]}' "" -- \
	village list --township 330681101 --json
refused 3 "quanpiao: village.correct: village $V2 already has that name" -- village correct $V2 --name 斯宅村 --reason x
refused 3 "quanpiao: village.correct: village $V2 already has that name and credit code" -- \
	village correct $V2 --name 斯宅村 --uscc N2330681MA2B3C4E5B --reason x
refused 6 "quanpiao: no village 330681101399 in the registry" -- village correct 330681101399 --name x --reason x
refused 2 "quanpiao: village correct needs one CODE, --name or --uscc (or both), and --reason (see 'quanpiao village correct --help')" -- \
	village correct $V2 --reason x
refused 2 "quanpiao: village correct needs one CODE, --name or --uscc (or both), and --reason (see 'quanpiao village correct --help')" -- \
	village correct $V2 --name x
refused 3 "quanpiao: --reason: must not be empty" -- village correct $V2 --name x --reason ""
refused 3 "quanpiao: --name: U+000A (a control character) is not allowed" -- village correct $V2 --name $'a\nb' --reason x
refused 3 "quanpiao: --uscc: a village collective economic organisation's code starts with N2, not 91" -- \
	village correct $V2 --uscc 91330681MA2BXY001M --reason x
refused 3 "quanpiao: CODE: village part 105 is not a village committee (村委会 codes are 200-399)" -- \
	village correct 330681101105 --name x --reason x
refused 4 "quanpiao: key 330681.authority has role authority; village.correct entries must be signed by an officer key" -- \
	village correct $V2 --name x --reason x --key auth.key
# What the CLI checks, the registry checks too.
forged 3 "quanpiao: village.correct: body.name or body.uscc (or both) must be given" village.correct "{\"code\":\"$V2\",\"reason\":\"x\"}"
forged 3 "quanpiao: village.correct: body.reason is missing" village.correct "{\"code\":\"$V2\",\"name\":\"x\"}"
forged 3 "quanpiao: village.correct: unknown member body.township" village.correct "{\"code\":\"$V2\",\"name\":\"x\",\"reason\":\"x\",\"township\":\"330681101\"}"
forged 6 "quanpiao: village.correct: no village 330681101399 in the registry" village.correct '{"code":"330681101399","name":"x","reason":"x"}'
# The audit replays corrections; a name changed in the table behind the log's back is found.
expect_rc 0 -- log sign --key log.key
expect_rc 0 -- audit --keep kept
cp r.db renamed.db
sqlite3 renamed.db "UPDATE villages SET name = '假村' WHERE code = '$V2'"
expect_rc 1 -- --db renamed.db audit
contains "$OUT" "PROBLEM villages row $V2: name: stored 假村, the log says 斯宅村"
# ... and so does an incremental audit, once a later correction makes the row new since its checkpoint.
expect_rc 0 -- village correct $V3 --name 枫桥村委 --reason x
expect_rc 0 -- log sign --key log.key
sqlite3 r.db "UPDATE villages SET name = '假村' WHERE code = '$V3'"
expect_rc 1 -- audit --since kept/checkpoint
contains "$OUT" "PROBLEM villages row $V3: name: stored 假村, the log says 枫桥村委"
sqlite3 r.db "UPDATE villages SET name = '枫桥村委' WHERE code = '$V3'"
expect_rc 0 -- audit

# ---- the log holds exactly the accepted entries ---------------------------------------------------------
expect_rc 0 -- log entries --json
[ "$(printf '%s' "$OUT" | grep -o '"index":' | wc -l)" = 31 ] || fail "the log should hold 31 entries"

# ---- personal data: beside the log, never in it; household erase ---------------------------------------
# lacks HAYSTACK NEEDLE : fail if NEEDLE occurs in HAYSTACK.
lacks() {
	CHECKS=$((CHECKS + 1))
	case "$1" in
	*"$2"*) fail "output contains: $2" ;;
	esac
}
# The signed household.add names the household by number and carries a commitment: no ID number, no name.
expect_rc 0 -- log entry --index 8
contains "$OUT" '"type":"household.add"'
contains "$OUT" '"number":"330681-H-0000001"'
contains "$OUT" '"commitment":"'
for leak in $H1 330681196503120018 王大明 '"id_number"' '"name"'; do lacks "$OUT" "$leak"; done
# A person investor's lease commits to the investor's ID number and name, which stay beside the log.
expect_rc 0 -- log entry --index 24
contains "$OUT" '"investor_commitment":"'
for leak in 330681198507200129 张三 '"investor_id"' '"investor"'; do lacks "$OUT" "$leak"; done
# Neither does a home.add that was given the head's ID number: it names the number.
expect_rc 0 -- log entry --index 13
contains "$OUT" '"household":"330681-H-0000001"'
lacks "$OUT" 330681196503120018
# A forged household.add with the ID number and name in the clear is refused by the rules.
export QUANPIAO_KEY=officer.key
forged 3 "quanpiao: household.add: unknown member body.id_number" household.add \
	"{\"id_number\":\"$NOBODY\",\"members\":1,\"name\":\"周\",\"number\":\"330681-H-0000006\",\"village\":\"$V1\"}"
# ... and so is a household named by an ID number in a signed body.
forged 3 "quanpiao: home.add: body.household names a household by its registry number (330681-H-0000001), not by an ID number: personal data stays out of the log" home.add \
	"{\"household\":\"$H5\",\"land_area\":100,\"status\":\"in_use\",\"unit\":\"$U5\",\"village\":\"$V2\"}"
# A home given its household's number.
expect 0 "added home $U5 (危旧 dilapidated) of household $N5 in $V2 (entry 31)" "" -- \
	home add --unit $U5 --village $V2 --household $N5 --land-area 60 --status dilapidated
refused 3 "quanpiao: home.add: body.household: unknown household 330681-H-0000099 (add it with household add)" -- \
	home add --unit 330681101202JC00008F00010001 --village $V2 --household 330681-H-0000099 --land-area 60
refused 3 "quanpiao: --household: characters 7-9 must be -H- (a household number is like 330681-H-0000001)" -- \
	home add --unit 330681101202JC00008F00010001 --village $V2 --household 330681-h-0000005 --land-area 60
expect 0 "$HOMES_HEADER
330681101201JC00005F00010001  330681101202  $N5  危旧 dilapidated           60.00              -           -" "" -- \
	home list --household $N5

# Erase: refused while the household holds a home in use, idle or activated (H1's is idle).
refused 5 "quanpiao: household.erase: household $N1 still holds 0 live or frozen certificate(s) and 1 home(s) in use, idle or activated; its personal data is erased once it holds none" -- \
	household erase $H1 --reason "PIPL art. 47 request"
refused 2 "quanpiao: household erase needs one household (its number or its head's ID number) and --reason (see 'quanpiao household erase --help')" -- \
	household erase $H3
refused 3 "quanpiao: --reason: must not be empty" -- household erase $H3 --reason ""
refused 4 "quanpiao: key 330681.authority has role authority; household.erase entries must be signed by an officer key" -- \
	household erase $H3 --reason x --key auth.key
refused 3 "quanpiao: household: no household with ID number 330681********0136 in the registry (add it with household add)" -- \
	household erase $NOBODY --reason x
refused 3 "quanpiao: household.erase: body.household: unknown household 330681-H-0000099 (add it with household add)" -- \
	household erase 330681-H-0000099 --reason x
# H3 holds only a reclaimed home: its ID number and name are erased, by its head's ID number.
expect 0 "erased the personal data of household $N3 (entry 32)" "" -- \
	household erase $H3 --reason "PIPL art. 47 request of 2026-12-01"
expect 0 "户号 household      $N3
身份证号 ID number  已删除 erased by entry 32
户主 name           已删除 erased by entry 32
村 village          330681101202 斯宅村
人口 members        1
登记 entry          10

农房 homes (1)
  单元 unit                     村 village    户 household      状态 status       宅基地 land m²  建筑 floor m²  建成 built
  330681101202JC00003F00010001  330681101202  $N3  已复垦 reclaimed          150.25              -        1962

权票 certificates (0)" "" -- household show $N3 --reveal
expect_rc 0 -- household show $N3 --json
contains "$OUT" '{"household":{"number":"330681-H-0000003","id_number":null,"name":null,"village":"330681101202","members":1,"added_at":10,"erased":true,"erased_at":32}'
expect 0 "户号 number       身份证号 ID number         户主 name                  村 village    人口 members  条目 entry
$N3  已删除 erased by entry 32  已删除 erased by entry 32  330681101202             1          10
$N5  330681********007X         孙丽                       330681101202             5          12" "" -- household list --village $V2
# It is found by its number only, and erased once.
expect 6 "" "quanpiao: household: no household with ID number 330681********0035 in the registry (add it with household add)" -- \
	household show $H3
refused 3 "quanpiao: household.erase: body.household: household $N3 was erased by entry 32" -- \
	household erase $N3 --reason again
refused 3 "quanpiao: home.add: body.household: household $N3 was erased by entry 32" -- \
	home add --unit 330681101202JC00008F00010001 --village $V2 --household $N3 --land-area 60
# The entry names the number and the reason; nothing in the file holds the erased data; the audit is clean.
expect_rc 0 -- log entry --index 32
contains "$OUT" '"body":{"household":"330681-H-0000003","reason":"PIPL art. 47 request of 2026-12-01"}'
sqlite3 r.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
for leak in 330681198012310035 陈国强; do
	CHECKS=$((CHECKS + 1))
	! grep -q "$leak" r.db || fail "r.db still holds $leak after the erase"
done
expect_rc 0 -- audit
contains "$OUT" "no problems"

# ---- help -----------------------------------------------------------------------------------------------
for c in "village add" "village list" "village correct" "household add" "household list" "household show" "household erase" "home add" \
	"home status" "home activate" "home correct" "home list" "home show"; do
	# shellcheck disable=SC2086
	expect_rc 0 -- $c --help
	contains "$OUT" "usage: quanpiao [global options] $c"
	contains "$OUT" "Exit status: 0 ok"
done
expect_rc 0 -- home --help
contains "$OUT" "  activate     lease an idle home to an investor (officer key)"
expect_rc 0 -- --help
contains "$OUT" "  household show           show a household, its homes and its certificates"
contains "$OUT" "  household erase          erase a household's personal data from the registry file (officer key)"
expect_rc 0 -- household erase --help
contains "$OUT" "What is erased: the head's ID number and name and the salt of their commitment"
