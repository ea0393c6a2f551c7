# quanpiao id check: exact output and exit codes (sourced by run.sh).

# Valid values print ok and exit 0.
expect 0 "ok" "" -- id check resident 11010519491231002X
expect 0 "ok" "" -- id check resident 11010519491231002x
expect 0 "ok" "" -- id check uscc 91350100M000100Y43
expect 0 "ok" "" -- id check unit 330681001002JC00123F00010001
expect 0 "ok" "" -- id check parcel 330681001002JC00123
expect 0 "ok" "" -- id check county 330681
expect 0 "ok" "" -- id check township 330681101
expect 0 "ok" "" -- id check village 330681101201
expect 0 "ok" "" -- id check area 120.50
expect 0 "ok" "" -- id check money 472000000.00
expect 0 "ok" "" -- id check date 2026-11-28
# Options may come before the command, after it, or as --opt=value.
expect 0 "ok" "" -- id check --county 110105 unit 110105003004GB00001F00020003
expect 0 "ok" "" -- id check unit --county=110105 110105003004GB00001F00020003

# Each broken rule names the field and the rule, exit 3, nothing on stdout.
expect 3 "" "quanpiao: resident ID number: check character is '1', expected 'X'" -- \
	id check resident 110105194912310021
expect 3 "" "quanpiao: resident ID number: birth date 19900230 is not a real date" -- \
	id check resident 330681199002301236
expect 3 "" "quanpiao: resident ID number: must be 18 characters (GB 11643), got 17" -- \
	id check resident 11010519491231002
expect 3 "" "quanpiao: unified social credit code: check character is '4', expected '3'" -- \
	id check uscc 91350100M000100Y44
expect 3 "" "quanpiao: collective's credit code: a village collective economic organisation's code starts with N2, not 91" -- \
	id check collective 91350100M000100Y43
expect 3 "" "quanpiao: real-estate unit code: county 330682 is not this registry's county 330681" -- \
	id check unit 330682001002JC00123F00010001
expect 3 "" "quanpiao: real-estate unit code: character 13 ('j') must be an upper-case letter" -- \
	id check unit 330681001002jc00123F00010001
expect 3 "" "quanpiao: parcel code: must be 19 characters (GB/T 37346 parcel code), got 18" -- \
	id check parcel 330681001002JC0012
expect 3 "" "quanpiao: village code: village part 105 is not a village committee (村委会 codes are 200-399)" -- \
	id check village 330681101105
expect 3 "" "quanpiao: county code: 330600 is a prefecture, not a county (digits 5-6 are 00)" -- \
	id check county 330600
expect 3 "" "quanpiao: area: has 3 decimal places; at most 2 are allowed" -- id check area 120.505
expect 3 "" "quanpiao: money: must not be negative" -- id check money -5.00
expect 3 "" "quanpiao: date: 2021-02-30 is not a real date (day 30 does not exist in 2021-02)" -- \
	id check date 2021-02-30
expect 3 "" "quanpiao: --county: 99 is not a province code (GB/T 2260)" -- \
	id check --county 990681 unit 330681001002JC00123F00010001

# --json: one document on stdout, with the parts of the value.
expect 0 '{"kind":"resident","value":"11010519491231002x","normalized":"11010519491231002X","masked":"110105********002X","birth_date":"1949-12-31","sex":"female","ok":true}' "" -- \
	--json id check resident 11010519491231002x
expect 0 '{"kind":"area","value":"120.5","normalized":"120.50","hundredths":12050,"ok":true}' "" -- \
	id check area 120.5 --json
expect 3 '{"kind":"date","value":"2021-13-01","ok":false,"error":"date: month 13 does not exist"}' \
	"quanpiao: date: month 13 does not exist" -- id check date 2021-13-01 --json
expect 0 '{"kind":"unit","value":"330681001002JC00123F00010001","parcel":"330681001002JC00123","parcel_type":"JC","homestead":true,"fixture_type":"F","ok":true}' "" -- \
	id check unit 330681001002JC00123F00010001 --json
# Bytes that are not UTF-8 are never echoed raw into JSON.
expect_rc 3 -- id check resident $'\xff\xfe' --json
contains "$OUT" '"value":"��"'
contains "$ERR" "quanpiao: resident ID number: must be 18 characters (GB 11643), got 2"

# Usage errors exit 2 and point at the help.
expect 2 "" "quanpiao: id check needs a KIND and a VALUE, got 1 argument (see 'quanpiao id check --help')" -- \
	id check resident
expect 2 "" "quanpiao: unknown kind 'passport'; kinds: resident uscc collective unit parcel county township village area money date (see 'quanpiao id check --help')" -- \
	id check passport X
expect 2 "" "quanpiao: unknown option --frobnicate (see 'quanpiao id check --help')" -- \
	id check resident 11010519491231002X --frobnicate
expect 2 "" "quanpiao: option --county needs a value (CODE) (see 'quanpiao id check --help')" -- \
	id check resident 11010519491231002X --county
expect 2 "" "quanpiao: option --json takes no value (see 'quanpiao id check --help')" -- \
	id check resident 11010519491231002X --json=yes
expect 2 "" "quanpiao: unknown command 'id frob' (see 'quanpiao id --help')" -- id frob
expect 2 "" "quanpiao: unknown command 'frob' (see 'quanpiao --help')" -- frob
expect 2 "" "quanpiao: unknown option --frob (see 'quanpiao --help')" -- --frob id check county 330681
expect 2 "" "quanpiao: option --db needs a value" -- --db

# A value that starts with a dash goes after --.
expect 3 "" "quanpiao: money: must not be negative" -- id check money -- -1

# Help and version exit 0 on stdout.
expect_rc 0 -- id check --help
contains "$OUT" "usage: quanpiao [global options] id check KIND VALUE"
contains "$OUT" "--county CODE"
contains "$OUT" "Exit status: 0 ok"
expect_rc 0 -- --help
contains "$OUT" "id check"
expect_rc 0 -- id --help
contains "$OUT" "check"
expect_rc 2 --
contains "$ERR" "usage: quanpiao"
expect_rc 0 -- --version
contains "$OUT" "quanpiao 0."
