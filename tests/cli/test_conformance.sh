# Conformance with independent implementations (sourced by run.sh): every
# entry and checkpoint quanpiao writes must verify under Go's
# golang.org/x/mod/sumdb/note, and every inclusion and consistency proof it
# prints must verify under golang.org/x/mod/sumdb/tlog.  The Go checker is
# tests/conformance/c2spcheck.go, built by meson; its path is QP_C2SPCHECK.

if [ -z "${QP_C2SPCHECK:-}" ] || [ ! -x "$QP_C2SPCHECK" ]; then
	echo "FAIL: the Go conformance checker is missing (QP_C2SPCHECK='${QP_C2SPCHECK:-}')." >&2
	echo "  It is built from tests/conformance/c2spcheck.go and needs the Debian packages" >&2
	echo "  golang-go and golang-golang-x-mod-dev (tools/deps installs them), then 'meson setup --reconfigure' the build dir." >&2
	exit 1
fi
GO="$QP_C2SPCHECK"

# go_check EXIT ARGS... : run the Go checker; sets OUT, ERR, RC.
go_check() {
	local want_rc="$1"
	shift
	CONTEXT="c2spcheck $*"
	CHECKS=$((CHECKS + 1))
	"$GO" "$@" >"$WORK/.out" 2>"$WORK/.err"
	RC=$?
	OUT=$(cat "$WORK/.out")
	ERR=$(cat "$WORK/.err")
	[ "$RC" = "$want_rc" ] || fail "exit $RC, expected $want_rc"
}

# save FILE ARGS... : run the tool with its exact stdout in FILE; must exit 0.
save() {
	local file="$1"
	shift
	CONTEXT="quanpiao $* > $file"
	CHECKS=$((CHECKS + 1))
	"$QP" "$@" >"$file" 2>"$WORK/.err"
	RC=$?
	OUT="(in $file)"
	ERR=$(cat "$WORK/.err")
	[ "$RC" = 0 ] || fail "exit $RC, expected 0"
}

# same FILE1 FILE2 : the two files hold the same bytes.
same() {
	CONTEXT="cmp $1 $2"
	CHECKS=$((CHECKS + 1))
	cmp -s "$1" "$2" || fail "$1 and $2 differ"
}

# corrupt IN OUT OFFSET : OUT is IN with the byte at OFFSET replaced by a
# different base64 letter (A, or B if it was A), so that text and base64
# stay well-formed and only the content changes.
corrupt() {
	local old new
	old=$(tail -c +$(($3 + 1)) "$1" | head -c 1)
	new=A
	[ "$old" = A ] && new=B
	{
		head -c "$3" "$1"
		printf '%s' "$new"
		tail -c +$(($3 + 2)) "$1"
	} >"$2"
	CONTEXT="corrupt $1 at $3"
	CHECKS=$((CHECKS + 1))
	cmp -s "$1" "$2" && fail "corrupting $1 at byte $3 changed nothing"
	[ "$(wc -c <"$1")" = "$(wc -c <"$2")" ] || fail "corrupting $1 changed its length"
}

# offset FILE N : byte offset of the start of line N (1-based) of FILE.
offset() {
	head -n $(($2 - 1)) "$1" | wc -c
}

export QUANPIAO_PASSPHRASE=secret
DB=(--db r.db)

# The registry: authority, log key (named as the origin), officers.
expect_rc 0 -- key generate --name 330681.authority --out auth.key
expect_rc 0 -- key generate --name zhuji.example/quanpiao --out log.key --unencrypted
expect_rc 0 -- "${DB[@]}" --key auth.key init --origin zhuji.example/quanpiao \
	--county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
# An impostor: the authority's name with another key.
expect_rc 0 -- key generate --name 330681.authority --out impostor.key --unencrypted

SIZES=()   # sizes at which a checkpoint was signed, ascending
ENTRIES=3  # init writes genesis, log key enrolment, default policy

# sign_checkpoint : sign at the current size, keep it as cp.SIZE, and check
# consistency from 0, from every earlier signed size and from itself.
sign_checkpoint() {
	local s="$ENTRIES" a
	save "sign.$s" "${DB[@]}" log sign --key log.key
	save "cp.$s" "${DB[@]}" log checkpoint
	same "sign.$s" "cp.$s"
	go_check 0 note log.key.vkey -- "cp.$s"
	[ "$OUT" = "zhuji.example/quanpiao" ] || fail "checkpoint signers: '$OUT'"
	for a in 0 "${SIZES[@]}" "$s"; do
		save "cons.$a.$s" "${DB[@]}" log consistency --from "$a"
		if [ "$a" = 0 ]; then
			# From the empty tree: no hashes, then the latest checkpoint.
			printf 'old 0\n\n' >"cons.want"
			cat "cp.$s" >>"cons.want"
			same "cons.$a.$s" "cons.want"
			go_check 0 consistency log.key.vkey - "cons.$a.$s"
		else
			tail -c "$(wc -c <"cp.$s")" "cons.$a.$s" >"cons.cp"
			same "cons.cp" "cp.$s"
			go_check 0 consistency log.key.vkey "cp.$a" "cons.$a.$s"
		fi
		contains "$OUT" "ok: "
	done
	SIZES+=("$s")
}

# enrol N : enrol N more officers, one entry each.
enrol() {
	local i
	for ((i = 0; i < $1; i++)); do
		expect_rc 0 -- key generate --name "330681.officer.o$ENTRIES" --out "o$ENTRIES.key" --unencrypted
		expect_rc 0 -- "${DB[@]}" --key auth.key key enroll --role officer --vkey "o$ENTRIES.key.vkey"
		ENTRIES=$((ENTRIES + 1))
	done
}

# Checkpoints at sizes 3 4 5 7 8 11 13 16 17 19 20: powers of two, one past,
# one short, and odd sizes, so the proofs take every shape.
sign_checkpoint
enrol 1; sign_checkpoint
enrol 1; sign_checkpoint
enrol 2; sign_checkpoint
enrol 1; sign_checkpoint
enrol 2
expect_rc 0 -- "${DB[@]}" --key auth.key key revoke 330681.officer.o9 --reason "left the office"
ENTRIES=$((ENTRIES + 1))
sign_checkpoint
enrol 2; sign_checkpoint
enrol 3; sign_checkpoint
enrol 1; sign_checkpoint
enrol 2; sign_checkpoint
enrol 1; sign_checkpoint
LAST=$ENTRIES

# Every entry: exact bytes, signed by the signer the log lists, under all the
# verifier keys together; its leaf hash as tlog computes it.
expect_rc 0 -- "${DB[@]}" --json log entries
JSON="$OUT"
mapfile -t SIGNERS < <(printf '%s' "$JSON" | grep -o '"signer":"[^"]*"' | sed 's/^"signer":"//; s/"$//')
mapfile -t LEAVES < <(printf '%s' "$JSON" | grep -o '"leaf_hash":"[0-9a-f]*"' | sed 's/^"leaf_hash":"//; s/"$//')
CONTEXT="log entries --json"
CHECKS=$((CHECKS + 1))
[ "${#SIGNERS[@]}" = "$LAST" ] || fail "${#SIGNERS[@]} signers listed, expected $LAST"
[ "${#LEAVES[@]}" = "$LAST" ] || fail "${#LEAVES[@]} leaf hashes listed, expected $LAST"
VKEYS=(auth.key.vkey log.key.vkey o*.key.vkey)
for ((i = 0; i < LAST; i++)); do
	save "e.$i" "${DB[@]}" log entry --index "$i"
	CONTEXT="entry $i"
	CHECKS=$((CHECKS + 1))
	[ "$(head -n 1 "e.$i")" = "quanpiao/entry/v2" ] || fail "first line of entry $i: $(head -n 1 "e.$i")"
	go_check 0 note "${VKEYS[@]}" -- "e.$i"
	[ "$OUT" = "${SIGNERS[$i]:-}" ] || fail "Go verified signers '$OUT', the log says '${SIGNERS[$i]:-}'"
	go_check 0 leafhash "e.$i"
	[ "$OUT" = "${LEAVES[$i]:-}" ] || fail "tlog.RecordHash $OUT, the log says '${LEAVES[$i]:-}'"
done

# Every entry names a state of this log: its size at most the entry's index
# and its root the tlog root of that many entries (docs/format.md).
ALL=()
for ((i = 0; i < LAST; i++)); do ALL+=("e.$i"); done
go_check 0 logstate "${ALL[@]}"
[ "$OUT" = "$LAST entries name states of this log" ] || fail "logstate: $OUT"

# Every checkpoint's root is the RFC 6962 root of its first SIZE entries,
# recomputed by tlog from the entry bytes alone.
for s in "${SIZES[@]}"; do
	files=()
	for ((i = 0; i < s; i++)); do files+=("e.$i"); done
	go_check 0 treehash "${files[@]}"
	[ "$OUT" = "$(sed -n 3p "cp.$s")" ] || fail "tlog root of $s entries $OUT, checkpoint says $(sed -n 3p "cp.$s")"
done

# An inclusion proof for every index against every signed size that covers it
# (every index but the last against at least two), and against the latest.
for ((i = 0; i < LAST; i++)); do
	for s in "${SIZES[@]}"; do
		[ "$i" -lt "$s" ] || continue
		save "p.$i.$s" "${DB[@]}" log proof --index "$i" --size "$s"
		tail -c "$(wc -c <"cp.$s")" "p.$i.$s" >"p.cp"
		same "p.cp" "cp.$s"
		go_check 0 proof log.key.vkey "p.$i.$s" "e.$i"
		contains "$OUT" "is entry $i of zhuji.example/quanpiao at size $s"
	done
	save "p.$i" "${DB[@]}" log proof --index "$i"
	same "p.$i" "p.$i.$LAST"
done

# Negative cases: each must make the Go checker exit 1.
# An entry with one byte of its text changed.
corrupt e.5 bad.e 20
go_check 1 note "${VKEYS[@]}" -- bad.e
contains "$ERR" "invalid signature"
# An entry under the wrong keys: the log key, the officers, an impostor.
go_check 1 note log.key.vkey o*.key.vkey -- e.5
go_check 1 note impostor.key.vkey -- e.5
contains "$ERR" "no signature by a known key"
# A checkpoint with a byte of its root changed, alone, in a proof, in a
# consistency body, and as the old checkpoint.
corrupt cp.13 bad.cp "$(offset cp.13 3)"
go_check 1 note log.key.vkey -- bad.cp
p=p.6.13
corrupt "$p" bad.p $(($(wc -c <"$p") - $(wc -c <cp.13) + $(offset cp.13 3) + 5))
go_check 1 proof log.key.vkey bad.p e.6
c=cons.13.$LAST
corrupt "$c" bad.c $(($(wc -c <"$c") - $(wc -c <"cp.$LAST") + $(offset "cp.$LAST" 3) + 7))
go_check 1 consistency log.key.vkey cp.13 bad.c
go_check 1 consistency log.key.vkey bad.cp "$c"
# A checkpoint under the wrong key.
go_check 1 note auth.key.vkey -- "cp.$LAST"
go_check 1 proof auth.key.vkey p.6.13 e.6
# An inclusion proof with a byte of each hash changed in turn.
p=p.6.$LAST
n=$(($(grep -c '' "$p") - $(grep -c '' "cp.$LAST") - 3))
CONTEXT="hash lines of $p"
CHECKS=$((CHECKS + 1))
[ "$n" -ge 4 ] || fail "$p has $n hashes, expected at least 4"
for ((k = 0; k < n; k++)); do
	corrupt "$p" bad.p "$(offset "$p" $((3 + k)))"
	go_check 1 proof log.key.vkey bad.p e.6
	contains "$ERR" "invalid transparency proof"
done
# A proof with its last hash left out, or an extra one.
{ head -n $((2 + n - 1)) "$p"; tail -n +$((3 + n)) "$p"; } >bad.p
go_check 1 proof log.key.vkey bad.p e.6
{ head -n $((2 + n)) "$p"; sed -n 3p "$p"; tail -n +$((3 + n)) "$p"; } >bad.p
go_check 1 proof log.key.vkey bad.p e.6
# A proof checked against the wrong entry, and relabelled with another index.
go_check 1 proof log.key.vkey "$p" e.7
contains "$ERR" "invalid transparency proof"
go_check 1 proof log.key.vkey p.0.4 e.1
sed '2s/^index 6$/index 7/' "$p" >bad.p
go_check 1 proof log.key.vkey bad.p e.6
go_check 1 proof log.key.vkey bad.p e.7
# A consistency proof with a byte of each hash changed, a hash left out, the
# wrong old checkpoint, and a hash where there must be none.
for c in cons.7.$LAST cons.13.$LAST cons.5.16; do
	m=$(($(grep -c '' "$c") - $(grep -c '' "cp.${c##*.}") - 2))
	for ((k = 0; k < m; k++)); do
		corrupt "$c" bad.c "$(offset "$c" $((2 + k)))"
		go_check 1 consistency log.key.vkey "cp.$(echo "$c" | cut -d. -f2)" bad.c
	done
	{ head -n $m "$c"; tail -n +$((2 + m)) "$c"; } >bad.c
	go_check 1 consistency log.key.vkey "cp.$(echo "$c" | cut -d. -f2)" bad.c
done
go_check 1 consistency log.key.vkey cp.8 "cons.7.$LAST"
{ echo "old 0"; sed -n 2p "cons.7.$LAST"; tail -n +2 "cons.0.$LAST"; } >bad.c
go_check 1 consistency log.key.vkey - bad.c
sed '1s/^old 7$/old 8/' "cons.7.$LAST" >bad.c
go_check 1 consistency log.key.vkey cp.8 bad.c
# From the same size there must be no hashes.
{ echo "old $LAST"; sed -n 2p "cons.7.$LAST"; tail -n +2 "cons.$LAST.$LAST"; } >bad.c
go_check 1 consistency log.key.vkey "cp.$LAST" bad.c

# Cosignatures: an auditor witnesses the latest checkpoint; printed with its
# cosignature, the checkpoint is still a note Go opens with the log key, and
# the cosignature verifies under a checker written from c2sp.org/tlog-cosignature.
expect_rc 0 -- key generate --name 330681.auditor.wang --out auditor.key --unencrypted
expect_rc 0 -- "${DB[@]}" --key auth.key key enroll --role auditor --vkey auditor.key.vkey
save sign.cos "${DB[@]}" log sign --key log.key
expect_rc 0 -- "${DB[@]}" witness cosign --key auditor.key --state witness
save cp.cos "${DB[@]}" log checkpoint
CONTEXT="cosigned checkpoint"
CHECKS=$((CHECKS + 1))
[ "$(head -c "$(wc -c <sign.cos)" cp.cos)" = "$(cat sign.cos)" ] || fail "the cosigned checkpoint does not start with the signed one"
go_check 0 note log.key.vkey -- cp.cos
[ "$OUT" = "zhuji.example/quanpiao" ] || fail "checkpoint signers: '$OUT'"
go_check 0 cosignature auditor.key.vkey log.key.vkey cp.cos
contains "$OUT" "ok: cosigned by 330681.auditor.wang+"
go_check 0 cosignature auditor.key.vkey log.key.vkey witness/checkpoint
corrupt cp.cos bad.cos $(($(wc -c <cp.cos) - 20))
go_check 1 cosignature auditor.key.vkey log.key.vkey bad.cos
go_check 1 cosignature o3.key.vkey log.key.vkey cp.cos
contains "$ERR" "no cosignature by 330681.officer.o3+"

# ---- the log as tiles (c2sp.org/tlog-tiles) ---------------------------------------------------
# `log tiles` writes a static copy that any web server can serve; Go's tlog reads it through its
# tile API alone (TileHashReader checks every tile against the signed root) and proves every entry
# of every entry bundle included, and older trees consistent.  qp_mkstats: 1,690 entries.
MK="${QP_MKSTATS:?QP_MKSTATS must name the qp_mkstats test tool}"
mkdir -p tk
QP_MKSTATS_KEYS=tk "$MK" t.db >/dev/null || fail "qp_mkstats"
T=(--db t.db)
expect 6 "" "quanpiao: no checkpoint has been signed yet (quanpiao log sign)" -- "${T[@]}" log tiles --out static
save t.sign "${T[@]}" log sign --key tk/log.key
N=$(sed -n 2p t.sign)
"$QP" key show tk/log.key --json | sed 's/.*"vkey":"\([^"]*\)".*/\1/' >tlog.vkey
expect 0 "static: the log of $N entries as tiles (c2sp.org/tlog-tiles): 15 written (3 partial, 876722 bytes), 0 full ones already there" "" -- \
	"${T[@]}" log tiles --out static
same static/checkpoint t.sign
[ "$(cd static && find . -type f | LC_ALL=C sort | tr '\n' ' ')" = "./checkpoint ./tile/0/000 ./tile/0/001 ./tile/0/002 ./tile/0/003 ./tile/0/004 ./tile/0/005 ./tile/0/006.p/154 ./tile/1/000.p/6 ./tile/entries/000 ./tile/entries/001 ./tile/entries/002 ./tile/entries/003 ./tile/entries/004 ./tile/entries/005 ./tile/entries/006.p/154 " ] ||
	fail "the static log's files: $(cd static && find . -type f | sort)"
go_check 0 tiles tlog.vkey static 1000 1 "$N"
contains "$OUT" "verified $N entries of zhuji.example/quanpiao from tiles"
# More entries and a new checkpoint: full tiles are kept, the partial ones written anew.
expect_rc 0 -- "${T[@]}" --key tk/officer.key village add --code 330681118399 --name 新村
save t.sign2 "${T[@]}" log sign --key tk/log.key
expect_rc 0 -- "${T[@]}" log tiles --out static --json
contains "$OUT" "{\"out\":\"static\",\"size\":$((N + 1)),\"written\":3,\"partial\":3,\"kept\":12,"
[ -f static/tile/0/006.p/155 ] && [ -f static/tile/0/006.p/154 ] || fail "the partial tiles of both sizes should be there"
go_check 0 tiles tlog.vkey static "$N"
# Each kind of damage to the static copy is found by Go's reader.
cp -r static s.tile && corrupt static/tile/0/003 s.tile/tile/0/003 100
go_check 1 tiles tlog.vkey s.tile
cp -r static s.entry && corrupt static/tile/entries/002 s.entry/tile/entries/002 300
go_check 1 tiles tlog.vkey s.entry
contains "$ERR" "invalid transparency proof"
cp -r static s.short && head -c 5000 static/tile/entries/001 >s.short/tile/entries/001
go_check 1 tiles tlog.vkey s.short
contains "$ERR" "entry bundle tile/entries/001"
cp -r static s.gone && rm s.gone/tile/1/000.p/6
go_check 1 tiles tlog.vkey s.gone
# A checkpoint of the same origin by another key (the first registry's log key).
cp -r static s.cp && cp cp.cos s.cp/checkpoint
go_check 1 tiles tlog.vkey s.cp
# The older checkpoint with today's directory still verifies: its partial tiles stay.
cp -r static s.old && cp t.sign s.old/checkpoint
go_check 0 tiles tlog.vkey s.old
# --cosigned K: the newest checkpoint K witnesses cosigned, with its tree's tiles (a static host
# for the web verifier).  On a copy: an auditor cosigns N + 2 (after its enrolment), then one more
# entry is signed at N + 3, uncosigned.
cp t.db tw.db
TW=(--db tw.db)
expect 3 "" "quanpiao: --cosigned: no checkpoint has 1 cosignature yet ('quanpiao witness cosign')" -- \
	"${TW[@]}" log tiles --out wit --cosigned 1
[ -e wit ] && fail "a refused log tiles --cosigned wrote wit"
"$QP" key generate --name 330681.auditor.tiles --out tw-auditor.key --unencrypted >/dev/null 2>&1 || fail "key generate"
expect_rc 0 -- "${TW[@]}" --key tk/authority.key key enroll --role auditor --vkey tw-auditor.key.vkey
expect_rc 0 -- "${TW[@]}" log sign --key tk/log.key
expect_rc 0 -- "${TW[@]}" witness cosign --key tw-auditor.key --state tw-witness
expect_rc 0 -- "${TW[@]}" --key tk/officer.key village add --code 330681118398 --name 后村
expect_rc 0 -- "${TW[@]}" log sign --key tk/log.key
expect_rc 0 -- "${TW[@]}" log tiles --out wit --cosigned 1 --json
contains "$OUT" "{\"out\":\"wit\",\"size\":$((N + 2)),"
[ "$(sed -n 2p wit/checkpoint)" = $((N + 2)) ] || fail "wit/checkpoint should be of size $((N + 2))"
grep -q '^— 330681.auditor.tiles ' wit/checkpoint || fail "wit/checkpoint should carry the cosignature"
[ -f wit/tile/0/006.p/156 ] && [ ! -e wit/tile/0/006.p/157 ] || fail "wit should hold the tiles of size $((N + 2)) only"
go_check 0 tiles tlog.vkey wit "$N"
contains "$OUT" "verified $((N + 2)) entries of zhuji.example/quanpiao from tiles"
expect_rc 3 -- "${TW[@]}" log tiles --out wit --cosigned 2
expect_rc 3 -- "${TW[@]}" log tiles --out wit --cosigned 0
contains "$ERR" "--cosigned"
# Usage and unwritable places.
expect 2 "" "quanpiao: log tiles needs --out DIR (see 'quanpiao log tiles --help')" -- "${T[@]}" log tiles
: >afile
expect_rc 10 -- "${T[@]}" log tiles --out afile/static
contains "$ERR" "afile/static: cannot create the directory"

# The status map (issue 21): a certificate, then a checkpoint whose status-map
# line Go reads, and status proofs it checks from their bytes alone (map proof
# by SHA-256, the entry's inclusion by tlog): present, and proven absent.
Y=$(date -u +%Y)
expect_rc 0 -- "${DB[@]}" --key o3.key village add --code 330681101201 --name 东白湖村
expect_rc 0 -- "${DB[@]}" --key o3.key household add --id-number 330681197001010016 --name 王大明 --village 330681101201
expect_rc 0 -- "${DB[@]}" --key o3.key cert issue --kind guarantee --holder 330681-H-0000001 --area 10.00 --basis entitlement
save sm.cp "${DB[@]}" log sign --key log.key
go_check 0 note log.key.vkey -- sm.cp
save sm.1 "${DB[@]}" cert status "330681-$Y-G-000001" --proof -
go_check 0 statusmap log.key.vkey sm.1
contains "$OUT" "ok: 330681-$Y-G-000001 is live in the status map of zhuji.example/quanpiao"
"$QP" "${DB[@]}" cert status "330681-$Y-G-000009" --proof - >sm.9 2>/dev/null
go_check 0 statusmap log.key.vkey sm.9
contains "$OUT" "ok: 330681-$Y-G-000009 is absent from the status map"
sed 's/^state live$/state spnt/' sm.1 >bad.sm
go_check 1 statusmap log.key.vkey bad.sm
contains "$ERR" "is not 330681-$Y-G-000001's record"

# ---- the same tiles served by quanpiaod -------------------------------------------------------
# The service serves /checkpoint and /tile/... from the registry itself: Go's tlog reads them the
# same way and gets the same log; full tiles are immutable and cacheable, pages of any origin may
# read them (CORS), and gzip is used when the client accepts it.
QPD="${QP_QUANPIAOD:?QP_QUANPIAOD must name the quanpiaod program}"
"$QPD" --db t.db --listen 127.0.0.1:0 --log-key tk/log.key --verify-page "$QP_TEST_DATA/../../web/verify.html" \
	>qpd.out 2>qpd.err &
QPD_PID=$!
trap 'kill -TERM $QPD_PID 2>/dev/null; wait $QPD_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "listening on" qpd.out 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/.*listening on //p' qpd.out | head -1)
[ -n "$URL" ] || fail "quanpiaod did not start: $(cat qpd.err)"
go_check 0 tiles tlog.vkey "$URL" "$N"
contains "$OUT" "verified $((N + 1)) entries of zhuji.example/quanpiao from tiles"
# Byte for byte what log tiles wrote, gzip or not.
for p in checkpoint tile/0/000 tile/0/006.p/155 tile/1/000.p/6 tile/entries/003 tile/entries/006.p/155; do
	CONTEXT="GET /$p"
	CHECKS=$((CHECKS + 1))
	curl -sf "$URL/$p" -o got.raw || fail "GET /$p failed"
	cmp -s got.raw "static/$p" || fail "/$p differs from the static copy"
	curl -sf --compressed "$URL/$p" -o got.gz || fail "GET /$p with gzip failed"
	cmp -s got.gz "static/$p" || fail "/$p with gzip differs from the static copy"
done
CONTEXT="headers of a tile"
CHECKS=$((CHECKS + 1))
H=$(curl -sI -H 'Accept-Encoding: gzip' "$URL/tile/entries/000" | tr -d '\r')
contains "$H" "Cache-Control: public, max-age=31536000, immutable"
contains "$H" "Access-Control-Allow-Origin: *"
contains "$H" "Content-Encoding: gzip"
H=$(curl -sI -H 'Accept-Encoding: gzip;q=0, identity' "$URL/tile/entries/000" | tr -d '\r')
case "$H" in *Content-Encoding*) fail "gzip sent to a client that refused it: $H" ;; esac
H=$(curl -sI "$URL/checkpoint" | tr -d '\r')
contains "$H" "Cache-Control: no-cache"
contains "$H" "Access-Control-Allow-Origin: *"
# Tiles the tree does not have yet, and paths that are not tiles: 404 naming why.
CONTEXT="missing tiles"
CHECKS=$((CHECKS + 1))
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/tile/0/007")" = 404 ] || fail "/tile/0/007 is not 404"
contains "$(curl -s "$URL/tile/0/006.p/156")" "has no such tile"
contains "$(curl -s "$URL/tile/0/6")" "groups of three digits"
contains "$(curl -s "$URL/tile/entries/000.p/0")" "W from 1 to 255"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/tile/0/000")" = 405 ] || fail "POST to a tile is not 405"
# The verifier page.
CONTEXT="GET /verify"
CHECKS=$((CHECKS + 1))
curl -sf "$URL/verify" -o page.html || fail "GET /verify failed"
cmp -s page.html "$QP_TEST_DATA/../../web/verify.html" || fail "/verify is not the page given"
kill -TERM $QPD_PID && wait $QPD_PID
trap 'rm -rf "$WORK"' EXIT
# A page that cannot be served is refused at start.
CONTEXT="quanpiaod --verify-page"
CHECKS=$((CHECKS + 1))
"$QPD" --db t.db --listen 127.0.0.1:0 --log-key tk/log.key --verify-page nowhere.html >qpd.out 2>qpd.err
[ $? = 2 ] || fail "a missing --verify-page did not exit 2"
contains "$(cat qpd.err)" "quanpiaod: --verify-page nowhere.html: No such file or directory"
: >empty.html
"$QPD" --db t.db --listen 127.0.0.1:0 --log-key tk/log.key --verify-page empty.html >qpd.out 2>qpd.err
[ $? = 2 ] || fail "an empty --verify-page did not exit 2"
contains "$(cat qpd.err)" "the file is empty"
