# household correct (sourced by run.sh): the members and the head's name set
# right by signed entries; the name stays out of the log (a new commitment),
# the old values stay in the log's history, the audit passes; refusals leave
# the registry unchanged.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
: "${QP_JSON:?QP_JSON must name the qp_json test tool}"
dump() { sqlite3 r.db .dump; }

new_registry
export QUANPIAO_DB=r.db
export QUANPIAO_KEY=officer.key
expect_rc 0 -- village add --code 330681101201 --name 东白湖村
# A name garbled by an import that decoded UTF-8 as GB18030.
expect 0 "added household 330681-H-0000001 330681********0018 寮犱紵 in 330681101201 (entry 5)" "" -- \
	household add --id-number 330681196503120018 --name 寮犱紵 --village 330681101201
expect 0 "added household 330681-H-0000002 330681********0024 李小红 in 330681101201 (entry 6)" "" -- \
	household add --id-number 330681197001010024 --name 李小红 --village 330681101201
H1=330681-H-0000001
old_commitment=$(sqlite3 r.db "SELECT commitment FROM households WHERE number = '$H1'")

# ---- usage and refusals: nothing changes ---------------------------------------------------
unchanged 2 "" "quanpiao: household correct needs one HOUSEHOLD, --field, --value and --reason (see 'quanpiao household correct --help')" -- \
	household correct $H1 --field name --value 张伟
unchanged 3 "" 'quanpiao: --field: "village" is not one of name, members' -- \
	household correct $H1 --field village --value 330681101202 --reason x
unchanged 3 "" 'quanpiao: --value: "0" is not a whole number from 1 to 50' -- \
	household correct $H1 --field members --value 0 --reason x
unchanged 3 "" "quanpiao: --value: U+202E (right-to-left override) is not allowed" -- \
	household correct $H1 --field name --value $'张\xe2\x80\xae伟' --reason x
unchanged 3 "" "quanpiao: --value: U+200B (zero width space) is not allowed" -- \
	household correct $H1 --field name --value $'张\xe2\x80\x8b伟' --reason x
unchanged 3 "" "quanpiao: --value: must not be only white space" -- \
	household correct $H1 --field name --value '  ' --reason x
unchanged 3 "" "quanpiao: --reason: U+2066 (left-to-right isolate) is not allowed" -- \
	household correct $H1 --field members --value 3 --reason $'\xe2\x81\xa6x'
unchanged 6 "" "quanpiao: no household 330681-H-0000009 in the registry" -- \
	household correct 330681-H-0000009 --field members --value 3 --reason x
unchanged 3 "" "quanpiao: household.correct: household $H1 already has that number of members" -- \
	household correct $H1 --field members --value 1 --reason x
unchanged 2 "" "quanpiao: a signing key is needed: give --key FILE or set QUANPIAO_KEY" -- \
	household correct $H1 --field members --value 3 --reason x --key ''

# ---- the name: a new commitment, the name beside the log ---------------------------------------
expect 0 "household $H1: name 寮犱紵 -> 张伟 (entry 7)" "" -- \
	household correct $H1 --field name --value 张伟 --reason "garbled by the legacy import (GB18030 read as UTF-8)"
[ "$(sqlite3 r.db "SELECT name FROM personal_data WHERE household = '$H1'")" = 张伟 ] || fail "the name in personal_data"
new_commitment=$(sqlite3 r.db "SELECT commitment FROM households WHERE number = '$H1'")
[ "$new_commitment" != "$old_commitment" ] || fail "the commitment did not change"
run log entries --json
contains "$OUT" '"type\":\"household.correct\"'
contains "$OUT" "$new_commitment"
contains "$OUT" "$old_commitment"
case "$OUT" in *张伟* | *寮犱紵*) fail "a name is in the log" ;; esac
# By the head's ID number, the members; JSON gives old and new.
expect 0 '{"index":8,"household":"330681-H-0000001","field":"members","old":1,"new":4,"reason":"census 2026"}' "" -- \
	household correct 330681196503120018 --field members --value 4 --reason "census 2026" --json
run household show $H1 --reveal
contains "$OUT" "户主 name           张伟"
contains "$OUT" "人口 members        4"
contains "$OUT" "更正 corrected      8"
# The other household is untouched.
[ "$(sqlite3 r.db "SELECT members || ' ' || coalesce(updated_idx, '-') FROM households WHERE number = '330681-H-0000002'")" = "1 -" ] ||
	fail "household 2 changed"

# ---- the audit passes, and finds a name changed behind the log's back ----------------------
expect_rc 0 -- audit
cp r.db bad.db
sqlite3 bad.db "UPDATE personal_data SET name = '寮犱紵' WHERE household = '$H1'"
expect_rc 1 -- audit --db bad.db
contains "$OUT" "PROBLEM household $H1: personal data does not match its commitment"
