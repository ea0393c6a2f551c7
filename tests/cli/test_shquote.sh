# tools/lib/shquote.sh, which tools/quickstart uses to echo the commands it
# runs: what it prints reads back as the same arguments (sourced by run.sh;
# QP_SHQUOTE is the file, from tests/meson.build).

# shellcheck source=../../tools/lib/shquote.sh
. "${QP_SHQUOTE:?QP_SHQUOTE is not set (run this test through meson test)}"

# quoted EXPECTED ARG... : shquote's exact output.
quoted() {
	local want="$1"
	shift
	CHECKS=$((CHECKS + 1))
	OUT=$(shquote "$@") ERR="" RC=0
	CONTEXT="shquote $*"
	[ "$OUT" = "$want" ] || fail "expected: $want"
}

# Plain words stay as they are; the rest is single-quoted, readable.
quoted "key generate --name 330681.officer.zhang-wei --out officer.key" \
	key generate --name 330681.officer.zhang-wei --out officer.key
quoted "--server http://127.0.0.1:8080 a=b 50% user@host +1,2" --server http://127.0.0.1:8080 a=b 50% user@host +1,2
quoted "village add --name '东白湖村'" village add --name 东白湖村
quoted "--reason 'lease ended'" --reason "lease ended"
quoted "'it'\\''s' '' '\$HOME' '*' '~' '#' '!'" "it's" "" '$HOME' '*' '~' '#' '!'
quoted "'异议: inheritance dispute'" "异议: inheritance dispute"

# Hostile values read back the same through eval (bash), and through sh.
values=(
	"" " " "a b" "it's" "''" "'" '"' 'a"b' '$HOME' '${x:-y}' '$(id)' '`id`' '\' '\n' 'a\'
	"x
y" $'tab\there' $'\r' '*' '?' '[a]' '{a,b}' '~' '~root' '#x' 'a#b' '!' '!!' ';' '&' '|' '<' '>' '(' ')'
	'a;b' 'a&&b' '--key=x y' '-n' '-e' '--' '=' '%' '东白湖村' '诸暨东白湖民宿有限公司' "它's \$x"
	$'\xff\xfe' 'é' ' leading' 'trailing ' "'\"'\"'"
)
CONTEXT="eval of shquote's output"
CHECKS=$((CHECKS + 1))
line=$(shquote "${values[@]}")
eval "set -- $line"
[ "$#" -eq "${#values[@]}" ] || fail "$# arguments read back, ${#values[@]} given: $line"
for ((i = 0; i < ${#values[@]}; i++)); do
	CHECKS=$((CHECKS + 1))
	got="${*:i+1:1}"
	[ "$got" = "${values[i]}" ] || fail "argument $i: read back [$got], given [${values[i]}]"
done
# sh (dash on Debian) reads the same line back as the same arguments.
CONTEXT="sh -c of shquote's output"
CHECKS=$((CHECKS + 1))
[ "$(sh -c "printf '%s\\0' $line" | od -An -c)" = "$(printf '%s\0' "${values[@]}" | od -An -c)" ] ||
	fail "sh reads other arguments back"
# In the C locale too (bytes, not characters).
CONTEXT="LC_ALL=C"
CHECKS=$((CHECKS + 1))
[ "$(LC_ALL=C bash -c '. "$0"; shquote "$@"' "$QP_SHQUOTE" "${values[@]}")" = "$line" ] ||
	fail "another output in the C locale"
# Nothing is written in \x escapes or $'...': UTF-8 stays readable.
CONTEXT="readable UTF-8"
contains "$line" "'东白湖村'"
CHECKS=$((CHECKS + 1))
case "$line" in
*"\\x"* | *"\$'"*) fail "escapes in: $line" ;;
esac
