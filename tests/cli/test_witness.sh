# Witness cosignatures (sourced by run.sh): an auditor cosigns the latest
# checkpoint after checking that it extends the last one it cosigned, and
# refuses a rewritten log, a checkpoint of the same size with another root
# and a log that shrank, naming both checkpoints.  The registry prints the
# cosignatures under the checkpoint.
ORIGIN=zhuji.example/quanpiao

for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li auditor:330681.auditor.wang \
	auditor2:330681.auditor.chen stranger:330681.auditor.zhao; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done

# registry DB N : a registry at DB from the same keys and origin, with N village entries.
registry() {
	local db="$1" n="$2" i
	expect_rc 0 -- --db "$db" --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 \
		--log-vkey log.key.vkey
	expect_rc 0 -- --db "$db" --key auth.key key enroll --role officer --vkey officer.key.vkey
	expect_rc 0 -- --db "$db" --key auth.key key enroll --role auditor --vkey auditor.key.vkey
	for ((i = 0; i < n; i++)); do
		expect_rc 0 -- --db "$db" --key officer.key village add --code "330681101$((200 + i + ${3:-0}))" --name "村$i"
	done
}

# root FILE : the root hash line of a checkpoint note.
root() { sed -n 3p "$1"; }

registry r.db 0
export QUANPIAO_DB=r.db

# ---- usage, and nothing to cosign yet ------------------------------------------------
expect 2 "" "quanpiao: witness cosign needs --state DIR (and --key AUDITOR.key) (see 'quanpiao witness cosign --help')" -- \
	witness cosign --key auditor.key
expect 2 "" "quanpiao: a signing key is needed: give --key FILE or set QUANPIAO_KEY" -- witness cosign --state w
expect 6 "" "quanpiao: no checkpoint has been signed yet (quanpiao log sign)" -- witness cosign --key auditor.key --state w
[ -e w/checkpoint ] && fail "a refused cosign wrote w/checkpoint"

# ---- only an enrolled auditor cosigns ---------------------------------------------------
expect_rc 0 -- log sign --key log.key
"$QP" log checkpoint >cp.5
expect 4 "" "quanpiao: key 330681.officer.li has role officer; only auditor keys cosign checkpoints" -- \
	witness cosign --key officer.key --state w
expect 4 "" "quanpiao: key 330681.auditor.zhao is not enrolled in this registry" -- \
	witness cosign --key stranger.key --state w
expect 4 "" "quanpiao: key 330681.auditor.chen is not enrolled in this registry" -- \
	witness cosign --key auditor2.key --state w
[ -e w/checkpoint ] && fail "a refused cosign wrote w/checkpoint"
expect 0 "$(cat cp.5)" "" -- log checkpoint

# ---- first use: trusted as it is -----------------------------------------------------------
expect_rc 0 -- witness cosign --key auditor.key --state w
[ "$(printf '%s\n' "$OUT" | head -n 1)" = "cosigned $ORIGIN at size 5 (first checkpoint this witness sees)" ] ||
	fail "first cosign: $OUT"
LINE=$(printf '%s\n' "$OUT" | sed -n 2p)
contains "$LINE" "— 330681.auditor.wang "
[ "$(stat -c %a w)" = 700 ] || fail "state directory mode $(stat -c %a w)"
# The state is the checkpoint as signed, with this witness's cosignature under it.
expect_rc 0 -- log checkpoint
[ "$OUT" = "$(cat cp.5)
$LINE" ] || fail "log checkpoint does not show the cosignature: $OUT"
cmp -s <(printf '%s\n' "$OUT") w/checkpoint || fail "w/checkpoint differs from the cosigned checkpoint"
# log sign still prints the bare checkpoint; --json gives the note with its cosignature.
expect 0 "$(cat cp.5)" "" -- log sign --key log.key
expect_rc 0 -- log checkpoint --json
contains "$OUT" '"size":5'
contains "$OUT" "\\n— 330681.auditor.wang "

# The same checkpoint again: consistent with itself.
expect_rc 0 -- witness cosign --key auditor.key --state w
contains "$OUT" "cosigned $ORIGIN at size 5 (consistent with size 5)"
# A later second replaces the line (one per checkpoint and witness key).
LINE=$(printf '%s\n' "$OUT" | sed -n 2p)
expect 0 "$(cat cp.5)
$LINE" "" -- log checkpoint

# ---- growth, with a consistency proof ------------------------------------------------------
for i in 1 2 3; do
	expect_rc 0 -- --key officer.key village add --code "33068110130$i" --name "新村$i"
done
expect_rc 0 -- log sign --key log.key
"$QP" log checkpoint >cp.8
expect_rc 0 -- witness cosign --key auditor.key --state w --json
contains "$OUT" "{\"origin\":\"$ORIGIN\",\"size\":8,\"old_size\":5,\"cosignature\":\"— 330681.auditor.wang "
expect_rc 0 -- log checkpoint
# (origin, size, root, the status-map line, a blank line, the log's signature: 6 lines)
[ "$(printf '%s\n' "$OUT" | head -n 6)" = "$(cat cp.8)" ] || fail "checkpoint 8 changed"
[ "$(printf '%s\n' "$OUT" | wc -l)" = 7 ] || fail "expected one cosignature under checkpoint 8: $OUT"
CP8="$OUT"
printf '%s\n' "$CP8" >cp.8.cosigned
# The old checkpoint keeps its own cosignature.
expect_rc 0 -- log checkpoint --size 5
contains "$OUT" "$LINE"
# A second auditor, enrolled later, adds its line under the same checkpoint.
expect_rc 0 -- --key auth.key key enroll --role auditor --vkey auditor2.key.vkey
# Not before a checkpoint covers its enrolment: whoever holds the checkpoint must find the key in the log.
expect 4 "" "quanpiao: auditor key 330681.auditor.chen was enrolled by entry 8, which the checkpoint of size 8 does not cover; sign a newer checkpoint with 'quanpiao log sign' first" -- \
	witness cosign --key auditor2.key --state w2
[ -e w2 ] && fail "a refused cosign created w2"
expect_rc 0 -- log sign --key log.key
expect_rc 0 -- witness cosign --key auditor2.key --state w2
contains "$OUT" "cosigned $ORIGIN at size 9 (first checkpoint this witness sees)"
expect_rc 0 -- witness cosign --key auditor.key --state w
contains "$OUT" "cosigned $ORIGIN at size 9 (consistent with size 8)"
expect_rc 0 -- log checkpoint
printf '%s\n' "$OUT" >cp.9.cosigned
[ "$(grep -c '^— ' cp.9.cosigned)" = 3 ] || fail "expected the log's and two cosignatures: $OUT"
[ "$(sed -n 7p cp.9.cosigned | cut -d' ' -f2)" = 330681.auditor.chen ] || fail "cosignatures are not in name order"
cp w/checkpoint state.9

# ---- a rewritten log: the same keys and origin, other entries --------------------------------
registry b.db 6 50 # 11 entries
expect_rc 0 -- --db b.db log sign --key log.key
"$QP" --db b.db log checkpoint >b.11
expect 1 "" "quanpiao: refusing to cosign: inconsistent checkpoints: $ORIGIN size 11 root $(root b.11) does not extend $ORIGIN size 9 root $(root cp.9.cosigned) (the consistency proof does not verify: consistency proof: calculated root of size 9 differs from root1); a split view or a rewritten log (this witness's state: w/checkpoint)" -- \
	--db b.db witness cosign --key auditor.key --state w
cmp -s w/checkpoint state.9 || fail "a refused cosign changed the state"
expect 0 "$(cat b.11)" "" -- --db b.db log checkpoint

# The same size with another root.
registry c.db 4 70 # 9 entries
expect_rc 0 -- --db c.db log sign --key log.key
"$QP" --db c.db log checkpoint >c.9
[ "$(root c.9)" != "$(root cp.9.cosigned)" ] || fail "c.db should have another root"
expect 1 "" "quanpiao: refusing to cosign: inconsistent checkpoints: $ORIGIN size 9 root $(root c.9) does not extend $ORIGIN size 9 root $(root cp.9.cosigned) (the same size with a different root); a split view or a rewritten log (this witness's state: w/checkpoint)" -- \
	--db c.db witness cosign --key auditor.key --state w

# A log that shrank.
registry d.db 1 90 # 6 entries
expect_rc 0 -- --db d.db log sign --key log.key
"$QP" --db d.db log checkpoint >d.6
expect 1 "" "quanpiao: refusing to cosign: inconsistent checkpoints: $ORIGIN size 6 root $(root d.6) does not extend $ORIGIN size 9 root $(root cp.9.cosigned) (the log shrank); a split view or a rewritten log (this witness's state: w/checkpoint)" -- \
	--db d.db witness cosign --key auditor.key --state w
cmp -s w/checkpoint state.9 || fail "a refused cosign changed the state"
expect_rc 1 -- --db d.db witness cosign --key auditor.key --state w --json
contains "$OUT" '{"error":{"message":"inconsistent checkpoints: '
# A fresh state directory trusts the other log on first use.
expect_rc 0 -- --db b.db witness cosign --key auditor.key --state wb
contains "$OUT" "cosigned $ORIGIN at size 11 (first checkpoint this witness sees)"

# ---- a damaged state; a revoked auditor -------------------------------------------------------
mkdir -p bad && echo "not a checkpoint" >bad/checkpoint
expect_rc 3 -- witness cosign --key auditor.key --state bad
contains "$ERR" "quanpiao: bad/checkpoint: not a checkpoint this witness wrote"
expect_rc 0 -- --key auth.key key revoke 330681.auditor.chen --reason "left the audit office"
expect_rc 4 -- witness cosign --key auditor2.key --state w2
contains "$ERR" "auditor key 330681.auditor.chen was revoked by entry 9"

# ---- independent checks: Go's note package and a cosignature checker written from the spec ----
if [ -n "${QP_C2SPCHECK:-}" ] && [ -x "$QP_C2SPCHECK" ]; then
	CHECKS=$((CHECKS + 3))
	"$QP_C2SPCHECK" note log.key.vkey -- cp.9.cosigned >go.out 2>&1 || fail "Go rejects the cosigned checkpoint: $(cat go.out)"
	"$QP_C2SPCHECK" cosignature auditor.key.vkey log.key.vkey cp.9.cosigned >go.out 2>&1 ||
		fail "cosignature of auditor.wang: $(cat go.out)"
	"$QP_C2SPCHECK" cosignature auditor2.key.vkey log.key.vkey cp.9.cosigned >go.out 2>&1 ||
		fail "cosignature of auditor.chen: $(cat go.out)"
fi
