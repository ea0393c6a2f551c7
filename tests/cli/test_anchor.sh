# Anchored audits (sourced by run.sh; docs/audit.md).  An insider with the
# registry file can cut the log's tail together with everything above it
# (state rows, tree nodes, checkpoints) and the file audits clean: only a
# checkpoint kept elsewhere, given with --trust (or saved by --keep and
# given with --since), shows it.  Each cut here is checked to audit clean
# without an anchor first, so that the finding can only come from the anchor.
ORIGIN=zhuji.example/quanpiao

for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li auditor:330681.auditor.wang \
	otherlog:other.example/quanpiao; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done

# b64 FILE : the root line of a checkpoint note.
root() { sed -n 3p "$1"; }
# checkpoint DB FILE : the latest checkpoint note of DB, byte for byte.
checkpoint() { "$QP" --db "$1" log checkpoint >"$2" || fail "log checkpoint $1"; }

expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
expect_rc 0 -- --db r.db --key auth.key key enroll --role officer --vkey officer.key.vkey
expect_rc 0 -- --db r.db --key auth.key key enroll --role auditor --vkey auditor.key.vkey
for i in 0 1 2 3 4 5 6; do
	expect_rc 0 -- --db r.db --key officer.key village add --code "33068110120$i" --name "村$i"
done
expect_rc 0 -- --db r.db log sign --key log.key
S=$(sed -n 2p <<<"$OUT")
cp r.db early.db
# The five entries the cuts remove, each a village, then the anchor.
for i in 0 1 2 3 4; do
	expect_rc 0 -- --db r.db --key officer.key village add --code "33068110130$i" --name "新村$i"
done
expect_rc 0 -- --db r.db log sign --key log.key
N=$(sed -n 2p <<<"$OUT")
[ "$N" = $((S + 5)) ] || fail "the log has $N entries, expected $((S + 5))"
checkpoint r.db anchor.cp
ROOT=$(root anchor.cp)
expect_rc 0 -- --db r.db audit --keep saved
mkdir -p witness
expect_rc 0 -- --db r.db witness cosign --key auditor.key --state witness

# ---- a good anchor ---------------------------------------------------------------------
expect_rc 0 -- --db r.db audit --trust anchor.cp
contains "$OUT" "full audit of r.db: $N entries from 0, $N signatures, 2 checkpoints: no problems"
contains "$OUT" "anchored: the log extends the trusted checkpoint of size $N (root $ROOT), signed by the log key"
# A witness's state directory, with the witness's cosignature under the checkpoint.
expect_rc 0 -- --db r.db audit --trust witness
contains "$OUT" "anchored: the log extends the trusted checkpoint of size $N (root $ROOT), signed by the log key; cosigned by 330681.auditor.wang"
# A line by a key the registry does not enrol is counted, not checked; the anchor still holds.
cp -r witness stranger
printf '\xe2\x80\x94 330681.stranger %s\n' "$(head -c 76 /dev/zero | base64 -w0)" >>stranger/checkpoint
expect_rc 0 -- --db r.db audit --trust stranger
contains "$OUT" "cosigned by 330681.auditor.wang; 1 other signature line by keys this registry does not enrol (not checked)"
# A cosignature in the enrolled auditor's name that does not verify refuses the anchor (exit 4):
# the 30th base64 character of its line (inside the Ed25519 signature) changed.
cp -r witness badcosig
awk 'NR == n { i = index($0, "wang ") + 5 + 29; c = substr($0, i, 1); $0 = substr($0, 1, i - 1) (c == "A" ? "B" : "A") substr($0, i + 1) } { print }' \
	n="$(wc -l <witness/checkpoint)" witness/checkpoint >badcosig/checkpoint
cmp -s badcosig/checkpoint witness/checkpoint && fail "the cosignature edit did not change the anchor"
expect_rc 4 -- --db r.db audit --trust badcosig
contains "$ERR" "quanpiao: badcosig/checkpoint: the cosignature by 330681.auditor.wang does not verify over this checkpoint"
[ -z "$OUT" ] || fail "an anchor with a bad cosignature printed an audit"
# A stored cosignature that no longer verifies is a witness's word forged in the file: a problem
# in the log itself, which a rebuild (it keeps no cosignatures) cannot repair.
cp r.db badcosig.db
sqlite3 badcosig.db "UPDATE cosignatures SET timestamp = timestamp + 1" || fail "sqlite3"
expect_rc 1 -- --db badcosig.db audit
contains "$OUT" "its stored key ID or timestamp is not its line's"
contains "$ERR" "To repair: 1 problem is in the log itself (entries, signatures or checkpoints)"
# The checkpoint an earlier --keep saved, and an older checkpoint the log has grown past.
expect_rc 0 -- --db r.db audit --trust saved
checkpoint early.db early.cp
expect_rc 0 -- --db r.db audit --trust early.cp --jobs 1
contains "$OUT" "anchored: the log extends the trusted checkpoint of size $S"
expect_rc 0 -- --db r.db audit --trust anchor.cp --json
contains "$OUT" "\"log_size\":$N,\"covered\":$N,\"uncovered\":0,\"anchor\":{\"size\":$N,\"root\":\"$ROOT\",\"extended\":true,\"cosigners\":\"\",\"unknown_signatures\":0}"
expect_rc 2 -- --db r.db audit --trust anchor.cp --trust early.cp
contains "$ERR" "option --trust given twice"

# ---- without an anchor: what no signed checkpoint covers ----------------------------------
cp r.db grown.db
expect_rc 0 -- --db grown.db --key officer.key village add --code 330681101350 --name 后村
expect_rc 0 -- --db grown.db --key officer.key village add --code 330681101351 --name 后村二
expect_rc 0 -- --db grown.db audit
contains "$OUT" "not anchored: 2 of $((N + 2)) entries are covered by no signed checkpoint (the last stored one that checks has size $N), and the stored checkpoints are the file's own word: a cut tail cannot be ruled out without --trust"
expect_rc 0 -- --db grown.db audit --json
contains "$OUT" "\"log_size\":$((N + 2)),\"covered\":$N,\"uncovered\":2,\"anchor\":null"
# ... and a checkpoint whose signature fails covers nothing.
expect_rc 0 -- --db grown.db audit --trust anchor.cp
contains "$OUT" "anchored: the log extends the trusted checkpoint of size $N"

# ---- the tail cut, with everything above it -------------------------------------------------
# cut NAME K : r.db without its last K entries (all villages): their rows, the tree nodes
# that cover them, the checkpoints and cosignatures above, and the time of the last entry.
cut() {
	local name="$1" k="$2" m=$((N - $2))
	cp r.db "$name.db"
	sqlite3 "$name.db" "PRAGMA foreign_keys = OFF;
		DELETE FROM villages WHERE added_idx >= $m;
		DELETE FROM log_entries WHERE idx >= $m;
		DELETE FROM tree_nodes WHERE ((idx + 1) << level) > $m;
		DELETE FROM cosignatures WHERE size > $m;
		DELETE FROM checkpoints WHERE size > $m;
		UPDATE registry_meta SET value = (SELECT time FROM log_entries WHERE idx = $m - 1) WHERE key = 'log_time'" ||
		fail "sqlite3 $name"
}

for k in 1 2 5; do
	M=$((N - k))
	cut cut$k $k
	# A clean cut: the file alone shows nothing.
	expect_rc 0 -- --db cut$k.db audit
	contains "$OUT" "full audit of cut$k.db: $M entries from 0, $M signatures"
	contains "$OUT" "no problems"
	expect_rc 1 -- --db cut$k.db audit --trust anchor.cp
	contains "$OUT" "PROBLEM anchor: the log has $M entries, fewer than the $N of the trusted checkpoint anchor.cp: its tail was cut (the log's root at $M is "
	contains "$OUT" "; the checkpoint's at $N is $ROOT)"
	contains "$ERR" "quanpiao: the audit found 1 problem"
	contains "$ERR" "in the log itself"
	expect_rc 1 -- --db cut$k.db audit --trust witness --json
	contains "$OUT" "\"ok\":false"
	contains "$OUT" "\"anchor\":{\"size\":$N,\"root\":\"$ROOT\",\"extended\":false,\"cosigners\":\"330681.auditor.wang\",\"unknown_signatures\":0}"
done
# A copy of the file from before the anchor's entries: the anchor is bigger than the log.
expect_rc 0 -- --db early.db audit
expect_rc 1 -- --db early.db audit --trust anchor.cp
contains "$OUT" "PROBLEM anchor: the log has $S entries, fewer than the $N of the trusted checkpoint anchor.cp"

# ---- the log rewritten below the anchor ------------------------------------------------------
# Cut by 3 and grown again with other entries past the anchor's size: a clean log of its own.
cut rewritten 3
for i in 0 1 2 3; do
	expect_rc 0 -- --db rewritten.db --key officer.key village add --code "33068110136$i" --name "改村$i"
done
expect_rc 0 -- --db rewritten.db log sign --key log.key
expect_rc 0 -- --db rewritten.db audit
contains "$OUT" "full audit of rewritten.db: $((N + 1)) entries from 0"
expect_rc 1 -- --db rewritten.db audit --trust anchor.cp
contains "$OUT" "PROBLEM anchor: the log ($((N + 1)) entries) does not extend the trusted checkpoint anchor.cp (size $N): the root of its first $N entries is "
contains "$OUT" ", the checkpoint's is $ROOT, so the log was rewritten below it"
# The older anchor, below the rewrite, still holds: the rewrite starts after it.
expect_rc 0 -- --db rewritten.db audit --trust early.cp

# ---- --since after a cut: a finding, and the saved state untouched ----------------------------
cp -r saved saved.before
ls -l saved >ls.before
for k in 1 5; do
	expect_rc 1 -- --db cut$k.db audit --since saved/checkpoint
	contains "$OUT" "incremental audit of cut$k.db: 0 entries from $N"
	contains "$OUT" "PROBLEM anchor: the log has $((N - k)) entries, fewer than the $N of the trusted checkpoint saved/checkpoint: its tail was cut"
	contains "$OUT" "PROBLEMS FOUND"
	for f in saved.before/*; do
		cmp -s "$f" "saved/${f##*/}" || fail "--since after a cut by $k changed saved/${f##*/}"
	done
	ls -l saved | cmp -s - ls.before || fail "--since after a cut by $k changed the files in saved/"
done
expect_rc 1 -- --db rewritten.db audit --since saved/checkpoint
contains "$OUT" "PROBLEM anchor: the log ($((N + 1)) entries) does not extend the trusted checkpoint saved/checkpoint (size $N)"
for f in saved.before/*; do
	cmp -s "$f" "saved/${f##*/}" || fail "--since on a rewritten log changed saved/${f##*/}"
done
# The same saved state still audits the real registry, which has grown meanwhile.
cp -r saved saved2
expect_rc 0 -- --db grown.db audit --since saved2/checkpoint
contains "$OUT" "incremental audit of grown.db: 2 entries from $N, 2 signatures"
contains "$OUT" "anchored: the log extends the saved checkpoint of size $N"
# Checkpoints deleted, entries kept: the audit finds it (an auditor cosigned the deleted one), and
# the saved checkpoint never goes back.
cp -r saved saved3
cp grown.db nocp.db
sqlite3 nocp.db "DELETE FROM checkpoints WHERE size = $N" || fail "sqlite3 nocp"
expect_rc 1 -- --db nocp.db audit --since saved3/checkpoint
contains "$OUT" "there is no checkpoint of that size"
cmp -s saved/checkpoint saved3/checkpoint || fail "--since saved an older checkpoint over a newer one"
# An entry the last audit read but no checkpoint covered, rewritten: the saved replay shows it.
cp -r saved2 saved4
cp grown.db grown2.db
sqlite3 grown2.db "PRAGMA foreign_keys = OFF; DELETE FROM villages WHERE added_idx = $((N + 1));
	DELETE FROM log_entries WHERE idx = $((N + 1)); DELETE FROM tree_nodes WHERE ((idx + 1) << level) > $((N + 1));
	UPDATE registry_meta SET value = (SELECT time FROM log_entries WHERE idx = $N) WHERE key = 'log_time'" ||
	fail "sqlite3 grown2"
expect_rc 0 -- --db grown2.db audit
expect_rc 1 -- --db grown2.db audit --since saved4/checkpoint
contains "$OUT" "PROBLEM anchor: the log has $((N + 1)) entries, fewer than the $((N + 2)) the audit that saved saved4/checkpoint read: its tail was cut"
[ -e saved4/replay.db ] || fail "a --since that found a cut removed the saved replay"
# --trust together with --since: both are proven before anything new is read.
cp -r saved saved5
expect_rc 1 -- --db cut2.db audit --since saved5/checkpoint --trust early.cp
contains "$OUT" "PROBLEM anchor: the log has $((N - 2)) entries, fewer than the $N of the trusted checkpoint saved5/checkpoint"

# ---- forged or unusable anchors: refused, exit 3 if no checkpoint, 4 if not this log's (6 if unreadable) ---
expect 6 "" "quanpiao: nowhere.cp: cannot read the trusted checkpoint" -- --db r.db audit --trust nowhere.cp
mkdir empty
expect 6 "" "quanpiao: empty/checkpoint: cannot read the trusted checkpoint" -- --db r.db audit --trust empty
: >empty.cp
expect 3 "" "quanpiao: empty.cp: not a signed checkpoint (the file is empty)" -- --db r.db audit --trust empty.cp
printf 'hello\nworld\n' >garbage.cp
expect_rc 3 -- --db r.db audit --trust garbage.cp
contains "$ERR" "quanpiao: garbage.cp: not a signed checkpoint: "
head -c 2000000 /dev/zero >huge.cp
expect 3 "" "quanpiao: huge.cp: not a signed checkpoint (the file is too long)" -- --db r.db audit --trust huge.cp
# The root changed: the log key's signature no longer verifies.
sed '3{s/^A/B/;t;s/^./A/}' anchor.cp >badroot.cp
cmp -s badroot.cp anchor.cp && fail "the root edit did not change the anchor"
expect_rc 4 -- --db r.db audit --trust badroot.cp
contains "$ERR" "quanpiao: badroot.cp: not signed by a log key of $ORIGIN: "
[ -z "$OUT" ] || fail "a refused anchor printed an audit"
# The signature itself changed.
# One bit of the Ed25519 signature (byte 11 of the line's 68, after the key ID) flipped, the base64
# written again canonically: only the signature is wrong, whatever the key made.
SIG=$(tail -n 1 anchor.cp | awk '{ print $3 }')
HEX=$(printf '%s' "$SIG" | base64 -d | xxd -p -c 256)
FLIP=$(printf '%x' $((0x${HEX:22:1} ^ 8)))
BAD=$(printf '%s' "${HEX:0:22}$FLIP${HEX:23}" | xxd -r -p | base64 -w0)
{ head -n -1 anchor.cp; tail -n 1 anchor.cp | sed "s|$SIG|$BAD|"; } >badsig.cp
cmp -s badsig.cp anchor.cp && fail "the signature edit did not change the anchor"
expect_rc 4 -- --db r.db audit --trust badsig.cp
contains "$ERR" "quanpiao: badsig.cp: not signed by a log key of $ORIGIN"
# Signed properly, but by another registry's log key: another log.
expect_rc 0 -- --db other.db --key auth.key init --origin other.example/quanpiao --county 330681 --county-name 诸暨市 \
	--log-vkey otherlog.key.vkey
expect_rc 0 -- --db other.db log sign --key otherlog.key
checkpoint other.db other.cp
expect 4 "" "quanpiao: other.cp: a checkpoint of another log (origin other.example/quanpiao), not of $ORIGIN" -- \
	--db r.db audit --trust other.cp
# The origin line alone changed: refused as another log's, whatever its signature.
sed "1s|.*|other.example/quanpiao|" anchor.cp >origin.cp
expect_rc 4 -- --db r.db audit --trust origin.cp
contains "$ERR" "a checkpoint of another log (origin other.example/quanpiao)"
# A checkpoint signed with this origin's name by a key that is not the registry's.
"$QP" key generate --name "$ORIGIN" --out fake.key --unencrypted >/dev/null 2>&1 || fail "key generate fake"
expect_rc 0 -- --db fake.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey fake.key.vkey
expect_rc 0 -- --db fake.db log sign --key fake.key
checkpoint fake.db fake.cp
expect_rc 4 -- --db r.db audit --trust fake.cp
contains "$ERR" "quanpiao: fake.cp: not signed by a log key of $ORIGIN"
# The saved checkpoint of --since is held to the same rules, and the saved state is kept.
cp -r saved saved6
cp badroot.cp saved6/checkpoint
expect_rc 4 -- --db r.db audit --since saved6/checkpoint
contains "$ERR" "quanpiao: saved6/checkpoint: not signed by a log key of $ORIGIN"
[ -e saved6/replay.db ] || fail "a refused --since checkpoint removed the saved replay"

# ---- the incremental audit sees a change to every table and every entry type --------------------
# A registry of every kind of row (qp_mkstats), kept; then one entry of each type, each
# table's new rows tampered in turn on a copy: --since must name each (issue 20).
MK="${QP_MKSTATS:?QP_MKSTATS must name the qp_mkstats test tool}"
mkdir -p mk
QP_MKSTATS_KEYS=mk "$MK" inc.db >/dev/null || fail "qp_mkstats"
"$QP" key generate --name 330681.officer.wu --out officer2.key --unencrypted >/dev/null 2>&1 || fail "key generate"
expect_rc 0 -- --db inc.db log sign --key mk/log.key
expect_rc 0 -- --db inc.db audit --keep inc
K=$(sed -n 2p inc/checkpoint)
# step ARGS... : an entry that must be appended.
step() { expect_rc 0 -- --db inc.db --key mk/officer.key "$@"; }
G1=330681-2026-G-000001 G2=330681-2026-G-000002 G3=330681-2026-G-000003
HV=$(sqlite3 inc.db "SELECT village FROM homes WHERE household = (SELECT holder FROM certificates WHERE id = '$G3')")
HT=$(sqlite3 inc.db "SELECT min(number) FROM households WHERE village = '$HV'")
step cert freeze $G1 --reason 查封                  # G1 changed by a freeze only
step cert freeze $G2 --reason 查封
step cert unfreeze $G2 --reason 解封                # G2 by a freeze and an unfreeze only
step cert transfer $G3 --to "$HT" --area 10.00       # G3 spent; G-000004 and 5 made
step cert redeem 330681-2026-G-000005 --area 1.00 --purpose resettlement --note 安置房
step village correct "$HV" --name 改名村 --reason 更正
step village add --code 330681101390 --name 新村
step household add --id-number 330681196503120018 --name 王大明 --village 330681101390
step household add --id-number 330681197001010024 --name 李小红 --village 330681101390
step household add --id-number 330681198012310035 --name 陈国强 --village 330681101390
U=330681101390JC00001F00010001
step home add --unit $U --village 330681101390 --household 330681196503120018 --land-area 100.00
step home status $U idle
step home activate $U --investor 投资人 --investor-id 91330681MA2BXY001M --start 2026-01-01 --years 5 --rent 1000 \
	--investment 5000 --use homestay
step cert issue --kind guarantee --holder 330681197001010024 --area 90 --basis entitlement
step cert revoke 330681-2026-G-000004 --reason 撤销
step household erase 330681198012310035 --reason 注销
expect_rc 0 -- --db inc.db --key mk/authority.key key enroll --role officer --vkey officer2.key.vkey
expect_rc 0 -- --db inc.db --key mk/authority.key key revoke 330681.officer.wu --reason 调离
expect_rc 0 -- --db inc.db --key mk/authority.key policy set --lease-max-years 25
expect_rc 0 -- --db inc.db log sign --key mk/log.key
NEW=$(($(sed -n 2p <<<"$OUT") - K))
TYPES=$(sqlite3 inc.db "SELECT group_concat(type, ' ') FROM (SELECT DISTINCT type FROM log_entries WHERE idx >= $K ORDER BY type)")
[ "$TYPES" = "cert.freeze cert.issue cert.redeem cert.revoke cert.transfer cert.unfreeze home.activate home.add home.status household.add household.erase key.enroll key.revoke policy.set village.add village.correct" ] ||
	fail "the new entries are of the types $TYPES"
cp -r inc inc.clean
expect_rc 0 -- --db inc.db audit --since inc/checkpoint
contains "$OUT" "incremental audit of inc.db: $NEW entries from $K, $NEW signatures"
contains "$OUT" "no problems"

# since NAME NEEDLE SQL : a copy of inc.db with SQL run on it; --since from the state kept
# before the new entries must find it and name NEEDLE.
since() {
	local name="$1" needle="$2"
	shift 2
	cp inc.db "s-$name.db"
	rm -rf "s-$name"
	cp -r inc.clean "s-$name"
	sqlite3 "s-$name.db" "PRAGMA foreign_keys = OFF; $1" || fail "sqlite3 $name"
	expect_rc 1 -- --db "s-$name.db" audit --since "s-$name/checkpoint"
	contains "$OUT" "PROBLEM $needle"
}
A=$(sqlite3 inc.db "SELECT idx FROM activations WHERE unit = '$U'")
R=$(sqlite3 inc.db "SELECT idx FROM redemptions WHERE cert = '330681-2026-G-000005'")
P=$(sqlite3 inc.db "SELECT max(idx) FROM policy_versions")
E=$(sqlite3 inc.db "SELECT number FROM households WHERE erased_idx IS NOT NULL")
N2=$(sqlite3 inc.db "SELECT number FROM households WHERE added_idx >= $K ORDER BY number LIMIT 1")
since freeze "certificates row $G1: state" "UPDATE certificates SET state = 'live' WHERE id = '$G1'"
since freeze_holder "certificates row $G1: holder" "UPDATE certificates SET holder = '$HT' WHERE id = '$G1'"
since unfreeze "certificates row $G2: state" "UPDATE certificates SET state = 'frozen' WHERE id = '$G2'"
since transfer "certificates row $G3" "UPDATE certificates SET state = 'live', ended_idx = NULL, ended_by = NULL WHERE id = '$G3'"
since revoke "certificates row 330681-2026-G-000004" "UPDATE certificates SET reason = 'x' WHERE id = '330681-2026-G-000004'"
since issued "certificates row" "DELETE FROM certificates WHERE holder = (SELECT number FROM households WHERE added_idx >= $K AND number <> '$N2' AND erased_idx IS NULL ORDER BY number DESC LIMIT 1)"
since cert_events "cert_events row $G1 at entry $K" "UPDATE cert_events SET summary = 'x' WHERE cert = '$G1' AND idx = $K"
since cert_events_gone "cert_events row $G2" "DELETE FROM cert_events WHERE cert = '$G2' AND idx > $K"
since redemptions "redemptions row redemption of entry $R: purpose" "UPDATE redemptions SET purpose = 'subsidy' WHERE idx = $R"
since villages_correct "villages row $HV: name" "UPDATE villages SET name = 'x' WHERE code = '$HV'"
since villages_add "villages row 330681101390" "DELETE FROM villages WHERE code = '330681101390'"
since households "households row $N2: members" "UPDATE households SET members = members + 1 WHERE number = '$N2'"
since erase "households row $E" "UPDATE households SET erased_idx = NULL WHERE number = '$E'"
since homes "homes row $U: status" "UPDATE homes SET status = 'in_use' WHERE unit = '$U'"
since home_events "home_events row $U at entry" "UPDATE home_events SET summary = 'x' WHERE unit = '$U'"
since activations "activations row activation of entry $A: rent" "UPDATE activations SET rent = rent + 1 WHERE idx = $A"
since keys_enroll "keys row 330681.officer.wu" "UPDATE keys SET valid_until = '2099-01-01' WHERE name = '330681.officer.wu'"
since keys_revoke "keys row 330681.officer.wu" "UPDATE keys SET revoked_idx = NULL, revoke_reason = NULL WHERE name = '330681.officer.wu'"
since policy "policy_versions row policy of entry $P: params" "UPDATE policy_versions SET params = replace(params, '25', '30') WHERE idx = $P"
since log_entries "log_entries row $((K + 1))" "UPDATE log_entries SET signer = 'x' WHERE idx = $((K + 1))"
since tree_nodes "tree_nodes row (0, $K)" "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = $K"
since extra_row "villages row 330681101391" "INSERT INTO villages (code, township, name, added_idx) VALUES ('330681101391', '330681101', '假村', $K)"
# A row changed by a new entry, altered with its entry index set back so that it no longer
# looks changed: found from the replay's side.
since villages_idx_back "villages row $HV: name: stored x, the log says 改名村" \
	"UPDATE villages SET name = 'x', updated_idx = NULL WHERE code = '$HV'"
since homes_idx_back "homes row $U: status" "UPDATE homes SET status = 'in_use', updated_idx = added_idx - 1 WHERE unit = '$U'"
since households_idx_back "households row $E" "UPDATE households SET erased_idx = NULL WHERE number = '$E'"
# The registry's own facts, tied to no entry after the genesis: compared whole every time.
since registry_meta "registry_meta row county_name: value: stored 诸暨县" \
	"UPDATE registry_meta SET value = '诸暨县' WHERE key = 'county_name'"
