# Certificate bundles (sourced by run.sh): export refuses until a checkpoint
# covers the certificate's history, verify checks a bundle offline in a
# directory with no registry, prints the certificate as of the checkpoint,
# and exits 1 naming what failed for a wrong key, an altered byte, a cut
# file; a single .tlog-proof verifies with its entry and the log's key.
# Certificate entries are signed with QP_FORGE (with the numbers the
# registry expects) so that this test does not depend on 'cert issue'.
# Households are named by registry number; a bundle carries each holder's
# household.add and no ID number or name.
FORGE="${QP_FORGE:?QP_FORGE must name the qp_forge test tool}"
ORIGIN=zhuji.example/quanpiao
V1=330681101201
H1=330681196503120018 H2=330681197001010024
N1=330681-H-0000001 N2=330681-H-0000002
U1=330681101201JC00001F00010001
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
TODAY=${NOW:0:10}
Y=${NOW:0:4}
G1=330681-$Y-G-000001 G2=330681-$Y-G-000002 G3=330681-$Y-G-000003

for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li auditor:330681.auditor.wang \
	impostor:330681.authority; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
export QUANPIAO_DB=r.db
expect_rc 0 -- --key auth.key key enroll --role officer --vkey officer.key.vkey # 3
expect_rc 0 -- --key auth.key key enroll --role auditor --vkey auditor.key.vkey # 4
export QUANPIAO_KEY=officer.key
expect_rc 0 -- village add --code $V1 --name 东白湖村                                          # 5
expect_rc 0 -- household add --id-number $H1 --name 王大明 --village $V1                       # 6
expect_rc 0 -- household add --id-number $H2 --name 李小红 --village $V1                       # 7
expect_rc 0 -- home add --unit $U1 --village $V1 --household $H1 --land-area 120.00 --status idle # 8
expect_rc 0 -- home status $U1 withdrawn                                                        # 9

# forged TYPE BODY : sign with the officer's key and append.
forged() {
	"$FORGE" officer.key $ORIGIN "$1" "$NOW" "$2" >forged.note || fail "qp_forge $1 $2"
	expect_rc 0 -- log append forged.note
}
forged cert.issue "{\"area\":12000,\"basis\":\"withdrawal\",\"holder\":\"$N1\",\"home\":\"$U1\",\"id\":\"$G1\",\"kind\":\"guarantee\"}" # 10
forged cert.transfer "{\"area\":5050,\"basis\":\"sale\",\"cert\":\"$G1\",\"new_id\":\"$G2\",\"remainder_id\":\"$G3\",\"to\":\"$N2\"}" # 11

# ---- export ---------------------------------------------------------------------------------
expect 3 "" "quanpiao: no checkpoint has been signed yet; sign one with 'quanpiao log sign' and export again" -- \
	export "$G2" --out g2.bundle
[ -e g2.bundle ] && fail "a refused export wrote g2.bundle"
expect_rc 0 -- log sign --key log.key
expect 2 "" "quanpiao: export needs one CERT and --out FILE (see 'quanpiao export --help')" -- export "$G2"
expect 6 "" "quanpiao: no certificate 330681-$Y-G-000009 in the registry" -- export "330681-$Y-G-000009" --out x.bundle
forged cert.freeze "{\"cert\":\"$G2\",\"reason\":\"法院查封\"}" # 12
expect 3 "" "quanpiao: the latest checkpoint (size 12) does not cover entry 12 of certificate $G2's history; sign a newer one with 'quanpiao log sign' and export again" -- \
	export "$G2" --out g2.bundle
expect_rc 0 -- log sign --key log.key
expect_rc 0 -- witness cosign --key auditor.key --state witness
# genesis, log key, policy, officer, auditor, the households of H1 and H2, issue, transfer, freeze
expect 0 "exported $G2 to g2.bundle: 10 entries, each proven against the checkpoint of size 13" "" -- \
	export "$G2" --out g2.bundle
expect_rc 0 -- export "$G2" --out -
cmp -s <(printf '%s\n' "$OUT") g2.bundle || fail "export --out - differs from the file"
expect_rc 0 -- export "$G2" --out g2.json.bundle --json
contains "$OUT" "{\"certificate\":\"$G2\",\"out\":\"g2.json.bundle\",\"entries\":10,\"size\":13,\"bytes\":"
[ "$(head -n 2 g2.bundle)" = "quanpiao/bundle/v1
certificate $G2" ] || fail "bundle header: $(head -n 2 g2.bundle)"
[ "$(tail -n 1 g2.bundle | cut -c1-7)" = "sha256 " ] || fail "bundle must end with its digest"
expect_rc 0 -- export "$G3" --out g3.bundle
# Handed to a buyer: neither ID numbers nor names (tests/cli/test_pii.sh scans every encoding).
for v in $H1 $H2 王大明 李小红; do
	CHECKS=$((CHECKS + 1))
	grep -q "$v" g2.bundle g3.bundle && fail "a bundle holds personal data: $v"
done

# ---- verify offline ----------------------------------------------------------------------------
mkdir offline
cp g2.bundle g3.bundle auth.key.vkey impostor.key.vkey log.key.vkey offline/
cd offline || exit 1
unset QUANPIAO_DB QUANPIAO_KEY
CP="$ORIGIN size 13"
expect 0 "verified: certificate $G2 as of checkpoint $CP

编号 certificate      $G2
种类 kind             保障权票 guarantee
状态 state            冻结 frozen
持有人 holder         $N2 (household)
面积 area             50.50 m²
农房 home             $U1
依据 basis            sale
发证 issued on        $TODAY (entry 11)
有效期至 valid until  -
终止 ended            -
原因 reason           法院查封
源流 lineage          $G1 > $G2
检查点 checkpoint     $CP
见证 cosigned by      330681.auditor.wang
条目 entries          10, each signed and in the checkpoint's tree" "" -- verify g2.bundle --authority auth.key.vkey
expect_rc 2 -- verify g2.bundle --authority auth.key.vkey --reveal # nothing personal to reveal
expect_rc 0 -- verify g3.bundle --authority auth.key.vkey --json
contains "$OUT" "{\"verified\":true,\"certificate\":{\"id\":\"$G3\",\"kind\":\"guarantee\",\"holder\":\"$N1\",\"holder_type\":\"household\",\"area\":\"69.50\",\"home\":\"$U1\",\"basis\":\"remainder\",\"state\":\"live\""
contains "$OUT" "\"lineage\":[\"$G1\",\"$G3\"]},\"checkpoint\":{\"origin\":\"$ORIGIN\",\"size\":13,\"cosigners\":[\"330681.auditor.wang\"]},\"entries\":9}"
for f in *; do
	case "$f" in
	*.bundle | *.vkey) ;;
	*) fail "verify left a file behind: $f" ;;
	esac
done

# The wrong authority: an impostor of the same name, or the log's key.
expect 1 "" "quanpiao: entry 0 (registry.genesis): the registry's authority is $(cat auth.key.vkey), not the key given (330681.authority)" -- \
	verify g2.bundle --authority impostor.key.vkey
expect_rc 1 -- verify g2.bundle --authority log.key.vkey
contains "$ERR" "quanpiao: entry 0 (registry.genesis): the registry's authority is"

# An altered byte of an entry body, the checkpoint, the digest; a cut file.
sed 's/"area":5050/"area":5060/' g2.bundle >bad.bundle
expect 1 "" "quanpiao: entry 11: not in the checkpoint's tree (altered entry or proof): inclusion proof: calculated root differs from the expected root of tree size 13" -- \
	verify bad.bundle --authority auth.key.vkey
cmp -s g2.bundle bad.bundle && fail "sed changed nothing"
ROOT=$(sed -n 6p g2.bundle)
sed "6s|^.|$([ "${ROOT:0:1}" = A ] && echo B || echo A)|" g2.bundle >bad.bundle
expect_rc 1 -- verify bad.bundle --authority auth.key.vkey
contains "$ERR" "quanpiao: entry 0: proof ends in another checkpoint than the bundle's"
sed '$s/^sha256 .*/sha256 0000000000000000000000000000000000000000000000000000000000000000/' g2.bundle >bad.bundle
expect 1 "" "quanpiao: bundle: the sha256 line does not match the bundle's bytes (damaged in transit or edited)" -- \
	verify bad.bundle --authority auth.key.vkey
head -c 1000 g2.bundle >bad.bundle
expect_rc 1 -- verify bad.bundle --authority auth.key.vkey
contains "$ERR" "quanpiao: bundle: "
printf 'quanpiao/bundle/v2\n' >bad.bundle
expect 1 "" "quanpiao: bundle: the first line must be quanpiao/bundle/v1" -- verify bad.bundle --authority auth.key.vkey

# Usage and files.
expect 2 "" "quanpiao: verify FILE needs --authority AUTHORITY.vkey (or --entry and --log-vkey for a .tlog-proof) (see 'quanpiao verify --help')" -- \
	verify g2.bundle
expect_rc 2 -- verify --authority auth.key.vkey
expect 6 "" "quanpiao: nothing.bundle: No such file or directory" -- verify nothing.bundle --authority auth.key.vkey
echo "not a key" >bad.vkey
expect_rc 3 -- verify g2.bundle --authority bad.vkey
contains "$ERR" "quanpiao: authority key: "
cd .. || exit 1

# ---- a single .tlog-proof ------------------------------------------------------------------------
"$QP" --db r.db log proof --index 11 >p11.tlog-proof || fail "log proof"
"$QP" --db r.db log entry --index 11 >e11 || fail "log entry 11"
"$QP" --db r.db log entry --index 10 >e10 || fail "log entry 10"
cd offline || exit 1
unset QUANPIAO_DB
cp ../p11.tlog-proof ../e11 ../e10 .
expect 0 "verified: entry 11 is in $ORIGIN at size 13 (checkpoint signed by the log key)" "" -- \
	verify p11.tlog-proof --entry e11 --log-vkey log.key.vkey
expect 0 "{\"verified\":true,\"index\":11,\"size\":13,\"origin\":\"$ORIGIN\"}" "" -- \
	verify p11.tlog-proof --entry e11 --log-vkey log.key.vkey --json
expect 1 "" "quanpiao: proof: entry 11 is not in the checkpoint's tree: inclusion proof: calculated root differs from the expected root of tree size 13" -- \
	verify p11.tlog-proof --entry e10 --log-vkey log.key.vkey
expect_rc 1 -- verify p11.tlog-proof --entry e11 --log-vkey auth.key.vkey
contains "$ERR" "quanpiao: proof: checkpoint: "
expect_rc 2 -- verify p11.tlog-proof --entry e11
expect_rc 2 -- verify p11.tlog-proof --entry e11 --log-vkey log.key.vkey --authority auth.key.vkey
cd .. || exit 1

# ---- status proofs (issue 21): the latest checkpoint's status map, offline ----------------------
expect_rc 0 -- --db r.db cert status "$G1"
contains "$OUT" "已使用 spent"
contains "$OUT" "最后条目 last entry   11"
expect_rc 0 -- --db r.db cert status "$G2" --json
contains "$OUT" "\"certificate\":\"$G2\",\"checkpoint\":13,\"cosignatures\":1,\"present\":true,\"state\":\"frozen\""
contains "$OUT" "\"area\":\"50.50\""
expect_rc 0 -- --db r.db cert status "$G1" --proof g1.status
expect_rc 0 -- --db r.db cert status "$G2" --proof g2.status
expect 6 "" "quanpiao: certificate 330681-$Y-G-000009: the map at checkpoint 13 holds no such certificate" -- \
	--db r.db cert status "330681-$Y-G-000009" --proof g9.status
expect 2 "" "quanpiao: cert status needs one CERT (see 'quanpiao cert status --help')" -- --db r.db cert status
cd offline || exit 1
cp ../g1.status ../g2.status ../g9.status ../auditor.key.vkey ../impostor.key.vkey .
expect_rc 0 -- verify g1.status --log-vkey log.key.vkey
contains "$OUT" "已使用 spent"
expect_rc 0 -- verify g2.status --log-vkey log.key.vkey --json
contains "$OUT" "\"state\":\"frozen\""
# A number the map does not hold: proven absent, and verify fails naming it.
expect 1 "" "quanpiao: certificate 330681-$Y-G-000009: the map at checkpoint 13 holds no such certificate" -- \
	verify g9.status --log-vkey log.key.vkey
# The wrong key; the witness that cosigned, and one that did not.
expect_rc 1 -- verify g2.status --log-vkey auth.key.vkey
contains "$ERR" "certificate $G2: the checkpoint: "
expect_rc 0 -- verify g2.status --log-vkey log.key.vkey --witness-vkey auditor.key.vkey
expect 1 "" "quanpiao: certificate $G2: the checkpoint has no valid cosignature by 330681.authority" -- \
	verify g2.status --log-vkey log.key.vkey --witness-vkey impostor.key.vkey
# G1's record said live again (the spending hidden): the map does not hold it.
sed 's/^state spent$/state live/' g1.status | sed "s/^record 1[0-9][0-9]\$/&/" >bad.status
grep -q '^state live$' bad.status || fail "could not alter g1.status"
# The record is 1 byte shorter: fix its length so that only the content is wrong.
awk 'BEGIN{r=0} /^record [0-9]+$/ {print "record " ($2-1); next} {print}' bad.status >bad2.status
expect_rc 1 -- verify bad2.status --log-vkey log.key.vkey
contains "$ERR" "quanpiao: certificate $G1: the map holds another record for it"
cd .. || exit 1

# ---- the newest cosigned checkpoint: the latest is not cosigned yet ------------------------------
# After one more entry and checkpoint, the latest (14) has no cosignature; --cosigned K proves
# against the newest with K (13), where G2 was still frozen; the freeze is lifted in 14.
export QUANPIAO_DB=r.db
forged cert.unfreeze "{\"cert\":\"$G2\"}" # 13
expect_rc 0 -- log sign --key log.key
expect_rc 0 -- cert status "$G2" --json
contains "$OUT" "\"certificate\":\"$G2\",\"checkpoint\":14,\"cosignatures\":0,\"present\":true,\"state\":\"live\""
expect_rc 0 -- cert status "$G2" --cosigned 1 --json
contains "$OUT" "\"certificate\":\"$G2\",\"checkpoint\":13,\"cosignatures\":1,\"present\":true,\"state\":\"frozen\""
expect_rc 0 -- cert status "$G2" --cosigned 1 --proof g2.cosigned.status
expect_rc 0 -- verify g2.cosigned.status --log-vkey log.key.vkey --witness-vkey auditor.key.vkey --json
contains "$OUT" "\"state\":\"frozen\""
expect 3 "" "quanpiao: --cosigned: no checkpoint has 2 cosignatures yet ('quanpiao witness cosign')" -- \
	cert status "$G2" --cosigned 2
expect_rc 3 -- cert status "$G2" --cosigned 0
contains "$ERR" "--cosigned"
expect_rc 3 -- cert status "$G2" --cosigned 100
contains "$ERR" "--cosigned"
expect_rc 3 -- cert status "$G2" --cosigned x
# The witness cosigns 14: the newest cosigned checkpoint is the latest again.
expect_rc 0 -- witness cosign --key auditor.key --state witness
expect_rc 0 -- cert status "$G2" --cosigned 1 --json
contains "$OUT" "\"checkpoint\":14,\"cosignatures\":1,\"present\":true,\"state\":\"live\""
