#!/usr/bin/env bash
# test_qp_json.sh QP_JSON - the test tool qp_json itself: what it must find,
# what it must not, and the documents it must refuse.  The CLI tests rely on
# it to say "no" (or fail) whenever a value is not there byte for byte.
set -u
J="$1"
WORK=$(mktemp -d "${QP_TEST_TMP:-/tmp}/qp-json-XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
FAILED=0
CHECKS=0

# is WANT_RC WANT_OUT -- ARGS...: qp_json ARGS exits WANT_RC and prints WANT_OUT exactly.
is() {
	local want_rc="$1" want_out="$2" out rc
	shift 3
	CHECKS=$((CHECKS + 1))
	out=$("$J" "$@" 2>/dev/null)
	rc=$?
	if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ]; then
		FAILED=$((FAILED + 1))
		printf 'FAIL: qp_json %s: exit %s, expected %s; output: %s, expected: %s\n' \
			"$(printf '%q ' "$@")" "$rc" "$want_rc" "$out" "$want_out" >&2
	fi
}

# ---- get and each
printf '{"index":6,"next":null,"s":"a\\nb\\u6743\\ud83d\\ude00","l":[1,2],"o":{"k":"v"}}' >a.json
is 0 6 -- get a.json index
is 0 null -- get a.json next
is 0 '[1,2]' -- get a.json l
is 0 '{"k":"v"}' -- get a.json o
is 1 "" -- get a.json missing
is 1 "" -- get a.json Index
# A string as its bytes, no newline added.
"$J" get a.json s >s.out
CHECKS=$((CHECKS + 1))
[ "$(od -An -tx1 s.out | tr -d ' \n')" = "610a62e69d83f09f9880" ] || {
	FAILED=$((FAILED + 1))
	echo "FAIL: get a string: $(od -An -tx1 s.out)" >&2
}
printf '{"certificates":[{"id":"A-1"},{"id":"B-2"}],"entries":[{"index":3},{"x":4}],"e":[]}' >l.json
is 0 "A-1
B-2" -- each l.json certificates id
is 1 "3" -- each l.json entries index
is 0 "" -- each l.json e id
is 1 "" -- each l.json missing id
is 2 "" -- each missing.json certificates id

# ---- body-has: line 2 of a note, body.FIELD byte for byte
printf 'zhuji.example/quanpiao\n{"body":{"name":"\\u6743 a\\"b","empty":"","n":1,"sql":"%s"},"type":"x"}\n\n— sig\n' \
	"'; DROP TABLE homes; --" >e.note
is 0 "" -- body-has e.note name '权 a"b'
is 1 "" -- body-has e.note name '权 a"b '
is 1 "" -- body-has e.note name '权 a'
is 1 "" -- body-has e.note name ''
is 0 "" -- body-has e.note empty ''
is 1 "" -- body-has e.note n 1
is 1 "" -- body-has e.note type x
is 1 "" -- body-has e.note missing ''
is 0 "" -- body-has e.note sql "'; DROP TABLE homes; --"
# Documents that cannot be compared byte for byte are errors, never a match.
note() { printf 'origin\n%s\n\nsig\n' "$1" >bad.note; }
note $'{"body":{"v":"\xff\xfe"}}'
is 2 "" -- body-has bad.note v $'\xff\xfe'
note $'{"body":{"v":"\xc0\xaf"}}'
is 2 "" -- body-has bad.note v $'\xc0\xaf'
note $'{"body":{"v":"\xed\xa0\x80"}}'
is 2 "" -- body-has bad.note v $'\xed\xa0\x80'
note $'{"body":{"v":"a\x01b"}}'
is 2 "" -- body-has bad.note v $'a\x01b'
note $'{"body":{"v":"a\tb"}}'
is 2 "" -- body-has bad.note v $'a\tb'
note '{"body":{"v":"a\u0000b"}}'
is 2 "" -- body-has bad.note v a
note '{"body":{"v":"\ud800"}}'
is 2 "" -- body-has bad.note v x
note '{"body":{"v":"a","v":"b"}}'
is 2 "" -- body-has bad.note v b
note '{"body":{"v":"a"}} x'
is 2 "" -- body-has bad.note v a
note '{"body":"v"}'
is 2 "" -- body-has bad.note v v
note '{"body":{"v":"a"}'
is 2 "" -- body-has bad.note v a
printf 'origin\n{"body":{"v":"a"}}\0x\n\nsig\n' >bad.note
is 2 "" -- body-has bad.note v a
printf 'one line\n' >bad.note
is 2 "" -- body-has bad.note v a
is 2 "" -- body-has missing.note v a
# Escapes are compared as what they stand for.
note '{"body":{"v":"\\u0000","w":"a\\0b","x":"\u001b[31m","y":"\u2028"}}'
is 0 "" -- body-has bad.note v '\u0000'
is 0 "" -- body-has bad.note w 'a\0b'
is 0 "" -- body-has bad.note x $'\x1b[31m'
is 0 "" -- body-has bad.note y $'\xe2\x80\xa8'
is 1 "" -- body-has bad.note x '\u001b[31m'

# ---- contains: any string value, at any depth, never a key
printf '{"homes":[{"unit":"U1","reason":"x%%s%%n"}],"key only":1,"n":7}' >c.json
is 0 "" -- contains c.json '%s%n'
is 0 "" -- contains c.json U1
is 0 "" -- contains c.json ''
is 1 "" -- contains c.json 'key only'
is 1 "" -- contains c.json 7
is 1 "" -- contains c.json U2
printf '{"n":7}' >n.json
is 1 "" -- contains n.json ''
printf '{"a":"\xff"}' >u.json
is 2 "" -- contains u.json $'\xff'
is 2 "" -- contains missing.json x
is 2 "" -- nonsense c.json

echo "$CHECKS checks, $FAILED failed"
[ "$FAILED" -eq 0 ]
