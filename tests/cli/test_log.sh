# Keys, registry creation, roles and the log commands (sourced by run.sh).
# QP_FORGE signs arbitrary entries, to present the registry with ones it must refuse.
FORGE="${QP_FORGE:?QP_FORGE must name the qp_forge test tool}"
ORIGIN=zhuji.example/quanpiao
export QUANPIAO_PASSPHRASE=correct-horse

# ---- keys ---------------------------------------------------------------
expect_rc 0 -- key generate --name 330681.authority --out auth.key
contains "$OUT" "generated key 330681.authority (key ID "
contains "$OUT" "verifier key: auth.key.vkey"
[ "$(stat -c %a auth.key)" = 600 ] || fail "auth.key mode is $(stat -c %a auth.key), expected 600"
expect_rc 0 -- key generate --name $ORIGIN --out log.key --unencrypted
contains "$ERR" "quanpiao: warning: log.key is not protected by a passphrase"
expect_rc 0 -- key generate --name 330681.officer.li --out officer.key --unencrypted
expect_rc 0 -- key generate --name 330681.auditor.wang --out auditor.key --unencrypted
expect_rc 0 -- key generate --name 330681.officer.zhao --out stranger.key --unencrypted
expect_rc 0 -- key generate --name 330681.officer.temp --out temp.key --unencrypted

# Never overwrite; names are checked; both options are needed.
cp auth.key auth.key.bak
expect 5 "" "quanpiao: auth.key already exists; refusing to overwrite a key" -- \
	key generate --name other --out auth.key
cmp -s auth.key auth.key.bak || fail "auth.key was changed"
expect_rc 3 -- key generate --name "bad name" --out bad.key
[ -e bad.key ] && fail "bad.key was created"
expect_rc 2 -- key generate --name x

# key show reads a vkey, or a secret key with its passphrase.
VKEY=$(cat auth.key.vkey)
expect 0 "name:   330681.authority
key ID: ${VKEY:17:8}
vkey:   $VKEY" "" -- key show auth.key.vkey
expect_rc 0 -- key show auth.key
contains "$OUT" "vkey:   $VKEY"
# A passphrase file is read as a key file is (issue 22): a regular file, no bit for group or others.
expect 3 "" "quanpiao: /dev/null is not a regular file, so not a passphrase file" -- key show auth.key --passphrase-file /dev/null
echo wrong > wrong.pass && chmod 600 wrong.pass
expect 4 "" "quanpiao: wrong passphrase for auth.key (or the file was altered)" -- \
	key show auth.key --passphrase-file wrong.pass
expect 4 "" "quanpiao: wrong passphrase for auth.key (or the file was altered)" -- \
	--passphrase-file wrong.pass --db r.db --key auth.key log sign
chmod 640 auth.key
expect_rc 4 -- key show auth.key
contains "$ERR" "readable or writable by group or others"
chmod 600 auth.key
expect_rc 6 -- key show no-such.vkey

# ---- init -----------------------------------------------------------------
expect_rc 2 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681
expect_rc 3 -- --db r.db --key auth.key init --origin $ORIGIN --county 330600 --county-name 诸暨市 --log-vkey log.key.vkey
[ -e r.db ] && fail "a refused init left r.db behind"
expect_rc 3 -- --db r.db --key auth.key init --origin other.example/log --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
contains "$ERR" "must be the origin"
expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
contains "$OUT" "created registry r.db"
contains "$OUT" "county:    330681 诸暨市"
cp r.db r.db.bak
expect 5 "" "quanpiao: r.db already exists; refusing to overwrite a registry" -- \
	--db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
cmp -s r.db r.db.bak || fail "r.db was changed by a refused init"
export QUANPIAO_DB=r.db

# ---- enrolment ------------------------------------------------------------
expect 0 "enrolled 330681.officer.li as officer (entry 3)" "" -- key enroll --role officer --vkey officer.key.vkey --key auth.key
expect 0 "enrolled 330681.auditor.wang as auditor (entry 4)" "" -- key enroll --role auditor --vkey auditor.key.vkey --key auth.key
expect_rc 5 -- key enroll --role officer --vkey officer.key.vkey --key auth.key
contains "$ERR" "already has an active key"
expect_rc 3 -- key enroll --role authority --vkey stranger.key.vkey --key auth.key
expect_rc 3 -- key enroll --role officer --vkey stranger.key.vkey --until 2026-02-30 --key auth.key
expect_rc 2 -- key enroll --role officer --key auth.key
expect_rc 2 -- key enroll --role officer --vkey officer.key.vkey
expect_rc 0 -- key list
contains "$OUT" "330681.officer.li"
contains "$OUT" "auditor"
expect_rc 0 -- key list --json
contains "$OUT" '"name":"330681.authority"'
contains "$OUT" '"role":"log"'

# A registry is made private to its owner (0600: it holds personal data); one that other users of
# the machine may read is still used, with one warning a command, by the audit too.
[ "$(stat -c %a r.db)" = 600 ] || fail "r.db was created with mode $(stat -c %a r.db), not 600"
expect_rc 0 -- key list
LIST=$OUT
chmod 644 r.db
SHARED="quanpiao: warning: other users of this machine may read or write r.db (permission bits 044 for group and others), which holds personal data (names, ID numbers); make it private: chmod go-rwx r.db r.db-wal r.db-shm"
expect 0 "$LIST" "$SHARED" -- key list
expect_rc 0 -- audit
contains "$ERR" "$SHARED"
chmod 620 r.db
expect_rc 0 -- key list
contains "$ERR" "(permission bits 020 for group and others)"
chmod 600 r.db
expect_rc 0 -- audit
case "$ERR" in *warning*) fail "a private registry was warned about" ;; esac

# ---- who may sign what (exit 4 = not permitted, 3 = rejected) ----------------
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
STRANGER_VKEY=$(cat stranger.key.vkey)
ENROLL_BODY="{\"role\":\"officer\",\"vkey\":\"$STRANGER_VKEY\"}"
append_forged() { # EXIT NEEDLE KEY ORIGIN TYPE TIME BODY
	local want="$1" needle="$2"
	shift 2
	"$FORGE" "$@" >forged.note || fail "qp_forge $*"
	local before
	before=$("$QP" log entries --json | grep -o '"index":' | wc -l)
	expect_rc "$want" -- log append forged.note
	contains "$ERR" "$needle"
	[ "$("$QP" log entries --json | grep -o '"index":' | wc -l)" = "$before" ] || fail "a refused entry changed the log"
}
append_forged 4 "has role officer; key.enroll entries must be signed by an authority key" \
	officer.key $ORIGIN key.enroll "$NOW" "$ENROLL_BODY"
append_forged 4 "has role log" log.key $ORIGIN village.add "$NOW" '{}'
append_forged 4 "has role log" log.key $ORIGIN key.enroll "$NOW" "$ENROLL_BODY"
append_forged 4 "has role auditor" auditor.key $ORIGIN village.add "$NOW" '{}'
append_forged 4 "has role auditor" auditor.key $ORIGIN key.enroll "$NOW" "$ENROLL_BODY"
append_forged 4 "is not an enrolled key" stranger.key $ORIGIN village.add "$NOW" '{}'
append_forged 4 "entry is for log other.example/log" auth.key other.example/log key.enroll "$NOW" "$ENROLL_BODY"
append_forged 3 "minutes in the future" auth.key $ORIGIN key.enroll "$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)" "$ENROLL_BODY"
# A changed byte: the signature no longer verifies.
"$FORGE" auth.key $ORIGIN key.enroll "$NOW" "$ENROLL_BODY" | sed 's/"role":"officer"/"role":"auditor"/' >tampered.note
expect_rc 4 -- log append tampered.note
contains "$ERR" "does not verify"
expect_rc 3 -- log append /dev/null
# An entry dated back, before the log's time minus the skew, is refused (exit 3): an enrolment
# in 2020 of a key valid until 2020-06-30 cannot be slipped in today.  (An expired key signing
# an entry dated before its expiry: tests/test_registry.c, test_backdated_expired_key.)
TEMP_VKEY=$(cat temp.key.vkey)
append_forged 3 "is before the log's time" auth.key $ORIGIN key.enroll 2020-01-01T00:00:00Z \
	"{\"role\":\"officer\",\"valid_until\":\"2020-06-30\",\"vkey\":\"$TEMP_VKEY\"}"
TODAY=${NOW%%T*}
"$FORGE" auth.key $ORIGIN key.enroll "$NOW" \
	"{\"role\":\"officer\",\"valid_until\":\"$TODAY\",\"vkey\":\"$TEMP_VKEY\"}" >enroll-temp.note
expect 0 "appended entry 5" "" -- log append enroll-temp.note
# Valid until today: it signs today, and nothing it dates back to 2020 is taken.
append_forged 3 "may not be dated back" temp.key $ORIGIN village.add 2020-06-01T00:00:00Z '{}'
# A revoked key, including an entry it signed before the revocation.
"$FORGE" officer.key $ORIGIN village.add "$NOW" '{}' >early.note
expect 0 "revoked 330681.officer.li (entry 6); it signs nothing from now on" "" -- \
	key revoke 330681.officer.li --reason "left the bureau" --key auth.key
expect_rc 4 -- log append early.note
contains "$ERR" "key 330681.officer.li was revoked by entry 6"
expect_rc 6 -- key revoke 330681.officer.li --reason again --key auth.key
expect_rc 3 -- key revoke 330681.authority --reason x --key auth.key
# Officers cannot enrol or revoke, whatever the command.
expect_rc 4 -- key enroll --role officer --vkey stranger.key.vkey --key auditor.key
expect_rc 4 -- key revoke 330681.auditor.wang --reason x --key auditor.key

# ---- checkpoints and proofs ----------------------------------------------------
expect_rc 6 -- log checkpoint
contains "$ERR" "no checkpoint has been signed yet"
expect_rc 4 -- log sign --key auditor.key
contains "$ERR" "only the log key signs checkpoints"
expect_rc 0 -- log sign --key log.key
CP="$OUT"
contains "$CP" "$ORIGIN
7
"
contains "$CP" "— $ORIGIN "
expect 0 "$CP" "" -- log checkpoint
expect 0 "$CP" "" -- log sign --key log.key
expect 0 "$CP" "" -- log checkpoint --size 7
expect_rc 6 -- log checkpoint --size 3

# log entry prints the exact bytes whose leaf hash is in the tree.
"$QP" log entry --index 3 >entry3 || fail "log entry --index 3"
LEAF=$( (printf '\0'; cat entry3) | sha256sum | cut -c1-64)
expect_rc 0 -- log entries --json --start 3 --end 4
contains "$OUT" "\"leaf_hash\":\"$LEAF\""
contains "$OUT" '"type":"key.enroll"'
expect_rc 0 -- log entries
contains "$OUT" "registry.genesis"
contains "$OUT" "${LEAF:0:16}"
expect_rc 6 -- log entry --index 99
expect_rc 2 -- log entry --index -1
expect_rc 2 -- log entry --index 1x

expect_rc 0 -- log proof --index 3
contains "$OUT" "c2sp.org/tlog-proof@v1
index 3
"
contains "$OUT" "$CP"
expect_rc 3 -- log proof --index 7
contains "$ERR" "not covered by the checkpoint of size 7"
expect_rc 6 -- log proof --index 1 --size 5
expect_rc 0 -- log consistency --from 3
contains "$OUT" "old 3
"
contains "$OUT" "$CP"
expect_rc 0 -- log consistency --from 0
[ "${OUT:0:7}" = "old 0

" ] || fail "consistency from 0 must carry no hashes"
expect_rc 3 -- log consistency --from 8

# ---- passphrases from a terminal ------------------------------------------------
# Without a terminal and without a passphrase source: a clear refusal, never a hang.
unset QUANPIAO_PASSPHRASE
CONTEXT="setsid key show auth.key"
setsid -w "$QP" key show auth.key </dev/null >tty.out 2>tty.err
RC=$?
[ "$RC" = 4 ] || fail "exit $RC without a terminal, expected 4"
grep -q "no terminal to ask on; use --passphrase-file or QUANPIAO_PASSPHRASE" tty.err || fail "$(cat tty.err)"
# On a terminal (script(1) gives one), generate asks twice and refuses a mismatch.
# Typing waits QP_TEST_TYPING seconds between lines (longer when the tool runs under valgrind).
if command -v script >/dev/null 2>&1; then
	d=${QP_TEST_TYPING:-0.5}
	(sleep $d; printf 'first\n'; sleep $d; printf 'second\n'; sleep $d) |
		script -qec "$QP key generate --name tty.mismatch --out mismatch.key" /dev/null >tty.out 2>&1
	grep -q "the passphrases differ" tty.out || fail "mismatched passphrases were not refused: $(cat tty.out)"
	[ -e mismatch.key ] && fail "mismatch.key was created"
	(sleep $d; printf 'tty-pass\n'; sleep $d; printf 'tty-pass\n'; sleep $d) |
		script -qec "$QP key generate --name tty.ok --out tty.key" /dev/null >tty.out 2>&1
	grep -q "generated key tty.ok" tty.out || fail "generate on a terminal failed: $(cat tty.out)"
	grep -q "tty-pass" tty.out && fail "the passphrase was echoed"
	(sleep $d; printf 'tty-pass\n'; sleep $d) | script -qec "$QP key show tty.key" /dev/null >tty.out 2>&1
	grep -q "name:   tty.ok" tty.out || fail "key show on a terminal failed: $(cat tty.out)"
	CHECKS=$((CHECKS + 4))
fi
