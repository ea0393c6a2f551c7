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

# shellcheck source=/dev/null
. "$SCRIPT"

echo "$CHECKS checks, $FAILED failed"
[ "$FAILED" -eq 0 ]
