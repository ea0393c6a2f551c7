# Rights certificates (权票) through their whole life, and the policy that
# rules them (sourced by run.sh): every rule refused with its exit status and
# without a trace in the registry, the three kinds issued, transferred in part
# and in full, redeemed, frozen, revoked and expired, and what show, list,
# history, stats, household show and policy show print.
#
# A refused command must leave the registry byte-identical: `refused` compares
# `sqlite3 r.db .dump` before and after.  An expired certificate needs an issue
# dated years ago, which the CLI never signs: QP_FORGE signs it.
#
# Identifiers and certificate numbers ($G1 = 330681-$Y-G-000001 ...) hold no
# blanks or glob characters, so they are passed unquoted, as in test_homes.sh.
# shellcheck disable=SC2086,SC2206
FORGE="${QP_FORGE:?QP_FORGE must name the qp_forge test tool}"
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
ORIGIN=zhuji.example/quanpiao
Y=$(date -u +%Y)
TODAY=$(date -u +%Y-%m-%d)
# A retention certificate's default validity: 10 years (29 February becomes 28 February).
in_years() {
	local md
	md=$(date -u +%m-%d)
	[ "$md" = 02-29 ] && md=02-28
	echo "$(($(date -u +%Y) + $1))-$md"
}

dump() { sqlite3 r.db .dump; }

# refused EXIT STDERR -- ARGS... : exact stderr and exit status, nothing on
# stdout, and not a byte of the registry changed.
refused() {
	local want_rc="$1" want_err="$2" before
	shift 2
	before=$(dump)
	expect "$want_rc" "" "$want_err" "$@"
	[ "$(dump)" = "$before" ] || fail "a refused command changed the registry"
}

setup() { # setup ARGS... : a write that must succeed
	CONTEXT="quanpiao $*"
	CHECKS=$((CHECKS + 1))
	run "$@"
	[ "$RC" = 0 ] || fail "setup step failed"
}

# Times in the history differ from run to run; show them as a placeholder of the same width.
notime() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/YYYY-MM-DDThh:mm:ssZ/g'; }

# ---- a registry: two villages, five households, homes in the states each basis needs ----------
for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li officer2:330681.officer.wu; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
export QUANPIAO_DB=r.db
expect 0 "enrolled 330681.officer.li as officer (entry 3)" "" -- key enroll --role officer --vkey officer.key.vkey --key auth.key
expect 0 "enrolled 330681.officer.wu as officer (entry 4)" "" -- key enroll --role officer --vkey officer2.key.vkey --key auth.key
export QUANPIAO_KEY=officer.key

V1=330681101201 V2=330681101202
H1=330681196503120018 H2=330681197001010024 H3=330681198012310035 H4=330681195505050047 H5=33068119881212007X
M1='330681********0018' M2='330681********0024' M3='330681********0035' M4='330681********0047' M5='330681********007X'
# Households' registry numbers (setup adds them in this order): certificates are held by number.
N1=330681-H-0000001 N2=330681-H-0000002 N3=330681-H-0000003 N4=330681-H-0000004 N5=330681-H-0000005
U1=330681101201JC00001F00010001 U2=330681101201JC00002F00010001 U3=330681101202JC00003F00010001
U4=330681101201JC00004F00010001
NOBODY=330681199009090136 ENTERPRISE=91330681MA2BXY001M
setup village add --code $V1 --name 东白湖村 --uscc N2330681MA2B3C4D5A # 5
setup village add --code $V2 --name 斯宅村                            # 6
setup household add --id-number $H1 --name 王大明 --village $V1        # 7
setup household add --id-number $H2 --name 李小红 --village $V1        # 8
setup household add --id-number $H3 --name 陈国强 --village $V2        # 9
setup household add --id-number $H4 --name 赵秀英 --village $V1        # 10: qualified, no home
setup household add --id-number $H5 --name 孙丽 --village $V1          # 11
setup home add --unit $U1 --village $V1 --household $H1 --land-area 200.00                      # 12
setup home add --unit $U2 --village $V1 --household $H2 --land-area 100.00 --status dilapidated # 13
setup home add --unit $U3 --village $V2 --household $H3 --land-area 150.00                      # 14
setup home add --unit $U4 --village $V1 --household $H5 --land-area 120.00 --status dilapidated # 15
setup home status $U1 withdrawn  # 16: a guarantee on withdrawal
setup home status $U2 demolished # 17: a retention certificate on demolition
setup home status $U3 withdrawn  # 18
setup home status $U3 reclaimed  # 19: a collective certificate on reclamation
G1=330681-$Y-G-000001 G2=330681-$Y-G-000002 G3=330681-$Y-G-000003 G4=330681-$Y-G-000004
G5=330681-$Y-G-000005 R1=330681-$Y-R-000001 R2=330681-$Y-R-000002 R3=330681-$Y-R-000003
C1=330681-$Y-C-000001 C2=330681-$Y-C-000002 C3=330681-$Y-C-000003 C4=330681-$Y-C-000004

# ---- cert issue: options checked before anything is signed -------------------------------------
ISSUE_G1=(cert issue --kind guarantee --holder $H1 --area 120.00 --home $U1 --basis withdrawal)
refused 2 "quanpiao: a signing key is needed: give --key FILE or set QUANPIAO_KEY" -- \
	"${ISSUE_G1[@]}" --key ""
refused 2 "quanpiao: cert issue needs --kind, --holder, --area and --basis (see 'quanpiao cert issue --help')" -- \
	cert issue --kind guarantee --holder $H1 --area 120.00
refused 2 "quanpiao: cert issue takes no arguments (see 'quanpiao cert issue --help')" -- "${ISSUE_G1[@]}" extra
refused 3 'quanpiao: --kind: "villa" is not one of guarantee, retention, collective' -- \
	cert issue --kind villa --holder $H1 --area 120 --home $U1 --basis withdrawal
refused 3 'quanpiao: --basis: "sale" is not one of withdrawal, entitlement, demolition, reclamation, legacy' -- \
	cert issue --kind guarantee --holder $H1 --area 120 --home $U1 --basis sale
refused 2 "quanpiao: --basis entitlement is for a household without a home: give no --home (see 'quanpiao cert issue --help')" -- \
	cert issue --kind guarantee --holder $H4 --area 90 --home $U1 --basis entitlement
refused 2 "quanpiao: --basis withdrawal needs --home UNIT (the home the certificate comes from) (see 'quanpiao cert issue --help')" -- \
	cert issue --kind guarantee --holder $H1 --area 120 --basis withdrawal
refused 2 "quanpiao: --legacy-no goes with --basis legacy, and only with it (see 'quanpiao cert issue --help')" -- \
	cert issue --kind retention --holder $H5 --area 60 --home $U4 --basis legacy
refused 2 "quanpiao: --legacy-no goes with --basis legacy, and only with it (see 'quanpiao cert issue --help')" -- \
	"${ISSUE_G1[@]}" --legacy-no X-1
refused 3 "quanpiao: --holder: must be a household (its number, 330681-H-0000001, or its head's resident ID number, 18 characters), a village code (12 digits) or an enterprise's unified social credit code (18 characters), got 17 characters" -- \
	cert issue --kind guarantee --holder 33068119650312001 --area 120 --home $U1 --basis withdrawal
refused 3 "quanpiao: --holder: check character is '7', expected '6'" -- \
	cert issue --kind guarantee --holder 330681199009090137 --area 120 --home $U1 --basis withdrawal
refused 3 "quanpiao: --holder: village part 105 is not a village committee (村委会 codes are 200-399)" -- \
	cert issue --kind collective --holder 330681101105 --area 150 --home $U3 --basis reclamation
refused 3 "quanpiao: --holder: check character is 'N', expected 'M'" -- \
	cert issue --kind collective --holder 91330681MA2BXY001N --area 150 --home $U3 --basis reclamation
refused 3 "quanpiao: --area: 0 m² is out of range; an area is more than 0 and at most 100000.00 m²" -- \
	cert issue --kind guarantee --holder $H1 --area 0 --home $U1 --basis withdrawal
refused 3 "quanpiao: --area: 100000.01 m² is out of range; an area is more than 0 and at most 100000.00 m²" -- \
	cert issue --kind collective --holder $V2 --area 100000.01 --home $U3 --basis reclamation
refused 3 "quanpiao: --area: has 3 decimal places; at most 2 are allowed" -- \
	cert issue --kind guarantee --holder $H1 --area 120.005 --home $U1 --basis withdrawal
refused 3 "quanpiao: --home: must be 28 characters (GB/T 37346 unit code), got 27" -- \
	cert issue --kind guarantee --holder $H1 --area 120 --home 330681101201JC00001F0001000 --basis withdrawal
refused 3 "quanpiao: --home: county 330682 is not this registry's county 330681" -- \
	cert issue --kind guarantee --holder $H1 --area 120 --home 330682101201JC00001F00010001 --basis withdrawal
refused 3 "quanpiao: --valid-until: 2027-02-30 is not a real date (day 30 does not exist in 2027-02)" -- \
	"${ISSUE_G1[@]}" --valid-until 2027-02-30
refused 3 "quanpiao: --legacy-no: U+0009 (a control character) is not allowed" -- \
	cert issue --kind retention --holder $H5 --area 60 --home $U4 --basis legacy --legacy-no $'a\tb'
expect 3 '{"error":{"message":"--kind: \"villa\" is not one of guarantee, retention, collective","reason":"input rejected","exit":3}}' \
	'quanpiao: --kind: "villa" is not one of guarantee, retention, collective' -- \
	cert issue --kind villa --holder $H1 --area 120 --home $U1 --basis withdrawal --json

# ---- the three kinds issued, and a legacy record ------------------------------------------------
expect 0 "issued $G1 浙($Y)诸暨市保障权票第000001号: 120.00 m² to $N1 (entry 20)" "" -- "${ISSUE_G1[@]}"
expect 0 '{"index":21,"certificates":[{"id":"'"$R1"'","display_number":"浙('"$Y"')诸暨市保留权票第000001号","kind":"retention","kind_label":"保留权票","holder":"'"$N2"'","holder_type":"household","area":"80.00","home":"'"$U2"'","basis":"demolition","state":"live","state_label":"有效","parent":null,"root":"'"$R1"'","issued_on":"'"$TODAY"'","valid_until":"'"$(in_years 10)"'","legacy_no":null,"created_at":21,"ended_at":null,"ended_by":null,"reason":null}]}' "" -- \
	cert issue --kind retention --holder $H2 --area 80 --home $U2 --basis demolition --json
expect 0 "issued $C1 浙($Y)诸暨市集体权票第000001号: 150.00 m² to $V2 (entry 22)" "" -- \
	cert issue --kind collective --holder $V2 --area 150.00 --home $U3 --basis reclamation
expect 0 "issued $G2 浙($Y)诸暨市保障权票第000002号: 90.00 m² to $N4 (entry 23)" "" -- \
	cert issue --kind guarantee --holder $H4 --area 90.00 --basis entitlement
# A record of the old system keeps its number; its home's state is history, not checked.
expect 0 "issued $R2 浙($Y)诸暨市保留权票第000002号: 60.00 m² to $N5 (entry 24)" "" -- \
	cert issue --kind retention --holder 33068119881212007x --area 60 --home $U4 --basis legacy \
	--legacy-no 诸暨危房权益-2015-0031 --valid-until 2030-12-31 --key officer2.key

# ---- cert issue: the registry's rules -------------------------------------------------------------
# Who holds each kind.
refused 3 "quanpiao: cert.issue: a collective certificate is held by a collective, not a household" -- \
	cert issue --kind collective --holder $H3 --area 10 --home $U3 --basis reclamation
refused 3 "quanpiao: cert.issue: a guarantee certificate is held by a household, not a collective" -- \
	cert issue --kind guarantee --holder $V1 --area 10 --home $U1 --basis withdrawal
refused 3 "quanpiao: cert.issue: a guarantee certificate is held by a household, not an enterprise" -- \
	cert issue --kind guarantee --holder $ENTERPRISE --area 10 --home $U1 --basis withdrawal
refused 3 "quanpiao: cert.issue: a retention certificate is held by a household, not a collective" -- \
	cert issue --kind retention --holder $V1 --area 10 --home $U2 --basis demolition
refused 3 "quanpiao: cert.issue: body.holder: a village collective holds certificates by its village code, not N2330681MA2B3C4D5A" -- \
	cert issue --kind collective --holder N2330681MA2B3C4D5A --area 10 --home $U3 --basis reclamation
refused 3 "quanpiao: cert.issue: home $U1 belongs to $N1; a guarantee certificate from it goes to its household" -- \
	cert issue --kind guarantee --holder $H2 --area 10 --home $U1 --basis withdrawal
refused 3 "quanpiao: cert.issue: home $U3 belongs to $V2; a collective certificate from it goes to its village" -- \
	cert issue --kind collective --holder $V1 --area 10 --home $U3 --basis reclamation
refused 3 "quanpiao: --holder: no household with ID number 330681********0136 in the registry (add it with household add)" -- \
	cert issue --kind guarantee --holder $NOBODY --area 10 --basis entitlement
refused 3 "quanpiao: cert.issue: unknown home 330681101201JC00009F00010001" -- \
	cert issue --kind guarantee --holder $H1 --area 10 --home 330681101201JC00009F00010001 --basis withdrawal
# The basis must match the kind and the home's state.
refused 3 "quanpiao: cert.issue: a retention certificate is issued on demolition, legacy, not withdrawal" -- \
	cert issue --kind retention --holder $H1 --area 10 --home $U1 --basis withdrawal
refused 3 "quanpiao: cert.issue: basis withdrawal needs a home that is withdrawn (or reclaimed after withdrawal); $U2 is demolished" -- \
	cert issue --kind guarantee --holder $H2 --area 10 --home $U2 --basis withdrawal
refused 3 "quanpiao: cert.issue: basis demolition needs a home that is demolished (or reclaimed after demolition); $U4 is dilapidated" -- \
	cert issue --kind retention --holder $H5 --area 10 --home $U4 --basis demolition
refused 3 "quanpiao: cert.issue: basis reclamation needs a home that is reclaimed; $U1 is withdrawn" -- \
	cert issue --kind collective --holder $V1 --area 10 --home $U1 --basis reclamation
# The policy's largest certificate, the per-home cap, one entitlement per household.
refused 3 "quanpiao: cert.issue: 160.01 m² is over the policy's 160.00 m² per guarantee certificate" -- \
	cert issue --kind guarantee --holder $H4 --area 160.01 --basis entitlement
refused 3 "quanpiao: cert.issue: 80.01 m² more would exceed home $U1's land area of 200.00 m² (120.00 m² of guarantee issued and not revoked)" -- \
	cert issue --kind guarantee --holder $H1 --area 80.01 --home $U1 --basis withdrawal
refused 3 "quanpiao: cert.issue: 0.01 m² more would exceed home $U3's land area of 150.00 m² (150.00 m² of collective issued and not revoked)" -- \
	cert issue --kind collective --holder $V2 --area 0.01 --home $U3 --basis reclamation
refused 3 "quanpiao: cert.issue: 60.01 m² more would exceed home $U4's land area of 120.00 m² (60.00 m² of retention issued and not revoked)" -- \
	cert issue --kind retention --holder $H5 --area 60.01 --home $U4 --basis legacy --legacy-no 诸暨危房权益-2015-0032
refused 5 "quanpiao: cert.issue: the household already received guarantee $G2 (on entitlement); a household is guaranteed one homestead" -- \
	cert issue --kind guarantee --holder $H4 --area 10 --basis entitlement
refused 5 "quanpiao: cert.issue: the household already received guarantee $G1 (on withdrawal); a household is guaranteed one homestead" -- \
	cert issue --kind guarantee --holder $H1 --area 10 --basis entitlement
refused 5 "quanpiao: cert.issue: legacy number 诸暨危房权益-2015-0031 is already in the registry" -- \
	cert issue --kind retention --holder $H5 --area 10 --home $U4 --basis legacy --legacy-no 诸暨危房权益-2015-0031
refused 3 "quanpiao: cert.issue: valid_until 2020-01-01 is before the issue date $TODAY" -- \
	cert issue --kind retention --holder $H2 --area 10 --home $U2 --basis demolition --valid-until 2020-01-01
refused 4 "quanpiao: key 330681.authority has role authority; cert.issue entries must be signed by an officer key" -- \
	"${ISSUE_G1[@]}" --key auth.key

# ---- cert transfer: a partial transfer creates two certificates, area conserved ----------------
expect 0 "transferred 50.00 m² of $G1 by 转让 sale (entry 25)
  $G3  浙($Y)诸暨市保障权票第000003号  50.00 m²  $N2  转让 sale
  $G4  浙($Y)诸暨市保障权票第000004号  70.00 m²  $N1  剩余 remainder" "" -- \
	cert transfer $G1 --to $H2 --area 50.00
refused 5 "quanpiao: cert.transfer: certificate $G1 is already spent (by entry 25)" -- cert transfer $G1 --to $H5
# The cap counts what a home issued, spent or live: the transfer freed nothing.
refused 3 "quanpiao: cert.issue: 80.01 m² more would exceed home $U1's land area of 200.00 m² (120.00 m² of guarantee issued and not revoked)" -- \
	cert issue --kind guarantee --holder $H1 --area 80.01 --home $U1 --basis withdrawal
# Who may receive each kind, under the default policy.
refused 3 "quanpiao: cert.transfer: a guarantee certificate goes only to a household of the same village ($V1, not $V2)" -- \
	cert transfer $G4 --to $H3
refused 3 "quanpiao: cert.transfer: a guarantee certificate goes only to a household, not a collective" -- \
	cert transfer $G4 --to $V1
refused 3 "quanpiao: cert.transfer: a guarantee certificate goes only to a household, not an enterprise" -- \
	cert transfer $G4 --to $ENTERPRISE --basis exchange
refused 3 "quanpiao: cert.transfer: the certificate already belongs to that holder" -- cert transfer $G4 --to $H1
refused 3 "quanpiao: cert.transfer: 70.01 m² is more than the certificate's 70.00 m²" -- \
	cert transfer $G4 --to $H5 --area 70.01
refused 3 "quanpiao: cert.transfer: a retention certificate passes only by inheritance, not by sale" -- \
	cert transfer $R1 --to $H5
refused 3 "quanpiao: cert.transfer: a retention certificate passes only by inheritance, not by exchange" -- \
	cert transfer $R1 --to $H5 --basis exchange
refused 3 "quanpiao: cert.transfer: a retention certificate passes only to a household" -- \
	cert transfer $R1 --to $V1 --basis inheritance
refused 3 "quanpiao: cert.transfer: a collective certificate goes to another collective or an enterprise, not a person" -- \
	cert transfer $C1 --to $H1
refused 3 "quanpiao: --to: no household with ID number 330681********0136 in the registry (add it with household add)" -- cert transfer $G4 --to $NOBODY
refused 3 "quanpiao: cert.transfer: body.to: unknown village 330681101299" -- cert transfer $C1 --to 330681101299
# Options and numbers.
refused 6 "quanpiao: no certificate 330681-$Y-G-000099 in the registry" -- cert transfer 330681-$Y-G-000099 --to $H5
refused 3 'quanpiao: CERT: "330681-2026-X-000001" is not a certificate number like 330681-2026-G-000123' -- \
	cert transfer 330681-2026-X-000001 --to $H5
refused 3 'quanpiao: --basis: "gift" is not one of sale, inheritance, exchange' -- cert transfer $G4 --to $H5 --basis gift
refused 3 "quanpiao: --to: check character is '7', expected '6'" -- cert transfer $G4 --to 330681199009090137
refused 3 "quanpiao: --area: 0.00 m² is out of range; an area is more than 0 and at most 100000.00 m²" -- \
	cert transfer $G4 --to $H5 --area 0.00
refused 2 "quanpiao: cert transfer needs one CERT and --to HOLDER (see 'quanpiao cert transfer --help')" -- cert transfer $G4
refused 2 "quanpiao: cert transfer needs one CERT and --to HOLDER (see 'quanpiao cert transfer --help')" -- \
	cert transfer --to $H5

# A retention certificate passes by inheritance, whole.
expect 0 '{"index":26,"cert":"'"$R1"'","area":"80.00","basis":"inheritance","certificates":[{"id":"'"$R3"'","display_number":"浙('"$Y"')诸暨市保留权票第000003号","kind":"retention","kind_label":"保留权票","holder":"'"$N5"'","holder_type":"household","area":"80.00","home":"'"$U2"'","basis":"inheritance","state":"live","state_label":"有效","parent":"'"$R1"'","root":"'"$R1"'","issued_on":"'"$TODAY"'","valid_until":"'"$(in_years 10)"'","legacy_no":null,"created_at":26,"ended_at":null,"ended_by":null,"reason":null}]}' "" -- \
	cert transfer $R1 --to $H5 --basis inheritance --json
# A collective certificate goes to an enterprise (in part) and to another collective.
expect 0 "transferred 100.00 m² of $C1 by 互换 exchange (entry 27)
  $C2  浙($Y)诸暨市集体权票第000002号  100.00 m²  $ENTERPRISE  互换 exchange
  $C3  浙($Y)诸暨市集体权票第000003号   50.00 m²  $V2        剩余 remainder" "" -- \
	cert transfer $C1 --to $ENTERPRISE --area 100 --basis exchange
expect 0 "transferred 50.00 m² of $C3 by 转让 sale (entry 28)
  $C4  浙($Y)诸暨市集体权票第000004号  50.00 m²  $V1  转让 sale" "" -- cert transfer $C3 --to $V1 --key officer2.key

# ---- cert redeem ---------------------------------------------------------------------------------
expect 0 "redeemed 30.00 m² of $G3 for 安置房 resettlement (entry 29)
  $G5  浙($Y)诸暨市保障权票第000005号  20.00 m²  $N2  剩余 remainder" "" -- \
	cert redeem $G3 --area 30.00 --purpose resettlement --note "诸暨市安置房 2026-017"
refused 5 "quanpiao: cert.redeem: certificate $G3 is already spent (by entry 29)" -- \
	cert redeem $G3 --area 1 --purpose subsidy --note again
# What it was redeemed for is shown where a freeze or revocation shows its reason.
expect_rc 0 -- cert show $G3
contains "$OUT" "兑现 redeemed         30.00 m² for 安置房 resettlement (entry 29)"
contains "$OUT" "说明 note             诸暨市安置房 2026-017"
case "$OUT" in *"原因 reason"*) fail "a redeemed certificate shows a reason row" ;; esac
expect_rc 0 -- cert show $G3 --json
contains "$OUT" '"redemption":{"index":29,"area":"30.00","purpose":"resettlement","note":"诸暨市安置房 2026-017"}'
refused 3 "quanpiao: cert.redeem: 20.01 m² is more than the certificate's 20.00 m²" -- \
	cert redeem $G5 --area 20.01 --purpose subsidy --note x
refused 3 "quanpiao: cert.redeem: a guarantee certificate is redeemed for homestead, resettlement, subsidy, not rebuild" -- \
	cert redeem $G5 --area 20 --purpose rebuild --note x
refused 3 "quanpiao: cert.redeem: a collective certificate is redeemed for quota, not homestead" -- \
	cert redeem $C4 --area 20 --purpose homestead --note x
refused 3 'quanpiao: --purpose: "hotel" is not one of resettlement, subsidy, homestead, rebuild, quota' -- \
	cert redeem $G5 --area 20 --purpose hotel --note x
refused 3 "quanpiao: --note: must not be empty" -- cert redeem $G5 --area 20 --purpose subsidy --note ""
refused 3 "quanpiao: --area: must not be negative" -- cert redeem $G5 --area -1 --purpose subsidy --note x
refused 2 "quanpiao: cert redeem needs one CERT, --area, --purpose and --note (see 'quanpiao cert redeem --help')" -- \
	cert redeem $G5 --area 20 --purpose subsidy
# The whole of a certificate: no remainder.
expect 0 '{"index":30,"cert":"'"$R3"'","area":"80.00","purpose":"rebuild","note":"原址重建 诸自然资规〔2026〕12号","certificates":[]}' "" -- \
	cert redeem $R3 --area 80 --purpose rebuild --note "原址重建 诸自然资规〔2026〕12号" --json

# ---- freeze, unfreeze, revoke -----------------------------------------------------------------------
expect 0 "certificate $G4: live -> frozen (entry 31)" "" -- cert freeze $G4 --reason "诸暨市人民法院(2026)浙0681执123号"
refused 5 "quanpiao: cert.transfer: certificate $G4 is frozen (诸暨市人民法院(2026)浙0681执123号); unfreeze it first" -- \
	cert transfer $G4 --to $H5
refused 5 "quanpiao: cert.redeem: certificate $G4 is frozen (诸暨市人民法院(2026)浙0681执123号); unfreeze it first" -- \
	cert redeem $G4 --area 10 --purpose subsidy --note x
refused 5 "quanpiao: cert.freeze: certificate $G4 is frozen, not live" -- cert freeze $G4 --reason again
refused 2 "quanpiao: cert freeze needs one CERT and --reason (see 'quanpiao cert freeze --help')" -- cert freeze $G4
expect 0 '{"index":32,"cert":"'"$G4"'","from":"frozen","to":"live","reason":null}' "" -- cert unfreeze $G4 --json
refused 5 "quanpiao: cert.unfreeze: certificate $G4 is live, not frozen" -- cert unfreeze $G4
expect 0 "certificate $G5: live -> revoked (entry 33)" "" -- cert revoke $G5 --reason 重复登记
refused 5 "quanpiao: cert.transfer: certificate $G5 is already revoked (by entry 33)" -- cert transfer $G5 --to $H5
refused 5 "quanpiao: cert.redeem: certificate $G5 is already revoked (by entry 33)" -- \
	cert redeem $G5 --area 1 --purpose subsidy --note x
refused 5 "quanpiao: cert.revoke: certificate $G5 is already revoked (by entry 33)" -- cert revoke $G5 --reason again
refused 5 "quanpiao: cert.freeze: certificate $G5 is revoked, not live" -- cert freeze $G5 --reason x
refused 5 "quanpiao: cert.revoke: certificate $G3 is already spent (by entry 29)" -- cert revoke $G3 --reason x
refused 2 "quanpiao: cert revoke needs one CERT and --reason (see 'quanpiao cert revoke --help')" -- cert revoke $G5
refused 3 "quanpiao: --reason: must not be empty" -- cert revoke $G4 --reason ""
# A revoked certificate's area no longer counts against its home's cap (120.00 issued, 20.00 revoked).
refused 3 "quanpiao: cert.issue: 100.01 m² more would exceed home $U1's land area of 200.00 m² (100.00 m² of guarantee issued and not revoked)" -- \
	cert issue --kind guarantee --holder $H1 --area 100.01 --home $U1 --basis withdrawal
# A frozen certificate can be revoked.
expect 0 "certificate $C2: live -> frozen (entry 34)" "" -- cert freeze $C2 --reason 异议登记
expect 0 '{"index":35,"cert":"'"$C2"'","from":"frozen","to":"revoked","reason":"异议成立，权票作废"}' "" -- \
	cert revoke $C2 --reason 异议成立，权票作废 --json

# ---- no certificate issued in the past: an entry dated back is refused (signed by qp_forge) --------------
# Issued "in 2018, valid until 2019-03-01", it would be expired, numbered 330681-2018-...: the log's
# time forbids it (exit 3).  Expiry itself: tests/test_certs.c, with the library's clock.
X1=330681-2018-R-000001
"$FORGE" officer.key $ORIGIN cert.issue 2018-03-01T09:00:00Z \
	"{\"area\":1000,\"basis\":\"demolition\",\"holder\":\"$H2\",\"home\":\"$U2\",\"id\":\"$X1\",\"kind\":\"retention\",\"valid_until\":\"2019-03-01\"}" \
	>old.note || fail "qp_forge cert.issue"
expect_rc 3 -- log append old.note
contains "$ERR" "quanpiao: entry time 2018-03-01T09:00:00Z is before the log's time $TODAY"
contains "$ERR" "minus the allowed skew of 300 s (policy time_skew_seconds): an entry may not be dated back"
refused 6 "quanpiao: no certificate $X1 in the registry" -- cert transfer $X1 --to $H5 --basis inheritance
# Entry 36: an auditor enrolled (the entries after it keep their numbers).
"$QP" key generate --name 330681.auditor.zhou --out auditor.key --unencrypted >/dev/null 2>&1 || fail "key generate auditor"
expect 0 "enrolled 330681.auditor.zhou as auditor (entry 36)" "" -- key enroll --role auditor --vkey auditor.key.vkey --key auth.key

# ---- cert show: state (expired shown as such), holder masked unless --reveal, parent and children ----
unset QUANPIAO_KEY
# A spent certificate: the entry that spent it, and the two it created.
W=$(cat <<EOF
编号 certificate      330681-$Y-G-000001
证号 display number   浙($Y)诸暨市保障权票第000001号
种类 kind             保障权票 guarantee
状态 state            已使用 spent
持有人 holder         330681-H-0000001 (农户 household)
面积 area             120.00 m²
农房 home             330681101201JC00001F00010001
依据 basis            退出 withdrawal
发证 issued on        $TODAY (entry 20)
有效期至 valid until  -
上级 parent           -
源头 root             330681-$Y-G-000001
原编号 legacy number  -
终止 ended            entry 25 (transfer)
原因 reason           -

下级 children (2)
  编号 certificate      种类 kind           持有人 holder     面积 area m²  状态 state    依据 basis      农房 home                     发证 issued
  330681-$Y-G-000003  保障权票 guarantee  330681-H-0000002         50.00  已使用 spent  转让 sale       330681101201JC00001F00010001  $TODAY
  330681-$Y-G-000004  保障权票 guarantee  330681-H-0000001         70.00  有效 live     剩余 remainder  330681101201JC00001F00010001  $TODAY
EOF
)
expect 0 "$W" "" -- cert show $G1
# A legacy record keeps its old number and the validity it was given.
W=$(cat <<EOF
编号 certificate      330681-$Y-R-000002
证号 display number   浙($Y)诸暨市保留权票第000002号
种类 kind             保留权票 retention
状态 state            有效 live
持有人 holder         330681-H-0000005 (农户 household)
面积 area             60.00 m²
农房 home             330681101201JC00004F00010001
依据 basis            历史 legacy
发证 issued on        $TODAY (entry 24)
有效期至 valid until  2030-12-31
上级 parent           -
源头 root             330681-$Y-R-000002
原编号 legacy number  诸暨危房权益-2015-0031
终止 ended            -
原因 reason           -

下级 children (0)
EOF
)
expect 0 "$W" "" -- cert show $R2
# A revoked certificate keeps its reason; an enterprise's credit code is never masked.
W=$(cat <<EOF
{"certificate":{"id":"330681-$Y-C-000002","display_number":"浙($Y)诸暨市集体权票第000002号","kind":"collective","kind_label":"集体权票","holder":"91330681MA2BXY001M","holder_type":"enterprise","area":"100.00","home":"330681101202JC00003F00010001","basis":"exchange","state":"revoked","state_label":"已注销","parent":"330681-$Y-C-000001","root":"330681-$Y-C-000001","issued_on":"$TODAY","valid_until":null,"legacy_no":null,"created_at":27,"ended_at":35,"ended_by":"revoke","reason":"异议成立，权票作废"},"children":[]}
EOF
)
expect 0 "$W" "" -- cert show $C2 --json

# ---- cert list: by number, filters combine, pages -------------------------------------------------------
# Every certificate ever created, spent ones too; areas of live, frozen, redeemed and revoked ones add up.
W=$(cat <<EOF
编号 certificate      种类 kind            持有人 holder       面积 area m²  状态 state      依据 basis        农房 home                     发证 issued
330681-$Y-C-000001  集体权票 collective  330681101202              150.00  已使用 spent    复垦 reclamation  330681101202JC00003F00010001  $TODAY
330681-$Y-C-000002  集体权票 collective  91330681MA2BXY001M        100.00  已注销 revoked  互换 exchange     330681101202JC00003F00010001  $TODAY
330681-$Y-C-000003  集体权票 collective  330681101202               50.00  已使用 spent    剩余 remainder    330681101202JC00003F00010001  $TODAY
330681-$Y-C-000004  集体权票 collective  330681101201               50.00  有效 live       转让 sale         330681101202JC00003F00010001  $TODAY
330681-$Y-G-000001  保障权票 guarantee   330681-H-0000001          120.00  已使用 spent    退出 withdrawal   330681101201JC00001F00010001  $TODAY
330681-$Y-G-000002  保障权票 guarantee   330681-H-0000004           90.00  有效 live       资格 entitlement  -                             $TODAY
330681-$Y-G-000003  保障权票 guarantee   330681-H-0000002           50.00  已使用 spent    转让 sale         330681101201JC00001F00010001  $TODAY
330681-$Y-G-000004  保障权票 guarantee   330681-H-0000001           70.00  有效 live       剩余 remainder    330681101201JC00001F00010001  $TODAY
330681-$Y-G-000005  保障权票 guarantee   330681-H-0000002           20.00  已注销 revoked  剩余 remainder    330681101201JC00001F00010001  $TODAY
330681-$Y-R-000001  保留权票 retention   330681-H-0000002           80.00  已使用 spent    拆除 demolition   330681101201JC00002F00010001  $TODAY
330681-$Y-R-000002  保留权票 retention   330681-H-0000005           60.00  有效 live       历史 legacy       330681101201JC00004F00010001  $TODAY
330681-$Y-R-000003  保留权票 retention   330681-H-0000005           80.00  已使用 spent    继承 inheritance  330681101201JC00002F00010001  $TODAY
EOF
)
expect 0 "$W" "" -- cert list
W=$(cat <<EOF
编号 certificate      种类 kind           持有人 holder     面积 area m²  状态 state      依据 basis       农房 home                     发证 issued
330681-$Y-G-000003  保障权票 guarantee  330681-H-0000002         50.00  已使用 spent    转让 sale        330681101201JC00001F00010001  $TODAY
330681-$Y-G-000005  保障权票 guarantee  330681-H-0000002         20.00  已注销 revoked  剩余 remainder   330681101201JC00001F00010001  $TODAY
330681-$Y-R-000001  保留权票 retention  330681-H-0000002         80.00  已使用 spent    拆除 demolition  330681101201JC00002F00010001  $TODAY
EOF
)
expect 0 "$W" "" -- cert list --holder $H2 --reveal --key officer.key
# An ID number copied from a list is masked: the message says so and how to see it in full.
MASKED="330681********0024"
MASK_HINT="is masked, as lists show ID numbers; lists and show commands print them in full with --reveal, e.g. 'quanpiao household list --reveal' (officers only: it is personal data)"
refused 3 "quanpiao: --holder: $MASKED $MASK_HINT" -- cert list --holder $MASKED
refused 3 "quanpiao: --to: $MASKED $MASK_HINT" -- cert transfer 330681-$Y-G-000001 --to $MASKED
refused 3 "quanpiao: household: $MASKED $MASK_HINT" -- household show $MASKED
refused 3 "quanpiao: --household: $MASKED $MASK_HINT" -- home list --household $MASKED
W=$(cat <<EOF
编号 certificate      种类 kind            持有人 holder  面积 area m²  状态 state  依据 basis  农房 home                     发证 issued
330681-$Y-C-000004  集体权票 collective  330681101201          50.00  有效 live   转让 sale   330681101202JC00003F00010001  $TODAY
EOF
)
expect 0 "$W" "" -- cert list --kind collective --state live
W=$(cat <<EOF
编号 certificate      种类 kind           持有人 holder     面积 area m²  状态 state    依据 basis       农房 home                     发证 issued
330681-$Y-G-000001  保障权票 guarantee  330681-H-0000001        120.00  已使用 spent  退出 withdrawal  330681101201JC00001F00010001  $TODAY
330681-$Y-G-000003  保障权票 guarantee  330681-H-0000002         50.00  已使用 spent  转让 sale        330681101201JC00001F00010001  $TODAY
EOF
)
expect 0 "$W" "" -- cert list --state spent --home $U1
W=$(cat <<EOF
编号 certificate      种类 kind           持有人 holder     面积 area m²  状态 state    依据 basis        农房 home                     发证 issued
330681-$Y-G-000001  保障权票 guarantee  330681-H-0000001        120.00  已使用 spent  退出 withdrawal   330681101201JC00001F00010001  $TODAY
330681-$Y-G-000002  保障权票 guarantee  330681-H-0000004         90.00  有效 live     资格 entitlement  -                             $TODAY
more: --after 330681-$Y-G-000002
EOF
)
expect 0 "$W" "" -- cert list --limit 2 --kind guarantee
W=$(cat <<EOF
{"certificates":[{"id":"330681-$Y-G-000003","display_number":"浙($Y)诸暨市保障权票第000003号","kind":"guarantee","kind_label":"保障权票","holder":"330681-H-0000002","holder_type":"household","area":"50.00","home":"330681101201JC00001F00010001","basis":"sale","state":"spent","state_label":"已使用","parent":"330681-$Y-G-000001","root":"330681-$Y-G-000001","issued_on":"$TODAY","valid_until":null,"legacy_no":null,"created_at":25,"ended_at":29,"ended_by":"redeem","reason":null},{"id":"330681-$Y-G-000004","display_number":"浙($Y)诸暨市保障权票第000004号","kind":"guarantee","kind_label":"保障权票","holder":"330681-H-0000001","holder_type":"household","area":"70.00","home":"330681101201JC00001F00010001","basis":"remainder","state":"live","state_label":"有效","parent":"330681-$Y-G-000001","root":"330681-$Y-G-000001","issued_on":"$TODAY","valid_until":null,"legacy_no":null,"created_at":25,"ended_at":null,"ended_by":null,"reason":null}],"more":true,"next":"330681-$Y-G-000004"}
EOF
)
expect 0 "$W" "" -- cert list --limit 2 --kind guarantee --after $G2 --json
W=$(cat <<EOF
{"certificates":[],"more":false,"next":null}
EOF
)
expect 0 "$W" "" -- cert list --state expired --json

# ---- household show lists the certificates it holds or held ------------------------------------------
W=$(cat <<EOF
户号 household      $N5
身份证号 ID number  330681********007X
户主 name           孙丽
村 village          330681101201 东白湖村
人口 members        1
登记 entry          11

农房 homes (1)
  单元 unit                     村 village    户 household      状态 status       宅基地 land m²  建筑 floor m²  建成 built
  330681101201JC00004F00010001  330681101201  $N5  危旧 dilapidated          120.00              -           -

权票 certificates (2)
  编号 certificate      种类 kind           持有人 holder     面积 area m²  状态 state    依据 basis        农房 home                     发证 issued
  330681-$Y-R-000002  保留权票 retention  330681-H-0000005         60.00  有效 live     历史 legacy       330681101201JC00004F00010001  $TODAY
  330681-$Y-R-000003  保留权票 retention  330681-H-0000005         80.00  已使用 spent  继承 inheritance  330681101201JC00002F00010001  $TODAY
EOF
)
expect 0 "$W" "" -- household show $H5

# ---- cert history: the whole tree from the issue of its root, with signers ---------------------------
W=$(cat <<EOF
条目 entry  时间 time             签名 signer        证书 certificate      类型 type      变更 change
        20  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000001  cert.issue     issued 120.00 m² to 330681-H-0000001, basis withdrawal, from home 330681101201JC00001F00010001
        25  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000001  cert.transfer  transferred 50.00 m² to 330681-H-0000002 by sale as 330681-$Y-G-000003, remainder 330681-$Y-G-000004
        25  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000003  cert.transfer  created from 330681-$Y-G-000001: 50.00 m² to 330681-H-0000002 by sale
        25  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000004  cert.transfer  created from 330681-$Y-G-000001: remainder 70.00 m² kept by 330681-H-0000001
        29  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000003  cert.redeem    redeemed 30.00 m² for resettlement (诸暨市安置房 2026-017), remainder 330681-$Y-G-000005
        29  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000005  cert.redeem    created from 330681-$Y-G-000003: remainder 20.00 m² after redemption
        31  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000004  cert.freeze    frozen (诸暨市人民法院(2026)浙0681执123号)
        32  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000004  cert.unfreeze  unfrozen
        33  YYYY-MM-DDThh:mm:ssZ  330681.officer.li  330681-$Y-G-000005  cert.revoke    revoked (重复登记)
EOF
)
expect_rc 0 -- cert history $G5
[ "$(printf '%s\n' "$OUT" | notime)" = "$W" ] || fail "cert history differs; expected: $W"
expect_rc 0 -- cert history $G3 --json
[ "$(printf '%s' "$OUT" | grep -o '"type":"cert.transfer","cert":"'"$G3"'"' | wc -l)" = 1 ] ||
	fail "the history should hold one transfer creating $G3"
contains "$OUT" '{"cert":"'"$G3"'","root":"'"$G1"'","history":[{"index":20,"time":"'"$TODAY"'T'
# Reading: numbers, filters and values checked, naming the option.
refused 6 "quanpiao: no certificate 330681-$Y-C-000099 in the registry" -- cert show 330681-$Y-C-000099
refused 6 "quanpiao: no certificate 330681-$Y-C-000099 in the registry" -- cert history 330681-$Y-C-000099
refused 3 'quanpiao: CERT: "330681-2026-G-00001" is not a certificate number like 330681-2026-G-000123' -- \
	cert show 330681-2026-G-00001
refused 3 'quanpiao: CERT: "g1" is not a certificate number like 330681-2026-G-000123' -- cert history g1
refused 2 "quanpiao: cert show needs one CERT (see 'quanpiao cert show --help')" -- cert show
refused 3 'quanpiao: --state: "gone" is not one of live, spent, frozen, revoked, expired' -- cert list --state gone
refused 3 'quanpiao: --kind: "land" is not one of guarantee, retention, collective' -- cert list --kind land
refused 3 'quanpiao: --limit: "0" is not a whole number from 1 to 1000000' -- cert list --limit 0
refused 3 'quanpiao: --after: "G-1" is not a certificate number like 330681-2026-G-000123' -- cert list --after G-1
refused 3 "quanpiao: --holder: must be a household (its number, 330681-H-0000001, or its head's resident ID number, 18 characters), a village code (12 digits) or an enterprise's unified social credit code (18 characters), got 6 characters" -- \
	cert list --holder 330681
refused 3 "quanpiao: --home: county 330682 is not this registry's county 330681" -- \
	cert list --home 330682101201JC00001F00010001
expect 0 "编号 certificate  种类 kind  持有人 holder  面积 area m²  状态 state  依据 basis  农房 home  发证 issued" "" -- \
	cert list --state frozen
expect 0 '{"certificates":[],"more":false,"next":null}' "" -- cert list --holder $H3 --json

# ---- stats: certificates by kind and state, with their area -------------------------------------------
export QUANPIAO_KEY=officer.key
expect 0 "certificate $G2: live -> frozen (entry 37)" "" -- cert freeze $G2 --reason 资格复核
# live G4 70 + (G2 frozen 90); spent G1 120 + G3 50; revoked G5 20 ... expired: none (tests/test_certs.c).
expect_rc 0 -- stats
contains "$OUT" "

权票 certificates
  状态 state      保障权票 guarantee      m²  保留权票 retention      m²  集体权票 collective      m²
  有效 live                        1   70.00                   1   60.00                    1   50.00
  已使用 spent                     2  170.00                   2  160.00                    2  200.00
  冻结 frozen                      1   90.00                   0    0.00                    0    0.00
  已注销 revoked                   1   20.00                   0    0.00                    1  100.00
  已过期 expired                   0    0.00                   0    0.00                    0    0.00"
# By place: certificates of the village's homes (a guarantee on entitlement: its holder's village).
expect_rc 0 -- stats --village $V2 --json
contains "$OUT" ',"certificates":{"guarantee":{"live":{"count":0,"area":"0.00"},"spent":{"count":0,"area":"0.00"},"frozen":{"count":0,"area":"0.00"},"revoked":{"count":0,"area":"0.00"},"expired":{"count":0,"area":"0.00"}},"retention":{"live":{"count":0,"area":"0.00"},"spent":{"count":0,"area":"0.00"},"frozen":{"count":0,"area":"0.00"},"revoked":{"count":0,"area":"0.00"},"expired":{"count":0,"area":"0.00"}},"collective":{"live":{"count":1,"area":"50.00"},"spent":{"count":2,"area":"200.00"},"frozen":{"count":0,"area":"0.00"},"revoked":{"count":1,"area":"100.00"},"expired":{"count":0,"area":"0.00"}}}}'
expect_rc 0 -- stats --township 330681101 --json
contains "$OUT" ',"certificates":{"guarantee":{"live":{"count":1,"area":"70.00"},"spent":{"count":2,"area":"170.00"},"frozen":{"count":1,"area":"90.00"},"revoked":{"count":1,"area":"20.00"},"expired":{"count":0,"area":"0.00"}},"retention":{"live":{"count":1,"area":"60.00"},"spent":{"count":2,"area":"160.00"},"frozen":{"count":0,"area":"0.00"},"revoked":{"count":0,"area":"0.00"},"expired":{"count":0,"area":"0.00"}},"collective":'

# ---- policy show ---------------------------------------------------------------------------------------
DEFAULT_POLICY='{"activation":{"max_years":20,"min_years":1},"kinds":{"collective":{"max_area":0,"redeem":["quota"],"transfer":"collective_or_enterprise","validity_years":0},"guarantee":{"max_area":16000,"redeem":["homestead","resettlement","subsidy"],"transfer":"same_village","validity_years":0},"retention":{"max_area":16000,"redeem":["rebuild"],"transfer":"inheritance_only","validity_years":10}},"one_household_one_home":true,"per_home_cap":true,"time_skew_seconds":300}'
expect 0 "政策 policy in force since entry 2

种类 kind            单证上限 max area  转让 transfer                        兑付 redeem for                   有效期 validity
保障权票 guarantee           160.00 m²  同村农户 same_village                homestead, resettlement, subsidy  无 none
保留权票 retention           160.00 m²  仅继承 inheritance_only              rebuild                           10 年 years
集体权票 collective            无 none  集体或企业 collective_or_enterprise  quota                             无 none

激活租期 lease term               1 to 20 years
一户一宅 one household, one home  on
每宅上限 per-home cap             on
时间容差 time skew                300 s" "" -- policy show
expect 0 '{"since":2,"params":'"$DEFAULT_POLICY"'}' "" -- policy show --json
refused 2 "quanpiao: policy show takes no arguments (see 'quanpiao policy show --help')" -- policy show all

# ---- policy set: only the authority; values checked naming the option ------------------------------------
refused 4 "quanpiao: key 330681.officer.li has role officer; policy.set entries must be signed by an authority key" -- \
	policy set --guarantee-max-area 100.00
export QUANPIAO_KEY=auth.key
refused 2 "quanpiao: policy set needs --file or an option for each parameter to change (see 'quanpiao policy set --help')" -- \
	policy set
refused 2 "quanpiao: policy set takes no arguments (see 'quanpiao policy set --help')" -- policy set --per-home-cap on all
refused 3 "quanpiao: --guarantee-max-area: has 3 decimal places; at most 2 are allowed" -- \
	policy set --guarantee-max-area 1.005
refused 3 "quanpiao: --guarantee-max-area: 100000.01 m² is more than 100000.00 m²" -- \
	policy set --guarantee-max-area 100000.01
refused 3 'quanpiao: --retention-transfer: "gift" is not one of same_village, inheritance_only, collective_or_enterprise, none' -- \
	policy set --retention-transfer gift
refused 3 "quanpiao: --guarantee-redeem: subsidy is listed twice" -- policy set --guarantee-redeem subsidy,subsidy
refused 3 'quanpiao: --guarantee-redeem: "villa" is not one of resettlement, subsidy, homestead, rebuild, quota' -- \
	policy set --guarantee-redeem subsidy,villa
refused 3 'quanpiao: --retention-validity-years: "101" is not a whole number from 0 to 100' -- \
	policy set --retention-validity-years 101
refused 3 'quanpiao: --lease-max-years: "0" is not a whole number from 1 to 70' -- policy set --lease-max-years 0
refused 3 "quanpiao: --lease-min-years: 30 years is longer than --lease-max-years, 20 years" -- \
	policy set --lease-min-years 30
refused 3 'quanpiao: --per-home-cap: "maybe" is not on or off' -- policy set --per-home-cap maybe
refused 3 "quanpiao: policy set: the policy in force (entry 2) already has these parameters" -- \
	policy set --guarantee-max-area 160 --per-home-cap on
echo '{"kinds":{}}' >partial.json
refused 3 'quanpiao: policy: params lacks the parameter "activation"' -- policy set --file partial.json
echo 'not json' >bad.json
refused 3 "quanpiao: --file: bad.json does not hold a JSON object of policy parameters" -- policy set --file bad.json
refused 6 "quanpiao: missing.json: No such file or directory" -- policy set --file missing.json

# The authority changes two parameters; they apply to later entries only.
expect 0 "policy set (entry 38); it applies to the entries after it
  kinds.guarantee.max_area        160.00 m²  ->  100.00 m²
  kinds.retention.validity_years  10         ->  8" "" -- \
	policy set --guarantee-max-area 100.00 --retention-validity-years 8
export QUANPIAO_KEY=officer.key
refused 3 "quanpiao: cert.issue: 100.01 m² is over the policy's 100.00 m² per guarantee certificate" -- \
	cert issue --kind guarantee --holder $H1 --area 100.01 --home $U1 --basis withdrawal
R4=330681-$Y-R-000004
expect 0 "issued $R4 浙($Y)诸暨市保留权票第000004号: 5.00 m² to $N2 (entry 39)" "" -- \
	cert issue --kind retention --holder $H2 --area 5 --home $U2 --basis demolition
expect_rc 0 -- cert show $R4 --json
contains "$OUT" '"valid_until":"'"$(in_years 8)"'"'
expect_rc 0 -- cert show $R1 --json
contains "$OUT" '"valid_until":"'"$(in_years 10)"'"'
# The certificates issued under the old maximum stay as they were.
expect_rc 0 -- cert show $G1 --json
contains "$OUT" '"area":"120.00"'

# policy show --json, edited, is a --file for policy set.
export QUANPIAO_KEY=auth.key
expect_rc 0 -- policy show --json
printf '%s\n' "$OUT" | sed 's/"max_area":10000/"max_area":16000/' >policy.json
expect 0 "policy set (entry 40); it applies to the entries after it
  kinds.guarantee.max_area  100.00 m²  ->  160.00 m²" "" -- policy set --file policy.json
expect 0 '{"index":41,"changes":[{"param":"kinds.collective.redeem","old":["quota"],"new":["quota","homestead"]},{"param":"kinds.guarantee.max_area","old":16000,"new":0},{"param":"one_household_one_home","old":true,"new":false}],"params":{"activation":{"max_years":20,"min_years":1},"kinds":{"collective":{"max_area":0,"redeem":["quota","homestead"],"transfer":"collective_or_enterprise","validity_years":0},"guarantee":{"max_area":0,"redeem":["homestead","resettlement","subsidy"],"transfer":"same_village","validity_years":0},"retention":{"max_area":16000,"redeem":["rebuild"],"transfer":"inheritance_only","validity_years":8}},"one_household_one_home":false,"per_home_cap":true,"time_skew_seconds":300}}' "" -- \
	policy set --collective-redeem quota,homestead --guarantee-max-area none --one-household-one-home off --json
expect 0 "政策 policy in force since entry 41

种类 kind            单证上限 max area  转让 transfer                        兑付 redeem for                   有效期 validity
保障权票 guarantee             无 none  同村农户 same_village                homestead, resettlement, subsidy  无 none
保留权票 retention           160.00 m²  仅继承 inheritance_only              rebuild                           8 年 years
集体权票 collective            无 none  集体或企业 collective_or_enterprise  quota, homestead                  无 none

激活租期 lease term               1 to 20 years
一户一宅 one household, one home  off
每宅上限 per-home cap             on
时间容差 time skew                300 s" "" -- policy show
# Under the new policy a collective certificate is redeemed for a homestead.
export QUANPIAO_KEY=officer.key
expect 0 "redeemed 10.00 m² of $C4 for 新宅基地 homestead (entry 42)
  330681-$Y-C-000005  浙($Y)诸暨市集体权票第000005号  40.00 m²  $V1  剩余 remainder" "" -- \
	cert redeem $C4 --area 10 --purpose homestead --note 宅基地置换

# ---- the log holds exactly the accepted entries ------------------------------------------------------------
expect_rc 0 -- log entries --json
[ "$(printf '%s' "$OUT" | grep -o '"index":' | wc -l)" = 43 ] || fail "the log should hold 43 entries"
[ "$(printf '%s' "$OUT" | grep -o '"type":"cert.transfer"' | wc -l)" = 4 ] || fail "the log should hold 4 transfers"

# ---- households by number; no erasure while they hold certificates ---------------------------------------
# --holder and --to take a household's number as well as its head's ID number: the same household.
expect_rc 0 -- cert list --holder $H1 --json
BY_ID=$OUT
expect_rc 0 -- cert list --holder $N1 --json
[ "$OUT" = "$BY_ID" ] || fail "cert list --holder $N1 differs from --holder $H1: $OUT"
contains "$OUT" '"holder":"330681-H-0000001","holder_type":"household"'
# Certificates name no person, whatever --reveal says: the same from a file, a mirror or a bundle.
expect_rc 0 -- cert list --holder $N1 --json --reveal
[ "$OUT" = "$BY_ID" ] || fail "cert list --reveal shows more than the number: $OUT"
refused 3 "quanpiao: --holder: characters 7-9 must be -H- (a household number is like 330681-H-0000001)" -- \
	cert list --holder 330681-G-0000001
expect 0 "transferred 10.00 m² of $G4 by 转让 sale (entry 43)
  330681-$Y-G-000006  浙($Y)诸暨市保障权票第000006号  10.00 m²  $N2  转让 sale
  330681-$Y-G-000007  浙($Y)诸暨市保障权票第000007号  60.00 m²  $N1  剩余 remainder" "" -- \
	cert transfer $G4 --to $N2 --area 10
expect_rc 0 -- cert show 330681-$Y-G-000006
contains "$OUT" "持有人 holder         $N2 (农户 household)"
refused 3 "quanpiao: cert.transfer: body.to: unknown household 330681-H-0000099 (add it with household add)" -- \
	cert transfer 330681-$Y-G-000006 --to 330681-H-0000099
# The signed entries name the number: no ID number in the log.
expect_rc 0 -- log entry --index 43
contains "$OUT" '"to":"330681-H-0000002"'
case "$OUT" in *"$H2"*) fail "log entry 43 holds the ID number $H2" ;; esac
# A household that holds a live or a frozen certificate keeps its personal data: exit 5.
refused 5 "quanpiao: household.erase: household $N1 still holds 1 live or frozen certificate(s) and 0 home(s) in use, idle or activated; its personal data is erased once it holds none" -- \
	household erase $H1 --reason "PIPL art. 47 request"
refused 5 "quanpiao: household.erase: household $N4 still holds 1 live or frozen certificate(s) and 0 home(s) in use, idle or activated; its personal data is erased once it holds none" -- \
	household erase $N4 --reason "PIPL art. 47 request"
# H3 holds none (its home is reclaimed): erased; its certificates would still be listed by number.
expect 0 "erased the personal data of household $N3 (entry 44)" "" -- household erase $N3 --reason "PIPL art. 47 request"
expect 0 '{"certificates":[],"more":false,"next":null}' "" -- cert list --holder $N3 --json
expect_rc 0 -- audit
contains "$OUT" "no problems"

# ---- help -------------------------------------------------------------------------------------------------
for c in "cert issue" "cert transfer" "cert redeem" "cert freeze" "cert unfreeze" "cert revoke" "cert show" \
	"cert list" "cert history" "policy show" "policy set"; do
	# shellcheck disable=SC2086
	expect_rc 0 -- $c --help
	contains "$OUT" "usage: quanpiao [global options] $c"
	contains "$OUT" "Exit status: 0 ok"
done
expect_rc 0 -- cert --help
contains "$OUT" "  transfer     transfer a certificate, or part of it, to a new holder (officer key)"
expect_rc 0 -- policy --help
contains "$OUT" "  set          change policy parameters (authority key)"
