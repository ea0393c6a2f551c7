# quanpiao cert print (sourced by run.sh): the PDF of a certificate is
# rendered to PNG (pdftoppm) and both its QR codes are read back from the
# image (zbarimg): the URL names the certificate, its latest entry and that
# entry's leaf hash as the registry has them; the large code decodes
# (Base45, raw inflate: QP_QRTEXT) to exactly the status proof that 'cert
# status --proof' writes, which 'quanpiao verify' accepts as it is, and a
# changed byte in any part of it fails.  A proof too large to scan is left
# out, the page says so and keeps the URL code.  pdffonts lists the
# CJK font embedded as a subset; the file is under 1 MB; the page's text
# (pdftotext) masks the ID number and shows hostile text as it is.  Error
# cases: no checkpoint, unknown certificate, bad --base-url, unwritable
# --out; an existing file is replaced.
QRTEXT="${QP_QRTEXT?QP_QRTEXT must name the qp_qrtext test tool, or be empty}"
if [ -z "$QRTEXT" ]; then
	fail "this build has no cert print: install cairo, pango, libqrencode, zlib and fonts-noto-cjk (tools/deps) and configure again"
	return 0
fi
for t in pdftoppm pdffonts pdftotext zbarimg; do
	command -v $t >/dev/null || fail "$t is missing: install poppler-utils and zbar-tools (tools/deps)"
done

ORIGIN=zhuji.example/quanpiao
V1=330681101201
H1=330681196503120018 H2=330681197001010024
U1=330681101201JC00001F00010001 U2=330681101201JC00002F00010001
Y=$(date -u +%Y)
G1=330681-$Y-G-000001 G2=330681-$Y-G-000002 G3=330681-$Y-G-000003 C1=330681-$Y-C-000001
for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li auditor:330681.auditor.wang; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
export QUANPIAO_DB=r.db
expect_rc 0 -- --key auth.key key enroll --role officer --vkey officer.key.vkey
expect_rc 0 -- --key auth.key key enroll --role auditor --vkey auditor.key.vkey
export QUANPIAO_KEY=officer.key
# A name that would be markup: shown as it is, never interpreted.  (A right-to-left override
# never gets this far: every name refuses it, tests/cli/test_names.sh.)
HOSTILE='<b>王</b>&amp;大明'
expect_rc 0 -- village add --code $V1 --name 东白湖村
expect_rc 3 -- household add --id-number $H1 --name '王‮大明' --village $V1
contains "$ERR" "U+202E"

expect_rc 0 -- household add --id-number $H1 --name "$HOSTILE" --village $V1
expect_rc 0 -- household add --id-number $H2 --name 李小红 --village $V1
for u in $U1 $U2; do
	expect_rc 0 -- home add --unit $u --village $V1 --household $H1 --land-area 120.00 --status idle
	expect_rc 0 -- home status $u withdrawn
done
expect_rc 0 -- home status $U2 reclaimed                                                        # 12
expect_rc 0 -- cert issue --kind guarantee --holder $H1 --area 120.00 --home $U1 --basis withdrawal  # 13
expect_rc 0 -- cert issue --kind collective --holder $V1 --area 80.00 --home $U2 --basis reclamation # 14

# ---- refusals --------------------------------------------------------------------------------
expect 3 "" "quanpiao: no checkpoint has been signed yet; sign one with 'quanpiao log sign' and export again" -- \
	cert print $G1 --out g1.pdf
[ -e g1.pdf ] && fail "a refused print wrote g1.pdf"
expect_rc 0 -- log sign --key log.key
expect_rc 0 -- witness cosign --key auditor.key --state witness
expect 2 "" "quanpiao: cert print needs one CERT and --out FILE (see 'quanpiao cert print --help')" -- cert print $G1
expect 2 "" "quanpiao: cert print needs one CERT and --out FILE (see 'quanpiao cert print --help')" -- \
	cert print --out g1.pdf
expect 6 "" "quanpiao: no certificate 330681-$Y-G-000009 in the registry" -- \
	cert print 330681-$Y-G-000009 --out x.pdf
expect_rc 3 -- cert print "330681-$Y-G-00000X" --out x.pdf
contains "$ERR" "CERT"
for url in "javascript:alert(1)" "ftp://zhuji.example" "https://zhuji.example/#x" 'https://zhuji.example/"x' \
	"https://zhuji example" "https://" "https:///x" "https://zhuji.example/$(printf 'a\tb')" \
	"https://zhuji.example/验证" "https://$(printf '%0201d' 0)"; do
	expect_rc 3 -- cert print $G1 --out x.pdf --base-url "$url"
	contains "$ERR" "quanpiao: --base-url: "
done
[ -e x.pdf ] && fail "a refused print wrote x.pdf"
expect 6 "" "quanpiao: nodir/g1.pdf: No such file or directory" -- cert print $G1 --out nodir/g1.pdf
touch afile
expect 10 "" "quanpiao: afile/g1.pdf: Not a directory" -- cert print $G1 --out afile/g1.pdf

# ---- the certificate, printed and read back ------------------------------------------------
echo "not a pdf" >g1.pdf # an existing file is replaced, as export replaces its --out
expect_rc 0 -- cert print $G1 --out g1.pdf
contains "$OUT" "printed $G1 to g1.pdf ("
contains "$OUT" "bytes): as of the checkpoint of size 15, entry 13"
[ "$(head -c 5 g1.pdf)" = "%PDF-" ] || fail "g1.pdf is not a PDF: $(head -c 20 g1.pdf)"
CHECKS=$((CHECKS + 1))
SIZE=$(stat -c %s g1.pdf)
[ "$SIZE" -lt 1000000 ] || fail "g1.pdf has $SIZE bytes, not under 1 MB"
LEAF=$({ printf '\0'; "$QP" log entry --index 13; } | sha256sum | cut -c1-64)
URL="https://$ORIGIN/verify#c=$G1&i=13&h=$LEAF"
contains "$OUT" "verification URL: $URL"
PRINTED=$OUT

# Every font embedded as a subset (emb yes, sub yes), and the CJK one among them.
CHECKS=$((CHECKS + 1))
FONTS=$(pdffonts g1.pdf 2>&1)
printf '%s\n' "$FONTS" | tail -n +3 | awk '$(NF-4) != "yes" || $(NF-3) != "yes" { bad = 1 } END { exit bad }' ||
	fail "a font is not embedded as a subset: $FONTS"
printf '%s\n' "$FONTS" | grep -Eq '^[A-Z]{6}\+NotoSerifCJKsc-Regular .* yes +yes +yes ' ||
	fail "Noto Serif CJK is not embedded as a subset: $FONTS"

# Both QR codes from the page at 150 dpi, a plain office scan.
pdftoppm -r 150 -png g1.pdf page >/dev/null 2>&1 || fail "pdftoppm failed"
CODES=$(zbarimg --raw -q page-1.png 2>/dev/null)
CHECKS=$((CHECKS + 1))
[ "$(printf '%s\n' "$CODES" | grep -c .)" = 2 ] || fail "zbarimg found other than 2 codes: $CODES"
CHECKS=$((CHECKS + 1))
[ "$(printf '%s\n' "$CODES" | grep '^https://')" = "$URL" ] || fail "the URL code: $CODES"
printf '%s\n' "$CODES" | grep -v '^https://' >proof.txt
CHECKS=$((CHECKS + 1))
"$QRTEXT" <proof.txt >g1.status || fail "the proof code does not decode"
# Exactly the status proof that 'cert status --proof' writes, and verify checks it as it is.
expect_rc 0 -- cert status $G1 --proof g1.expected
CHECKS=$((CHECKS + 1))
cmp -s g1.status g1.expected || fail "the code's proof is not the status proof of $G1"
contains "$PRINTED" "status proof code: $(stat -c %s g1.expected) bytes, $(tr -d '\n' <proof.txt | wc -c) characters, QR version "
expect_rc 0 -- verify g1.status --log-vkey log.key.vkey --witness-vkey auditor.key.vkey
contains "$OUT" "有效 live"
contains "$OUT" "size 15, 1 cosignatures"
expect_rc 1 -- verify g1.status --log-vkey officer.key.vkey
contains "$ERR" "certificate $G1: the checkpoint: "
# A changed byte fails (exit 1): bad_at LINE COLUMN changes the byte at COLUMN of line LINE of
# g1.status (a letter, digit, + or / to another) into bad.status.
bad_at() {
	local c r
	c=$(LC_ALL=C sed -n "$1p" g1.status | cut -b "$2")
	r=$(printf '%s' "$c" | tr 'A-Za-z0-9+/' 'B-ZAb-za1-90/+')
	LC_ALL=C sed "$1s|^\(.\{$(($2 - 1))\}\).|\1$r|" g1.status >bad.status
	CHECKS=$((CHECKS + 1))
	cmp -s bad.status g1.status && fail "line $1, column $2 of g1.status was not changed"
}
line_of() { LC_ALL=C grep -n -m "${2:-1}" -E "$1" g1.status | tail -n 1 | cut -d: -f1; }
EM=$(printf '\342\200\224')
CP=$(line_of '^checkpoint [0-9]+$')
for at in "$((CP + 3)) 20" "$(line_of "^$EM zhuji") 60" "$(line_of "^$EM 330681.auditor") 60" \
	"$(($(line_of '^depth [0-9]+$') + 1)) 30" "$(line_of '^area [0-9]+$') 10" \
	"$(line_of '"area":12000') $(($(LC_ALL=C grep -m1 '"area":12000' g1.status | sed 's/"area":12000.*//' | wc -c) + 11))" \
	"$(($(line_of '^index [0-9]+$') + 1)) 20" "$(line_of "^$EM zhuji" 2) 60"; do
	bad_at $at
	expect_rc 1 -- verify bad.status --log-vkey log.key.vkey --witness-vkey auditor.key.vkey
	contains "$ERR" "quanpiao: certificate $G1: "
done
# A changed character of the code's text: not Base45 of a deflate stream, or a proof that fails.
CHECKS=$((CHECKS + 1))
sed 's/^\(.\{100\}\)\(.\)/\1\2/' proof.txt | tr '0-9' '1-90' >bad.txt
if "$QRTEXT" <bad.txt >bad.bin 2>/dev/null && cmp -s bad.bin g1.status; then
	fail "a changed code decodes to the same proof"
fi

# The page's text: the holder's ID number masked, the markup in the name as it is (the
# override turns what follows it right to left, as Unicode says), every line shown.
TEXT=$(pdftotext g1.pdf - 2>/dev/null)
for want in 诸暨市保障权票 "浙($Y)诸暨市保障权票第000001号" "330681-H-0000001 330681********0018 <b>王</b>&amp;" \
	"120.00 平方米 m²" $U1 "东白湖村 330681101201" "退出 withdrawal" "长期 no expiry" "有效 live" \
	330681.officer.li "$ORIGIN，大小 size 15"; do
	contains "$TEXT" "$want"
done
CHECKS=$((CHECKS + 1))
case "$TEXT" in *$H1*) fail "the page shows the ID number in full" ;; esac

# --json, and --base-url (a trailing slash is not doubled).
expect_rc 0 -- cert print $G1 --out g1b.pdf --base-url https://quanpiao.zhuji.example/log/ --json
contains "$OUT" "{\"certificate\":\"$G1\",\"out\":\"g1b.pdf\",\"bytes\":"
contains "$OUT" "\"entry\":13,\"leaf_hash\":\"$LEAF\",\"size\":15,\"url\":\"https://quanpiao.zhuji.example/log/verify#c=$G1&i=13&h=$LEAF\",\"qr\":{\"url\":{\"version\":"
contains "$OUT" "},\"proof\":{\"version\":"

# A collective certificate, and a spent one: the state as of the checkpoint.
expect_rc 0 -- cert print $C1 --out c1.pdf
contains "$(pdftotext c1.pdf - 2>/dev/null)" "诸暨市集体权票"
contains "$(pdftotext c1.pdf - 2>/dev/null)" "东白湖村 330681101201"
expect_rc 0 -- cert transfer $G1 --to $H2 --area 20.00 --basis sale
expect 3 "" "quanpiao: the latest checkpoint (size 15) does not cover entry 15 of certificate $G1's history; sign a newer one with 'quanpiao log sign' and export again" -- \
	cert print $G1 --out g1.pdf
expect_rc 0 -- log sign --key log.key
expect_rc 0 -- cert print $G1 --out g1.pdf
contains "$OUT" "as of the checkpoint of size 16, entry 15"
contains "$(pdftotext g1.pdf - 2>/dev/null)" "已使用 spent"
expect_rc 0 -- cert print $G2 --out g2.pdf
contains "$(pdftotext g2.pdf - 2>/dev/null)" "330681-H-0000002 330681********0024 李小红"

# ---- the longest values ----------------------------------------------------------------------
# A 120-byte origin, a 123-byte officer's key name, a 64-byte name, a 21-character village name
# and a 200-character --base-url wrap over many lines: the large code shrinks to the room left,
# and both codes still read back.
mkdir long && cd long || exit 1
LORIGIN=$(printf 'w%.0s' $(seq 60)).example/$(printf 'W%.0s' $(seq 51))
for k in auth:330681.authority log:$LORIGIN officer:330681.officer.$(printf 'w%.0s' $(seq 108)); do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate ${k#*:}"
done
export QUANPIAO_DB=r.db QUANPIAO_KEY=officer.key
expect_rc 0 -- --key auth.key init --origin "$LORIGIN" --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
expect_rc 0 -- --key auth.key key enroll --role officer --vkey officer.key.vkey
expect_rc 0 -- village add --code $V1 --name "$(printf '鬱%.0s' $(seq 21))"
expect_rc 0 -- household add --id-number $H1 --name "$(printf 'W%.0s' $(seq 64))" --village $V1
expect_rc 0 -- home add --unit $U1 --village $V1 --household $H1 --land-area 120.00 --status idle
expect_rc 0 -- home status $U1 withdrawn
expect_rc 0 -- cert issue --kind guarantee --holder $H1 --area 120.00 --home $U1 --basis withdrawal
expect_rc 0 -- log sign --key log.key
LBASE=https://$(printf 'a%.0s' $(seq 192))
expect_rc 0 -- cert print $G1 --out long.pdf --base-url "$LBASE"
LLEAF=$({ printf '\0'; "$QP" log entry --index 8; } | sha256sum | cut -c1-64)
pdftoppm -r 150 -png long.pdf page >/dev/null 2>&1 || fail "pdftoppm failed"
CODES=$(zbarimg --raw -q page-1.png 2>/dev/null)
CHECKS=$((CHECKS + 1))
[ "$(printf '%s\n' "$CODES" | grep '^https://')" = "$LBASE/verify#c=$G1&i=8&h=$LLEAF" ] || fail "the long URL code: $CODES"
CHECKS=$((CHECKS + 1))
printf '%s\n' "$CODES" | grep -v '^https://' | "$QRTEXT" >long.status || fail "the long page's proof code does not decode"
expect_rc 0 -- verify long.status --log-vkey log.key.vkey
contains "$OUT" "有效 live"
# Six witnesses with 120-character names cosign: the proof grows past what the shrunken square
# can show with modules of at least 0.45 mm, and the page leaves its code out, saying so; the
# URL code is still there, and 'cert status --proof' still writes the proof.
for i in 1 2 3 4 5 6; do
	W=330681.auditor.$i$(printf 'w%.0s' $(seq 104))
	"$QP" key generate --name "$W" --out w$i.key --unencrypted >/dev/null 2>&1 || fail "key generate $W"
	expect_rc 0 -- --key auth.key key enroll --role auditor --vkey w$i.key.vkey
done
expect_rc 0 -- log sign --key log.key
for i in 1 2 3 4 5 6; do
	expect_rc 0 -- witness cosign --key w$i.key --state w$i.state
done
expect_rc 0 -- cert print $G1 --out long2.pdf --base-url "$LBASE"
contains "$OUT" "status proof code: not printed: "
contains "$OUT" "characters would not scan from paper (docs/print.md); 'cert status --proof' writes it"
expect_rc 0 -- cert print $G1 --out long2.pdf --base-url "$LBASE" --json
contains "$OUT" '"proof":{"printed":false,"characters":'
pdftoppm -r 150 -png long2.pdf page2 >/dev/null 2>&1 || fail "pdftoppm failed"
CODES=$(zbarimg --raw -q page2-1.png 2>/dev/null)
CHECKS=$((CHECKS + 1))
[ "$CODES" = "$LBASE/verify#c=$G1&i=8&h=$LLEAF" ] || fail "the page without the proof code: $CODES"
TEXT=$(pdftotext long2.pdf - 2>/dev/null | tr -d '\n')
contains "$TEXT" "未印离线核验码"
contains "$TEXT" "quanpiao cert status --proof"
expect_rc 0 -- cert status $G1 --proof long2.status
expect_rc 0 -- verify long2.status --log-vkey log.key.vkey --witness-vkey w6.key.vkey
cd ..

# ---- a certificate from reclaimed land (parcel add): the page names the parcel, not a home ----------
P9=330681101201JC00009
expect_rc 0 -- --db r.db --key officer.key parcel add $P9 --village $V1 --land-area 90.00
expect_rc 0 -- --db r.db --key officer.key cert issue --kind collective --holder $V1 --area 90.00 --parcel $P9 --basis reclamation
C2=330681-$Y-C-000002
expect_rc 0 -- --db r.db cert show $C2 --json
contains "$OUT" "\"parcel\":\"$P9\""
expect_rc 0 -- --db r.db log sign --key log.key
expect_rc 0 -- --db r.db cert print $C2 --out parcel.pdf
TEXT=$(pdftotext parcel.pdf - 2>/dev/null | tr -d '\n')
contains "$TEXT" "复垦地块"
contains "$TEXT" "$P9"
contains "$TEXT" "东白湖村"
case "$TEXT" in *"农房编码"*) fail "a parcel's certificate should not show a home unit" ;; esac
