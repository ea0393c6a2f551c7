#!/usr/bin/env bash
# run.sh QUANPIAO TEST_SCRIPT [PART] - run one CLI test script with the helpers below.
#
# A long script runs in parts, each registered as its own test
# (tests/meson.build) so that none comes near its time limit: PART, when
# given, names the part; the script says what its parts are.
#
# Each check runs the tool, captures stdout, stderr and the exit status, and
# compares them exactly; every failure is reported, and the script exits 1
# if any check failed.
set -u
QP="$1"
SCRIPT="$2"
# shellcheck disable=SC2034 # the sourced script reads it
PART="${3:-}"
WORK=$(mktemp -d "${QP_TEST_TMP:-/tmp}/qp-cli-XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
unset QUANPIAO_DB QUANPIAO_KEY QUANPIAO_PASSPHRASE
FAILED=0
CHECKS=0
OUT="" ERR="" RC=0

# run ARGS... : run the tool; sets OUT, ERR, RC.
run() {
	"$QP" "$@" >"$WORK/.out" 2>"$WORK/.err"
	RC=$?
	OUT=$(cat "$WORK/.out")
	ERR=$(cat "$WORK/.err")
}

fail() {
	FAILED=$((FAILED + 1))
	printf 'FAIL (%s): %s\n  stdout: %s\n  stderr: %s\n  exit: %s\n' "${CONTEXT:-}" "$*" "$OUT" "$ERR" "$RC" >&2
}

# expect EXIT STDOUT STDERR -- ARGS... : exact stdout, stderr and exit status.
expect() {
	local want_rc="$1" want_out="$2" want_err="$3"
	shift 4
	CONTEXT="quanpiao $*"
	CHECKS=$((CHECKS + 1))
	run "$@"
	[ "$RC" = "$want_rc" ] || fail "exit $RC, expected $want_rc"
	[ "$OUT" = "$want_out" ] || fail "stdout differs; expected: $want_out"
	[ "$ERR" = "$want_err" ] || fail "stderr differs; expected: $want_err"
}

# expect_rc EXIT -- ARGS... : exit status only (output checked by the caller).
expect_rc() {
	local want_rc="$1"
	shift 2
	CONTEXT="quanpiao $*"
	CHECKS=$((CHECKS + 1))
	run "$@"
	[ "$RC" = "$want_rc" ] || fail "exit $RC, expected $want_rc"
}

# contains HAYSTACK NEEDLE : fail unless NEEDLE occurs in HAYSTACK.
contains() {
	CHECKS=$((CHECKS + 1))
	case "$1" in
	*"$2"*) ;;
	*) fail "output does not contain: $2" ;;
	esac
}

# new_registry [DB] : keys auth.key, log.key and officer.key, and a registry DB (default r.db)
# of county 330681 with the officer enrolled.
new_registry() {
	local k db="${1:-r.db}"
	for k in auth:330681.authority log:zhuji.example/quanpiao officer:330681.officer.li; do
		[ -f "${k%%:*}.key" ] || "$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 ||
			fail "key generate $k"
	done
	expect_rc 0 -- --db "$db" --key auth.key init --origin zhuji.example/quanpiao --county 330681 --county-name 诸暨市 \
		--log-vkey log.key.vkey
	expect_rc 0 -- --db "$db" key enroll --role officer --vkey officer.key.vkey --key auth.key
}

# unchanged EXIT STDOUT STDERR -- ARGS... : exact output, and not a byte of the registry
# ($QUANPIAO_DB, else r.db) changed.
unchanged() {
	local want_rc="$1" want_out="$2" want_err="$3" before
	shift 3
	before=$(sqlite3 "${QUANPIAO_DB:-r.db}" .dump)
	expect "$want_rc" "$want_out" "$want_err" "$@"
	[ "$(sqlite3 "${QUANPIAO_DB:-r.db}" .dump)" = "$before" ] || fail "the registry changed"
}

# A script that does not parse would stop at its error, quietly, and pass on the checks before it:
# it and what the scripts source must parse first.
for f in "$SCRIPT" "$(dirname "$SCRIPT")"/*.sh "$(dirname "$SCRIPT")"/../service/*.sh; do
	bash -n "$f" || {
		echo "$f does not parse" >&2
		exit 1
	}
done

# shellcheck source=/dev/null
. "$SCRIPT"

echo "$CHECKS checks, $FAILED failed"
[ "$FAILED" -eq 0 ]
