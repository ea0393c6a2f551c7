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
contains "$OUT" '"personal_problems":0,"personal_rows":559,"holds_personal_data":true'
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
contains "$OUT" "PROBLEM households row 330681-H-0000001: members: stored 3, the log says 4"
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
contains "$OUT" "PROBLEM households row 330681-H-0000008: is in the registry but the log does not create it"
# Its personal data (beside the log) belongs to no household the log creates: named, not counted as derived.
contains "$OUT" "PROBLEM household 330681-H-0000001: personal data is in the file, but the log creates no such household"
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
# Only derived tables are wrong: the advice is a rebuild, named for this file, that pastes.
contains "$ERR" "To repair: the problem is in tables derived from the log, and the log itself is intact."
contains "$ERR" "  quanpiao --db area.db rebuild --out repaired.db "
contains "$ERR" "keep area.db for the investigation and put repaired.db in its place."
expect_rc 1 -- --db area.db rebuild --out repaired-area.db
expect_rc 0 -- --db repaired-area.db audit
tamper status "UPDATE homes SET status = 'idle' WHERE unit = '330681001002JC00007F00010001'"
contains "$OUT" "PROBLEM homes row 330681001002JC00007F00010001: status: stored idle, the log says activated"

# ---- personal data beside the log (issue 19) ----
# Each value of a personal_data row changed, the row deleted, the commitment changed in
# households: exit 1, naming the household (never the ID number in full nor the name).
HH=330681-H-0000003
HIDX=$(sqlite3 clean.db "SELECT added_idx FROM households WHERE number = '$HH'")
HID=$(sqlite3 clean.db "SELECT id_number FROM personal_data WHERE household = '$HH'")
[ -n "$HIDX" ] && [ ${#HID} = 18 ] || fail "the fixture has no household $HH with personal data"
MISMATCH="PROBLEM household $HH: personal data does not match its commitment in entry $HIDX (household.add): its ID number, name or salt was changed"
# personal NAME SQL... : tamper, then the finding is about the personal data and names no person.
personal() {
	tamper "$@"
	case "$OUT$ERR" in *"$HID"* | *户2*) fail "the audit printed personal data" ;; esac
	contains "$ERR" "To repair: 1 problem is in the personal data kept beside the log (ID numbers, names and salts the log commits to), which neither the log nor a rebuild holds."
}
# Another valid ID number (check character, birth date): only the commitment tells.
personal pd_id "UPDATE personal_data SET id_number = '11010519491231002X' WHERE household = '$HH'"
contains "$OUT" "$MISMATCH"
contains "$ERR" "quanpiao: the audit found 1 problem"
# An ID number that breaks its rules: named by the rule too.
tamper pd_badid "UPDATE personal_data SET id_number = substr(id_number, 1, 17) || CASE substr(id_number, 18) WHEN '0' THEN '1' ELSE '0' END WHERE household = '$HH'"
contains "$OUT" "PROBLEM household $HH: personal data: ID number: check character is"
contains "$OUT" "$MISMATCH"
tamper pd_lower "UPDATE personal_data SET id_number = '11010519491231002x' WHERE household = '$HH'"
contains "$OUT" "PROBLEM household $HH: personal data: ID number: the check character must be upper-case X"
personal pd_name "UPDATE personal_data SET name = '某某' WHERE household = '$HH'"
contains "$OUT" "$MISMATCH"
expect_rc 1 -- --db pd_name.db audit --json
contains "$OUT" '"derived_problems":0,"personal_problems":1,'
contains "$OUT" "{\"where\":\"household $HH\",\"what\":\"personal data does not match its commitment"
tamper pd_badname "UPDATE personal_data SET name = 'a' || char(10) || 'b' WHERE household = '$HH'"
contains "$OUT" "PROBLEM household $HH: personal data: name: U+000A (a control character) is not allowed"
personal pd_salt "UPDATE personal_data SET salt = zeroblob(32) WHERE household = '$HH'"
contains "$OUT" "$MISMATCH"
personal pd_deleted "DELETE FROM personal_data WHERE household = '$HH'"
contains "$OUT" "PROBLEM household $HH: personal data missing: the file holds no ID number or name for it, and no household.erase removed them (entry $HIDX committed to them)"
# The commitment in households is derived from the log: the comparison names it, a rebuild repairs it.
tamper commitment "UPDATE households SET commitment = '$(printf '0%.0s' $(seq 64))' WHERE number = '$HH'"
contains "$OUT" "PROBLEM households row $HH: commitment: stored 0000000000000000000000000000000000000000000000000000000000000000, the log says "
contains "$ERR" "To repair: the problem is in tables derived from the log, and the log itself is intact."
expect_rc 1 -- --db commitment.db rebuild --out commitment-repaired.db
expect_rc 0 -- --db commitment-repaired.db audit
tamper erased_idx "UPDATE households SET erased_idx = 5 WHERE number = '$HH'"
contains "$OUT" "PROBLEM households row $HH: erased_idx: stored 5, the log says none"
# With the UNIQUE constraint dropped, one ID number held by two households.
tamper pd_dup "CREATE TABLE pd AS SELECT * FROM personal_data; DROP TABLE personal_data;
	CREATE TABLE personal_data (household TEXT PRIMARY KEY NOT NULL REFERENCES households (number),
		id_number TEXT NOT NULL, name TEXT NOT NULL, salt BLOB NOT NULL) STRICT;
	INSERT INTO personal_data SELECT * FROM pd; DROP TABLE pd;
	UPDATE personal_data SET id_number = (SELECT id_number FROM personal_data WHERE household = '330681-H-0000001') WHERE household = '$HH'"
contains "$OUT" "PROBLEM households 330681-H-0000001, $HH: personal data: the same ID number 330681********"
contains "$OUT" "$MISMATCH"
# ... which a rebuild cannot carry over (the rebuilt file keeps the constraint): named, exit 1.
expect_rc 1 -- --db pd_dup.db rebuild --out pd_dup-rebuilt.db
contains "$ERR" "quanpiao: the personal data beside the log fails its check: household"

# rebuild carries the personal data over as it is, and checks it: clean, then tampered.
[ "$(sqlite3 rebuilt.db "SELECT count(*) FROM personal_data")" = "$(sqlite3 clean.db "SELECT count(*) FROM personal_data")" ] ||
	fail "rebuild did not carry the personal data over"
[ "$(sqlite3 rebuilt.db "SELECT hex(salt) || id_number || name FROM personal_data WHERE household = '$HH'")" = \
	"$(sqlite3 clean.db "SELECT hex(salt) || id_number || name FROM personal_data WHERE household = '$HH'")" ] ||
	fail "rebuild changed the personal data"
expect_rc 1 -- --db pd_name.db rebuild --out pd_name-rebuilt.db
contains "$ERR" "quanpiao: the personal data beside the log fails its check: household $HH: personal data does not match its commitment"
contains "$ERR" "To repair: the personal data kept beside the log fails its check, and no rebuild can make it again (the rebuilt registry pd_name-rebuilt.db holds it as it was)."
[ "$(sqlite3 pd_name-rebuilt.db "SELECT name FROM personal_data WHERE household = '$HH'")" = 某某 ] ||
	fail "rebuild dropped or repaired a personal-data row that fails its check"
expect_rc 1 -- --db pd_name-rebuilt.db audit
contains "$OUT" "$MISMATCH"

# A registry that holds no personal data by design (a --server client's mirror, marked so when
# created): no household asks for its data.  Unmarked, the same file is missing all of it.
tamper nodata "DELETE FROM personal_data"
contains "$OUT" "PROBLEM household 330681-H-0000001: personal data missing"
contains "$OUT" "PROBLEM personal_data: 549 more problems like these"
cp nodata.db mirror.db
sqlite3 mirror.db "INSERT INTO registry_meta (key, value) VALUES ('personal_data', 'none (a mirror of a served log)')"
expect_rc 0 -- --db mirror.db audit
contains "$OUT" "full audit of mirror.db (a mirror of a served log: it holds no personal data): $SIZE entries from 0"
expect_rc 0 -- --db mirror.db rebuild --out mirror-rebuilt.db
expect_rc 0 -- --db mirror-rebuilt.db audit
contains "$OUT" "(a mirror of a served log: it holds no personal data)"

# A person investor (home.activate with a resident ID): investor_data against the activation.
cp clean.db investor.db
"$TAMPER" submit investor.db keys/officer.key home.add \
	'{"household":"330681-H-0000557","land_area":9000,"status":"idle","unit":"330681001004JC00001F00010001","village":"330681101200"}' >/dev/null ||
	fail "qp_tamper submit home.add"
"$TAMPER" submit investor.db keys/officer.key home.activate \
	'{"investment":100000,"investor":"投资人甲","investor_id":"11010519491231002X","rent":5000,"start":"2026-01-01","unit":"330681001004JC00001F00010001","use":"homestay","years":5}' >/dev/null ||
	fail "qp_tamper submit home.activate"
AIDX=$(sqlite3 investor.db "SELECT activation FROM investor_data")
[ -n "$AIDX" ] || fail "the person investor's data was not stored"
expect_rc 0 -- --db investor.db audit
contains "$OUT" "no problems"
cp investor.db clean-investor.db
sqlite3 investor.db "UPDATE activations SET investor_commitment = replace(investor_commitment, substr(investor_commitment, 1, 1), 'x')"
expect_rc 1 -- --db investor.db audit
contains "$OUT" "PROBLEM activations row activation of entry $AIDX: investor_commitment: stored x"
cp clean-investor.db investor.db
sqlite3 investor.db "UPDATE investor_data SET name = '投资人乙'"
expect_rc 1 -- --db investor.db audit
contains "$OUT" "PROBLEM home 330681001004JC00001F00010001, activation of entry $AIDX: the investor's personal data does not match its commitment in entry $AIDX (home.activate): its ID number, name or salt was changed"
cp clean-investor.db investor.db
sqlite3 investor.db "DELETE FROM investor_data"
expect_rc 1 -- --db investor.db audit
contains "$OUT" "PROBLEM home 330681001004JC00001F00010001, activation of entry $AIDX: the investor's personal data missing"

# household.erase (PIPL art. 47): the data leaves the file: table, main file, WAL.  A connection
# held open meanwhile keeps SQLite from removing the WAL when the writer closes: only the
# checkpoint after the erase empties it.
EID=11010519491231002X
ENAME=诸葛测试员
cp clean.db erase.db
"$TAMPER" submit erase.db keys/officer.key household.add \
	"{\"id_number\":\"$EID\",\"members\":2,\"name\":\"$ENAME\",\"village\":\"330681101200\"}" >/dev/null ||
	fail "qp_tamper submit household.add"
ENUM=$(sqlite3 erase.db "SELECT household FROM personal_data WHERE id_number = '$EID'")
[ -n "$ENUM" ] || fail "the household to erase was not added"
sqlite3 erase.db ".mode insert personal_data" "SELECT * FROM personal_data WHERE household = '$ENUM'" >erased-row.sql
hexof() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
# scan FILE... : none of the erased values in any byte of the files, as text or hex.
scan() {
	local f n
	for f in "$@"; do
		[ -e "$f" ] || continue
		for n in "$EID" "$ENAME" "$(hexof "$EID")" "$(hexof "$ENAME")"; do
			CHECKS=$((CHECKS + 1))
			if grep -a -i -F -q -- "$n" "$f"; then
				fail "$f still holds the erased $n"
			fi
		done
	done
}
grep -a -F -q -- "$EID" erase.db || fail "the scan cannot see the ID number before the erase"
mkfifo hold
sqlite3 erase.db <hold >/dev/null &
HOLDER=$!
exec 9>hold
echo "SELECT count(*) FROM households;" >&9
"$TAMPER" submit erase.db keys/officer.key household.erase "{\"household\":\"$ENUM\",\"reason\":\"PIPL art. 47 request\"}" >/dev/null ||
	fail "qp_tamper submit household.erase"
scan erase.db erase.db-wal erase.db-shm
[ ! -s erase.db-wal ] || fail "the WAL still holds pages after the erase"
exec 9>&-
wait "$HOLDER"
scan erase.db erase.db-wal erase.db-shm
[ "$(sqlite3 erase.db "SELECT length(commitment), erased_idx IS NOT NULL FROM households WHERE number = '$ENUM'")" = "64|1" ] ||
	fail "the erased household lost its commitment or is not marked erased"
expect_rc 0 -- --db erase.db audit
contains "$OUT" "no problems"
# The data put back after the erase: a finding.
cp erase.db unerased.db
sqlite3 unerased.db <erased-row.sql || fail "sqlite3 unerased"
EIDX=$(sqlite3 erase.db "SELECT erased_idx FROM households WHERE number = '$ENUM'")
expect_rc 1 -- --db unerased.db audit
contains "$OUT" "PROBLEM household $ENUM: personal data is still in the file, though entry $EIDX (household.erase) erased it"

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
# The incremental audit checks the whole of the personal data: it changes without any entry.
sqlite3 inc.db "UPDATE villages SET name = '新村三' WHERE code = '330681101396'"
expect_rc 0 -- --db inc.db audit --keep kept3
sqlite3 inc.db "UPDATE personal_data SET name = '某某' WHERE household = '$HH'"
expect_rc 1 -- --db inc.db audit --since kept3/checkpoint
contains "$OUT" "incremental audit of inc.db"
contains "$OUT" "$MISMATCH"
# A failed incremental audit discards the kept replay: the next one must be full.
[ -e kept/replay.db ] && fail "the kept replay survived a failed audit"
expect_rc 6 -- --db inc.db audit --since kept/checkpoint
expect_rc 6 -- --db inc.db audit --since nowhere/checkpoint
# A trusted checkpoint that is not this log's (its root changed, the signature fails): refused,
# exit 3, and the saved state is kept (tests/cli/test_anchor.sh has the rest).
cp kept3/checkpoint other.cp
sed -i '3{s/^A/B/;t;s/^./A/}' other.cp
cmp -s other.cp kept3/checkpoint && fail "the root edit did not change the checkpoint"
expect_rc 0 -- --db clean.db audit --keep kept2
cp other.cp kept2/checkpoint
expect_rc 4 -- --db clean.db audit --since kept2/checkpoint
contains "$ERR" "quanpiao: kept2/checkpoint: not signed by a log key of $ORIGIN"
[ -e kept2/replay.db ] || fail "a refused --since checkpoint removed the kept replay"
# A replay saved by another version of quanpiao (here its schema one migration behind): refused,
# saying what to do, and left as it was.
expect_rc 0 -- --db clean.db audit --keep kept4
v=$(sqlite3 kept4/replay.db "PRAGMA user_version")
sqlite3 kept4/replay.db "DELETE FROM qp_schema_migrations WHERE version = $v; PRAGMA user_version = $((v - 1))"
cp kept4/replay.db kept4.before
expect_rc 3 -- --db clean.db audit --since kept4/checkpoint
contains "$ERR" "kept4/replay.db: the replay was saved by another version of quanpiao"
contains "$ERR" "run a full audit with --keep again"
cmp -s kept4/replay.db kept4.before || fail "a replay of another version was changed"

# ---- the access record beside the log: chained, committed to by each checkpoint (format.md) ----
CONTEXT="the access record"
cp clean.db acc.db
expect_rc 0 -- --db acc.db --key keys/officer.key household show 330681-H-0000001 --reveal
expect_rc 0 -- --db acc.db --key keys/officer.key household show 330681-H-0000002 --reveal
expect_rc 0 -- --db acc.db audit
contains "$OUT" "access record: 2 rows, the first 0 committed to by a signed checkpoint; the 2 after them no checkpoint covers yet"
expect_rc 0 -- --db acc.db village add --code 330681101391 --name 访问村 --key keys/officer.key
expect_rc 0 -- --db acc.db log sign --key keys/log.key
contains "$OUT" "quanpiao/access-records/v1 2 "
expect_rc 0 -- --db acc.db --key keys/officer.key household show 330681-H-0000003 --reveal
expect_rc 0 -- --db acc.db audit --json
contains "$OUT" '"access_rows":3,"access_covered":2,"access_problems":0'
# Altered by hand: the row is named, and the advice is to restore the file, not to rebuild.
cp acc.db acc_edit.db
sqlite3 acc_edit.db "UPDATE access_records SET reader = '330681.officer.wang' WHERE id = 1"
expect_rc 1 -- --db acc_edit.db audit
contains "$OUT" "PROBLEM access_records row 1: its chain is not the hash of its fields and the row before it"
contains "$ERR" "in the access record kept beside the log (who read whose personal data)"
expect_rc 1 -- --db acc_edit.db rebuild --out acc_edit-rebuilt.db
contains "$ERR" "the access record beside the log fails its check"
# Every row the checkpoint covers removed: the checkpoint says so.
cp acc.db acc_gone.db
sqlite3 acc_gone.db "DELETE FROM access_records WHERE id <= 2"
expect_rc 1 -- --db acc_gone.db audit
contains "$OUT" "PROBLEM checkpoint of size $((SIZE + 1)): it commits to the access record's first 2 rows, and the file has no row 2: rows were removed"
# The row after the newest checkpoint: removing it leaves no trace (docs/format.md, "Limits").
cp acc.db acc_tail.db
sqlite3 acc_tail.db "DELETE FROM access_records WHERE id = 3"
expect_rc 0 -- --db acc_tail.db audit
contains "$OUT" "access record: 2 rows, the first 2 committed to by a signed checkpoint"
# Rebuilt: the record is carried over and still checks against the checkpoints.
expect_rc 0 -- --db acc.db rebuild --out acc-rebuilt.db
expect_rc 0 -- --db acc-rebuilt.db audit --json
contains "$OUT" '"access_rows":3,"access_covered":2,"access_problems":0'
