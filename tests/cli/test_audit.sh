# quanpiao audit and rebuild: a clean registry audits clean; each kind of
# tampering is found, exit 1, naming the entry or row (sourced by run.sh).
MK="${QP_MKSTATS:?QP_MKSTATS must name the qp_mkstats test tool}"
TAMPER="${QP_TAMPER:?QP_TAMPER must name the qp_tamper test tool}"
FORGE="${QP_FORGE:?QP_FORGE must name the qp_forge test tool}"
ORIGIN=zhuji.example/quanpiao
mkdir -p keys
QP_MKSTATS_KEYS=keys "$MK" clean.db >/dev/null || fail "qp_mkstats"
expect_rc 0 -- --db clean.db log sign --key keys/log.key
SIZE=$(sed -n 2p <<<"$OUT")

expect_rc 0 -- --db clean.db audit
contains "$OUT" "full audit of clean.db: $SIZE entries from 0, $SIZE signatures, 1 checkpoints: no problems"
expect_rc 0 -- --db clean.db audit --json --jobs 1
contains "$OUT" '"ok":true'
contains "$OUT" '"problems":[]'
expect_rc 0 -- --db clean.db rebuild --out rebuilt.db
contains "$OUT" "identical: the state is exactly what the log says"
expect_rc 0 -- --db rebuilt.db audit
expect_rc 5 -- --db clean.db rebuild --out rebuilt.db
expect_rc 2 -- --db clean.db audit --jobs 0x
expect_rc 2 -- --db clean.db audit --keep a --since b/checkpoint

# tamper NAME SQL... : copy the clean registry, run the SQL on it, expect exit 1.
tamper() {
	local name="$1"
	shift
	cp clean.db "$name.db"
	sqlite3 "$name.db" "$@" || fail "sqlite3 $name"
	expect_rc 1 -- --db "$name.db" audit
	contains "$ERR" "quanpiao: the audit found"
}

# One byte of an entry body changed (the first household's members).
H=$(sqlite3 clean.db "SELECT min(idx) FROM log_entries WHERE type = 'household.add'")
sqlite3 clean.db "SELECT writefile('e5', note) FROM log_entries WHERE idx = $H" >/dev/null
sed 's/"members":3/"members":4/' e5 >e5.bad
cmp -s e5 e5.bad && fail "the edit did not change entry 5"
tamper body "UPDATE log_entries SET note = readfile('e5.bad') WHERE idx = $H"
contains "$OUT" "PROBLEM entry $H: its stored leaf hash is not the hash of its bytes"
contains "$OUT" "PROBLEM entry $H: its signature does not verify"
contains "$OUT" "PROBLEM households row 330681********"
contains "$OUT" "members: stored 3, the log says 4"
# The log itself is at fault: no rebuild can repair it, and the advice says so.
contains "$ERR" "in the log itself (entries, signatures or checkpoints), which a rebuild cannot make again."
case "$ERR" in *"rebuild --out"*) fail "a rebuild is advised for a damaged log" ;; esac
# ... and the stored leaf hash fixed up too: the tree and the signature still tell.
tamper body2 "UPDATE log_entries SET note = readfile('e5.bad'), leaf_hash = (SELECT leaf_hash FROM log_entries WHERE idx = $H) WHERE idx = $H"
contains "$OUT" "PROBLEM entry $H: its signature does not verify"

# An entry the rules refuse in the middle of the replay (its village unknown): the entries
# before it stay applied (villages), it and what depends on it (its home) are named, and so is
# every later household.add: household numbers are assigned in order, so the next household's
# number is no longer the next one.
sed 's/"village":"\([0-9]*\)"/"village":"330681109999"/' e5 >e5.refused
tamper refused "UPDATE log_entries SET note = readfile('e5.refused') WHERE idx = $H"
contains "$OUT" "PROBLEM entry $H: refused by the rules (household.add by 330681.officer.li): household.add: unknown village 330681109999"
contains "$OUT" "PROBLEM entry $((H + 1)): refused by the rules (home.add by 330681.officer.li)"
contains "$OUT" "PROBLEM entry $((H + 2)): refused by the rules (household.add by 330681.officer.li): household.add: household number 330681-H-0000002 in body.number is not the next one (330681-H-0000001)"
contains "$OUT" "PROBLEM households row 330681********0008: is in the registry but the log does not create it"
# Not lost: the villages before it in its batch; not shifted: the indexes of the rows after it.
case "$OUT" in *"villages row"* | *"added_idx"*) fail "the replay around the refused entry went wrong" ;; esac

# A signature changed: entry 6's signature line on entry 5's text.
sqlite3 clean.db "SELECT writefile('e6', note) FROM log_entries WHERE idx = $((H + 1))" >/dev/null
{ sed '/^— /d' e5; grep '^— ' e6; } >e5.sig
tamper signature "UPDATE log_entries SET note = readfile('e5.sig') WHERE idx = $H"
contains "$OUT" "PROBLEM entry $H: its signature does not verify"

# The columns stored beside a note (what lists and histories show) altered.
tamper signer "UPDATE log_entries SET signer = '330681.officer.x', time = '2020-01-01T00:00:00Z' WHERE idx = $H"
contains "$OUT" "PROBLEM log_entries row $H: signer: stored 330681.officer.x, the log says 330681.officer."
contains "$OUT" "PROBLEM log_entries row $H: time: stored 2020-01-01T00:00:00Z, the log says"

# The genesis entry damaged (its first byte): every later entry is refused, named, and nothing crashes.
tamper genesis "UPDATE log_entries SET note = CAST('X' || substr(CAST(note AS TEXT), 2) AS BLOB) WHERE idx = 0"
contains "$OUT" "PROBLEM entry 0: refused by the rules (registry.genesis by 330681.authority): entry: first line must be quanpiao/entry/v2"
contains "$OUT" "PROBLEM entry 1: refused by the rules (key.enroll by 330681.authority): the log's genesis entry was not accepted, so no later entry can be"

# An entry deleted.
tamper deleted "DELETE FROM log_entries WHERE idx = 7"
contains "$OUT" "PROBLEM entry 8: entries 7 to 7 are missing from the log"

# Two entries swapped (whole rows, leaf hashes included).
tamper swapped "UPDATE log_entries SET idx = 999999 WHERE idx = 9; UPDATE log_entries SET idx = 9 WHERE idx = 10; UPDATE log_entries SET idx = 10 WHERE idx = 999999"
contains "$OUT" "PROBLEM tree_nodes row (0, 9): hash differs"
contains "$OUT" "PROBLEM checkpoint of size $SIZE: its root is not the root"

# The holes of entry format v1 (issue 19), as an insider with the file would try them: a middle
# entry deleted (or two entries swapped), the registry rebuilt from what is left, so that tree,
# tables and leaf hashes are all consistent again, and every checkpoint above it deleted.  The
# entries after it name log states (size, root) that the rebuilt log never had: the audit names
# them (exit 1).  Entry 10 of the fixture (household.add) names the state of size 10.
# rewritten NAME SQL... : copy the clean registry, run the SQL, rebuild it (exit 1: the log is at
# fault), delete the checkpoints above entry 7 in the rebuilt file; its audit must find it.
rewritten() {
	local name="$1"
	shift
	cp clean.db "$name.db"
	sqlite3 "$name.db" "$@" || fail "sqlite3 $name"
	expect_rc 1 -- --db "$name.db" rebuild --out "$name-rebuilt.db"
	sqlite3 "$name-rebuilt.db" "DELETE FROM checkpoints WHERE size > 7" || fail "sqlite3 $name-rebuilt"
	expect_rc 1 -- --db "$name-rebuilt.db" audit
	contains "$ERR" "quanpiao: the audit found"
}
rewritten hole "DELETE FROM log_entries WHERE idx = 7"
contains "$OUT" "PROBLEM entry 9: refused by the rules (household.add by 330681.officer.li): entry names log state of size 10 with root "
contains "$OUT" "which this log never had before it: log.size may be at most the entry's own index 9"
# The rebuild keeps every entry of the log, the refused ones unapplied: nothing is dropped unseen.
[ "$(sqlite3 hole-rebuilt.db "SELECT count(*) FROM log_entries")" = "$((SIZE - 1))" ] ||
	fail "the rebuilt log does not hold every entry that was left"
rewritten swap "UPDATE log_entries SET idx = 999999 WHERE idx = 9; UPDATE log_entries SET idx = 9 WHERE idx = 10; UPDATE log_entries SET idx = 10 WHERE idx = 999999"
contains "$OUT" "PROBLEM entry 9: refused by the rules (household.add by 330681.officer.li): entry names log state of size 10"

# A stored tree hash changed.
tamper node "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 3 AND idx = 2"
contains "$OUT" "PROBLEM tree_nodes row (3, 2): hash differs"

# State rows changed: a certificate's holder and area, a home's status.
CERT=$(sqlite3 clean.db "SELECT id FROM certificates ORDER BY id LIMIT 1")
tamper holder "UPDATE certificates SET holder = '11010519491231002X' WHERE id = '$CERT'"
contains "$OUT" "PROBLEM certificates row $CERT: holder: stored 11010519491231002X, the log says"
tamper area "UPDATE certificates SET area = area + 100 WHERE id = '$CERT'"
contains "$OUT" "PROBLEM certificates row $CERT: area: stored 121.00 m², the log says 120.00 m²"
contains "$OUT" "PROBLEM certificates: per-home cap exceeded: 330681001003JC00001F00010001 guarantee: 121.00 m² issued from a land area of 120.00 m²"
# Only derived tables are wrong: the advice is a rebuild, named for this file, that pastes.
contains "$ERR" "To repair: all 2 problems are in tables derived from the log, and the log itself is intact."
contains "$ERR" "  quanpiao --db area.db rebuild --out repaired.db "
contains "$ERR" "keep area.db for the investigation and put repaired.db in its place."
expect_rc 1 -- --db area.db rebuild --out repaired-area.db
expect_rc 0 -- --db repaired-area.db audit
tamper status "UPDATE homes SET status = 'idle' WHERE unit = '330681001002JC00007F00010001'"
contains "$OUT" "PROBLEM homes row 330681001002JC00007F00010001: status: stored idle, the log says activated"

# An entry appended with a valid signature by a key revoked before it.
"$FORGE" keys/officer.key $ORIGIN village.add "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '{"code":"330681101399","name":"x"}' >late.note ||
	fail "qp_forge"
cp clean.db revoked.db
expect_rc 0 -- --db revoked.db key revoke 330681.officer.li --reason "left" --key keys/authority.key
"$TAMPER" append revoked.db late.note >/dev/null || fail "qp_tamper append"
expect_rc 1 -- --db revoked.db audit
contains "$OUT" "PROBLEM entry $((SIZE + 1)): refused by the rules (village.add by tampered): key 330681.officer.li was revoked by entry $SIZE"

# A checkpoint, properly signed by the log key, whose root is not the log's.
cp clean.db badcp.db
"$TAMPER" checkpoint badcp.db keys/log.key 10 || fail "qp_tamper checkpoint"
expect_rc 1 -- --db badcp.db audit
contains "$OUT" "PROBLEM checkpoint of size 10: its root is not the root of the log's first entries"
# ... and one whose stored root was edited after signing.
tamper cproot "UPDATE checkpoints SET root = zeroblob(32)"
contains "$OUT" "PROBLEM checkpoint of size $SIZE: its stored size or root differs from its signed text"

# rebuild refuses to call a tampered registry identical.
expect_rc 1 -- --db status.db rebuild
contains "$ERR" "the log and the registry disagree: homes row 330681001002JC00007F00010001"
contains "$ERR" "To repair: 'quanpiao audit' names each row that differs.  'quanpiao --db status.db rebuild --out repaired.db' makes the registry again from its log"
expect_rc 1 -- --db status.db rebuild --out status-repaired.db
contains "$ERR" "status-repaired.db is the registry made again from the log: check it with 'quanpiao --db status-repaired.db audit'"
expect_rc 0 -- --db status-repaired.db audit
expect_rc 1 -- --db body.db rebuild
contains "$ERR" "To repair: the log itself fails a check, and no rebuild can make it again."

# Incremental: keep, grow, audit only what is new; a bad trusted checkpoint is refused.
cp clean.db inc.db
expect_rc 0 -- --db inc.db audit --keep kept
[ -f kept/checkpoint ] && [ -f kept/replay.db ] || fail "audit --keep did not keep its state"
expect_rc 0 -- --db inc.db village add --code 330681101398 --name 新村 --key keys/officer.key
expect_rc 0 -- --db inc.db village add --code 330681101397 --name 新村二 --key keys/officer.key
expect_rc 0 -- --db inc.db log sign --key keys/log.key
expect_rc 0 -- --db inc.db audit --since kept/checkpoint
contains "$OUT" "incremental audit of inc.db: 2 entries from $SIZE, 2 signatures"
contains "$OUT" "no problems"
# A row touched by a new entry, altered before the incremental audit: found.
expect_rc 0 -- --db inc.db village add --code 330681101396 --name 新村三 --key keys/officer.key
sqlite3 inc.db "UPDATE villages SET name = 'x' WHERE code = '330681101396'"
expect_rc 1 -- --db inc.db audit --since kept/checkpoint
contains "$OUT" "PROBLEM villages row 330681101396: name: stored x, the log says 新村三"
contains "$ERR" "quanpiao: the audit found 1 problem"
# A failed incremental audit discards the kept replay: the next one must be full.
[ -e kept/replay.db ] && fail "the kept replay survived a failed audit"
expect_rc 6 -- --db inc.db audit --since kept/checkpoint
expect_rc 6 -- --db inc.db audit --since nowhere/checkpoint
# A trusted checkpoint that is not this log's.
cp kept/checkpoint other.cp
sed -i '3s/^./X/' other.cp
expect_rc 0 -- --db clean.db audit --keep kept2
cp other.cp kept2/checkpoint
expect_rc 1 -- --db clean.db audit --since kept2/checkpoint
contains "$OUT" "PROBLEM checkpoint of size"
contains "$ERR" "the trusted checkpoint does not match this registry's log"
