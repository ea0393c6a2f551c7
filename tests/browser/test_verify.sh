#!/usr/bin/env bash
# tests/browser/test_verify.sh QUANPIAO QP_MKSTATS OUTDIR - the web verifier
# (web/verify.html) in a real browser: Debian's chromium driven by
# playwright-core (tests/browser/verify.test.mjs).  Builds a registry, writes
# its tiles with `quanpiao log tiles` and its status proofs (`quanpiao cert
# status --proof`) beside them, a forked log with the same keys, serves them
# with one `python3 -m http.server` on loopback and runs the cases;
# screenshots go to OUTDIR.  Anything missing fails, naming tools/deps.
set -euo pipefail
QP=$1 MK=$2 OUT=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "FAIL: $*" >&2; exit 1; }
CHROMIUM=${QP_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || die "no chromium at $CHROMIUM: run tools/deps (it installs Debian's chromium and the npm packages)"
command -v node >/dev/null || die "no node: run tools/deps"
[ -f "$SRC/node_modules/playwright-core/package.json" ] ||
	die "playwright-core is not installed in $SRC/node_modules: run tools/deps (npm ci)"
# The copy of @noble/ed25519 that web/mkverify puts in the page is the one package-lock.json pins.
cmp -s "$SRC/web/vendor/noble-ed25519.js" "$SRC/node_modules/@noble/ed25519/index.js" ||
	die "web/vendor/noble-ed25519.js differs from node_modules/@noble/ed25519/index.js (npm ci installs the locked version; copy it over when the lock changes)"
command -v python3 >/dev/null || die "no python3 (the static server): run tools/deps"
command -v curl >/dev/null || die "no curl: run tools/deps"

WORK=$(mktemp -d "${QP_TEST_TMP:-/tmp}/qp-browser-XXXXXX" 2>/dev/null || mktemp -d)
SERVER='' QPD_PID='' QPD2_PID=''
cleanup() {
	for p in $SERVER $QPD_PID $QPD2_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
mkdir -p "$OUT"
export QUANPIAO_PASSPHRASE=secret
q() { "$QP" "$@" || die "quanpiao $* (exit $?)"; }

# Registry a: qp_mkstats (1,690 entries, 7 hash tiles and a level-1 tile) with its keys and three
# certificates (the second redeemed: spent), an auditor who witnesses it, one more village.
# Registry b: the same keys, the same size, two other villages: a fork of the log, which the
# witness never cosigned.
mkdir ka kb
QP_MKSTATS_KEYS=ka "$MK" a.db >/dev/null || die "qp_mkstats a.db"
QP_MKSTATS_KEYS=kb "$MK" b.db >/dev/null || die "qp_mkstats b.db"
cmp -s ka/log.key kb/log.key || die "qp_mkstats should give both registries the same log key"
q key generate --name 330681.auditor.wang --out auditor.key --unencrypted >/dev/null
for r in a b; do
	q --db $r.db --key ka/authority.key key enroll --role auditor --vkey auditor.key.vkey >/dev/null
done
q --db a.db --key ka/officer.key village add --code 330681101209 --name 甲村 >/dev/null
q --db b.db --key ka/officer.key village add --code 330681101209 --name 乙村 >/dev/null
# A spent certificate: the second one, redeemed in part (the rest a new certificate) in the real
# log; the fork gets one more village instead, so that it keeps the log's size.
SPENT=$(q --db a.db cert list --json | grep -o '"id":"[^"]*"' | sed -n 2p | cut -d'"' -f4)
q --db a.db --key ka/officer.key cert redeem "$SPENT" --area 50 --purpose resettlement --note A-1 >/dev/null
q --db b.db --key ka/officer.key village add --code 330681101210 --name 丙村 >/dev/null
q --db a.db log sign --key ka/log.key >a.cp
q --db b.db log sign --key ka/log.key >b.cp
[ "$(sed -n 2p a.cp)" = "$(sed -n 2p b.cp)" ] || die "the fork should have the size of the log"
[ "$(sed -n 3p a.cp)" != "$(sed -n 3p b.cp)" ] || die "the fork should have another root"
mkdir witness
q --db a.db witness cosign --key auditor.key --state witness >/dev/null
q key show ka/log.key --json | sed 's/.*"vkey":"\([^"]*\)".*/\1/' >log.vkey
ORIGIN=$(head -n 1 a.cp)

mkdir www
q --db a.db log tiles --out www/log >/dev/null
q --db b.db log tiles --out www/fork >/dev/null
grep -q '^— 330681.auditor.wang ' www/log/checkpoint || die "the tiles' checkpoint has no cosignature"
# The fork's checkpoint with the witness's cosignature of the real one copied under it.
cp -r www/fork www/forkcos
grep '^— 330681.auditor.wang ' www/log/checkpoint >>www/forkcos/checkpoint
# The real log with one hash of its level-1 tile changed (the root of entries 0 to 255, which the
# proof of any later entry uses).
cp -r www/log www/badtile
for t in www/badtile/tile/1/000*; do
	[ -f "$t" ] || t=$(find "$t" -type f | head -1)
	printf '\x55' | dd of="$t" bs=1 seek=7 conv=notrunc status=none
done
for d in log fork forkcos badtile; do
	"$SRC/web/mkverify" --origin "$ORIGIN" --log-vkey log.vkey --witness auditor.key.vkey \
		--out "www/$d/verify.html" || die "web/mkverify"
done
# A second witness, who never cosigns: with a quorum of one of the two the page accepts the
# checkpoint, with both required it does not.
q key generate --name 330681.auditor.li --out auditor2.key --unencrypted >/dev/null 2>&1
"$SRC/web/mkverify" --origin "$ORIGIN" --log-vkey log.vkey --witness auditor.key.vkey \
	--witness auditor2.key.vkey --quorum 1 --out www/log/quorum1.html || die "web/mkverify --quorum 1"
"$SRC/web/mkverify" --origin "$ORIGIN" --log-vkey log.vkey --witness auditor.key.vkey \
	--witness auditor2.key.vkey --out www/log/quorum2.html || die "web/mkverify, two witnesses"
# The page as a directory's index too: BASE/verify, which a plain static server redirects to
# BASE/verify/, as the QR's URL has it.
mkdir www/log/verify
cp www/log/verify.html www/log/verify/index.html

# web/mkverify refuses what cannot be pinned as it is, naming the option, exit 2.
refuses() { # refuses MESSAGE ARGS...
	local want=$1 rc=0
	shift
	"$SRC/web/mkverify" "$@" --out bad.html 2>mk.err && rc=0 || rc=$?
	[ "$rc" = 2 ] && grep -qF -- "$want" mk.err && [ ! -e bad.html ] ||
		die "web/mkverify $*: exit $rc, expected 2 and '$want': $(cat mk.err)"
}
refuses "--log-vkey: 'nokey' is not a verifier key" --origin "$ORIGIN" --log-vkey nokey
refuses "--witness: 'w\"x+" --origin "$ORIGIN" --log-vkey log.vkey --witness "w\"x+$(cut -d+ -f2- log.vkey)"
refuses "--origin: 'a<b' must be" --origin 'a<b' --log-vkey log.vkey
refuses "--base-url: 'ftp://x/' must be an http or https URL" --origin "$ORIGIN" --log-vkey log.vkey --base-url ftp://x/
refuses "usage: web/mkverify" --origin "$ORIGIN"
refuses "--quorum: '2' must be a number from 0 to the number of witnesses (1)" --origin "$ORIGIN" \
	--log-vkey log.vkey --witness auditor.key.vkey --quorum 2

# The certificate the QR code names: number, entry index, leaf hash.
CERT=$(q --db a.db cert list --json | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
INDEX=$(q --db a.db cert history "$CERT" --json | grep -o '"index":[0-9]*' | head -1 | cut -d: -f2)
q --db a.db log entry --index "$INDEX" >entry.note
HASH=$({ printf '\0'; cat entry.note; } | sha256sum | cut -d' ' -f1)
q --db a.db export "$CERT" --out cert.bundle >/dev/null
SPENT_INDEX=$(q --db a.db cert history "$SPENT" --json | grep -o '"index":[0-9]*' | head -1 | cut -d: -f2)
q --db a.db log entry --index "$SPENT_INDEX" >spent.note
SPENT_HASH=$({ printf '\0'; cat spent.note; } | sha256sum | cut -d' ' -f1)
q --db a.db export "$SPENT" --out spent.bundle >/dev/null
ABSENT=330681-2026-G-000099
# The rest of the redeemed certificate, a new certificate of the redeeming entry.
REST=$(q --db a.db cert list --json | grep -o '"id":"[^"]*",[^{}]*"parent":"'"$SPENT"'"' | cut -d'"' -f4)
[ -n "$REST" ] || die "the redemption of $SPENT should leave a remainder certificate"
q --db a.db export "$REST" --out rest.bundle >/dev/null

# The status proofs (quanpiao cert status --proof) served beside the tiles as static files, at
# BASE/v1/certificates/<id>/status where quanpiaod serves them: against the tiles' checkpoint.
status() { # status DB ID FILE [EXIT]
	local rc=0
	mkdir -p "$(dirname "$3")"
	"$QP" --db "$1" cert status "$2" --proof "$3" >/dev/null 2>status.err || rc=$?
	[ "$rc" = "${4:-0}" ] || die "quanpiao --db $1 cert status $2 --proof: exit $rc, expected ${4:-0}: $(cat status.err)"
}
cp -r www/log www/tilesonly # a log with tiles and no status proofs
for c in "$CERT" "$SPENT"; do
	status a.db "$c" "www/log/v1/certificates/$c/status"
done
status a.db "$ABSENT" "www/log/v1/certificates/$ABSENT/status" 6
cmp -s <(sed -n '/^$/q;p' www/log/checkpoint) <(sed -n '4,/^$/{/^$/q;p}' "www/log/v1/certificates/$CERT/status") ||
	die "the status proof should be against the tiles' checkpoint"
grep -q '^state spent$' "www/log/v1/certificates/$SPENT/status" || die "$SPENT should be spent in the status map"
# The real log with the fork's status proof of the certificate (another tree of the same size).
cp -r www/log www/forkstatus
status b.db "$CERT" "www/forkstatus/v1/certificates/$CERT/status"
# ... and with its status proof's checkpoint for another size (a stale or altered proof).
cp -r www/log www/otherstatus
SIZE=$(sed -n 2p a.cp)
OTHER=$((SIZE - 1))
[ ${#OTHER} = ${#SIZE} ] || die "the size $SIZE should keep its length one down"
sed -i "5s/^$SIZE\$/$OTHER/" "www/otherstatus/v1/certificates/$CERT/status"
grep -qx "$OTHER" "www/otherstatus/v1/certificates/$CERT/status" || die "could not alter the status proof's size"
# ... and with the spent certificate's status proof served as the live one's.
cp -r www/log www/swapstatus
cp "www/log/v1/certificates/$SPENT/status" "www/swapstatus/v1/certificates/$CERT/status"
for d in tilesonly forkstatus otherstatus swapstatus; do
	"$SRC/web/mkverify" --origin "$ORIGIN" --log-vkey log.vkey --witness auditor.key.vkey \
		--out "www/$d/verify.html" || die "web/mkverify"
done
cp "www/log/v1/certificates/$CERT/status" cert.status
cp "www/log/v1/certificates/$ABSENT/status" absent.status
cp "www/forkstatus/v1/certificates/$CERT/status" fork.status

# listening SED FILE: what the sed script prints of FILE, a server's output, once it is there.
listening() {
	local got=''
	for _ in $(seq 300); do
		got=$(sed -n "$1" "$2" | head -1)
		[ -n "$got" ] && break
		sleep 0.1
	done
	printf '%s' "$got"
}
# One static server for the whole run, on a free loopback port.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory www >server.out 2>server.err &
SERVER=$!
PORT=$(listening 's/.*port \([0-9]*\).*/\1/p' server.out)
[ -n "$PORT" ] || die "python3 -m http.server did not start: $(cat server.err)"
BASE="http://127.0.0.1:$PORT"
# quanpiaod serving the same log (a copy of registry a): its /verify page, /checkpoint, tiles and
# /v1/certificates/{id}/status, with CORS, so that the saved page pinned to it verifies online.
QPD=${QP_QUANPIAOD:-}
[ -x "$QPD" ] || die "QP_QUANPIAOD must name the quanpiaod program (meson test sets it)"
cp a.db svc.db
"$QPD" --db svc.db --listen 127.0.0.1:0 --log-key ka/log.key --verify-page www/log/verify.html >qpd.out 2>qpd.err &
QPD_PID=$!
SVC=$(listening 's/^quanpiaod: listening on //p' qpd.out)
[ -n "$SVC" ] || die "quanpiaod did not start: $(cat qpd.err)"
curl -sf "$SVC/checkpoint" | cmp -s - www/log/checkpoint || die "quanpiaod's /checkpoint should be the tiles' one"
# A second quanpiaod whose newest checkpoint its witness has not cosigned yet: CERT frozen by one
# more entry (FROZEN_INDEX) and a checkpoint over it.  The page falls back to the newest checkpoint
# the witness cosigned (?cosigned=1), where CERT is live, and says the log has newer entries.
cp a.db svc2.db
q --db svc2.db --key ka/officer.key cert freeze "$CERT" --reason "异议: 见证前的冻结" >/dev/null
q --db svc2.db log sign --key ka/log.key >/dev/null
FROZEN_INDEX=$(sed -n 2p a.cp)
q --db svc2.db log entry --index "$FROZEN_INDEX" >frozen.note
grep -q '"type":"cert.freeze"' frozen.note || die "entry $FROZEN_INDEX of svc2.db should be the freeze"
FROZEN_HASH=$({ printf '\0'; cat frozen.note; } | sha256sum | cut -d' ' -f1)
"$QPD" --db svc2.db --listen 127.0.0.1:0 --log-key ka/log.key --verify-page www/log/verify.html >qpd2.out 2>qpd2.err &
QPD2_PID=$!
SVC2=$(listening 's/^quanpiaod: listening on //p' qpd2.out)
[ -n "$SVC2" ] || die "the second quanpiaod did not start: $(cat qpd2.err)"
[ "$(curl -sf "$SVC2/checkpoint" | sed -n 2p)" = $((FROZEN_INDEX + 1)) ] || die "the second service's checkpoint should cover the freeze"
curl -sf "$SVC2/checkpoint" | grep -q '^— 330681.auditor.wang ' && die "the second service's newest checkpoint should not be cosigned"
"$SRC/web/mkverify" --origin "$ORIGIN" --log-vkey log.vkey --witness auditor.key.vkey \
	--base-url "$SVC/" --out saved-svc.html || die "web/mkverify --base-url (the service)"
# The saved file: the page with the log's address pinned, opened from disk.
"$SRC/web/mkverify" --origin "$ORIGIN" --log-vkey log.vkey --witness auditor.key.vkey \
	--base-url "$BASE/log/" --out saved.html || die "web/mkverify --base-url"

export QP_BASE=$BASE QP_CERT=$CERT QP_INDEX=$INDEX QP_HASH=$HASH QP_SIZE=$(sed -n 2p a.cp)
export QP_SPENT=$SPENT QP_SPENT_INDEX=$SPENT_INDEX QP_SPENT_HASH=$SPENT_HASH QP_ABSENT=$ABSENT
export QP_STATUS=$WORK/cert.status QP_ABSENT_STATUS=$WORK/absent.status QP_FORK_STATUS=$WORK/fork.status
export QP_SVC=$SVC QP_SVC2=$SVC2 QP_FROZEN_INDEX=$FROZEN_INDEX QP_FROZEN_HASH=$FROZEN_HASH QP_SAVED_SVC=$WORK/saved-svc.html QP_REST=$REST QP_REST_BUNDLE=$WORK/rest.bundle
export QP_SPENT_BUNDLE=$WORK/spent.bundle QP_BUNDLE=$WORK/cert.bundle QP_SAVED=$WORK/saved.html QP_SHOTS=$OUT QP_CHROMIUM=$CHROMIUM
node "$SRC/tests/browser/verify.test.mjs"
