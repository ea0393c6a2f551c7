# meson install into a destdir: what it installs, the man pages and the bash
# completion against the command table, the library through pkg-config
# (sourced by run.sh).  Needs QP_BUILD_ROOT, QP_MESON, QP_CC and QP_SANITIZE
# from tests/meson.build.

# check DESCRIPTION COMMAND... : one check that COMMAND succeeds.
check() {
	local what="$1"
	shift
	CHECKS=$((CHECKS + 1))
	"$@" || fail "$what"
}

# differs EXPECTED GOT : print what one list (one item a line) has and the
# other lacks; status 0 if they differ, 1 if they hold the same items.
differs() {
	local d
	d=$(diff <(printf '%s\n' "$1" | sed '/^$/d' | sort -u) <(printf '%s\n' "$2" | sed '/^$/d' | sort -u) |
		sed -n 's/^< /missing: /p; s/^> /extra: /p')
	[ -n "$d" ] && printf '%s\n' "$d"
}

# same WHAT EXPECTED GOT : one check that the two lists hold the same items.
same() {
	local d
	CHECKS=$((CHECKS + 1))
	if d=$(differs "$2" "$3"); then
		OUT="$d" ERR="" RC=""
		fail "$1: not the command table's list"
	fi
}

for v in QP_BUILD_ROOT QP_MESON QP_CC; do
	[ -n "${!v:-}" ] || {
		fail "$v is not set (run this test through meson test)"
		return 0
	}
done
if ! command -v man >/dev/null; then
	fail "man is missing: tools/deps installs man-db"
	return 0
fi

D="$WORK/dest"
CONTEXT="meson install --destdir"
CHECKS=$((CHECKS + 1))
if ! "$QP_MESON" install -C "$QP_BUILD_ROOT" --destdir "$D" --no-rebuild --quiet >"$WORK/install.log" 2>&1; then
	OUT=$(cat "$WORK/install.log")
	fail "meson install failed"
	return 0
fi

# Where things went: bin/, man1/ and the rest relative to the prefix.
find_one() { find "$D" -path "$1" \( -type f -o -type l \) | head -1; }
BIN=$(dirname "$(find_one '*/bin/quanpiao')")
PREFIX=${BIN%/bin}
MAN1=$(dirname "$(find_one '*/man1/quanpiao.1')")
COMPLETION="$PREFIX/share/bash-completion/completions/quanpiao"
PC=$(find_one '*/pkgconfig/quanpiao.pc')
CONTEXT="installed files"
check "no bin/quanpiao under $D" test -x "$BIN/quanpiao"
check "no bin/quanpiaod" test -x "$BIN/quanpiaod"
check "no man1/quanpiao.1 under $PREFIX/share/man" test "$MAN1" = "$PREFIX/share/man/man1"
check "no man1/quanpiaod.1" test -f "$MAN1/quanpiaod.1"
check "no bash completion in share/bash-completion/completions" test -f "$COMPLETION"
check "no pkgconfig/quanpiao.pc" test -f "$PC"
check "no include/quanpiao/quanpiao.h" test -f "$PREFIX/include/quanpiao/quanpiao.h"
check "no include/quanpiao/version.h" test -f "$PREFIX/include/quanpiao/version.h"
check "no sample unit in share/doc/quanpiao/examples" test -f "$PREFIX/share/doc/quanpiao/examples/quanpiaod.service"
# The installed programs find the installed library on their own.
CONTEXT="installed quanpiao"
check "the installed quanpiao does not run" test "$("$BIN/quanpiao" --version 2>&1)" = "$("$QP" --version)"
check "the installed quanpiaod does not run" "$BIN/quanpiaod" --help >/dev/null 2>&1
REAL_PREFIX=${PREFIX#"$D"}
CONTEXT="quanpiaod.service"
check "the unit's ExecStart is not $REAL_PREFIX/bin/quanpiaod" \
	grep -q "^ExecStart=$REAL_PREFIX/bin/quanpiaod " "$PREFIX/share/doc/quanpiao/examples/quanpiaod.service"

# The command table, as the tool lists it: "key generate", "audit", ...
TABLE=$("$QP" help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on { sub(/^  /, ""); split($0, a, /  +/); print a[1] }')
WORDS=$(printf '%s\n' "$TABLE" | awk '!seen[$1]++ { print $1 }')
GROUPS_=$(printf '%s\n' "$TABLE" | awk 'NF == 2 && !seen[$1]++ { print $1 }')
CONTEXT="quanpiao help"
check "quanpiao help lists no commands" test "$(printf '%s\n' "$TABLE" | wc -l)" -gt 30
contains "$TABLE" "key generate"
contains "$TABLE" "help"
# The options of a command as its help lists them: its own (Options:), or
# with the global ones (Global options:) too.
help_options() { # COMMAND SECTIONS
	# shellcheck disable=SC2086 # the command's words
	"$QP" help $1 | awk -v re="^($2):\$" '$0 ~ re { on = 1; next } /^$/ { on = 0 } on && /^  --/ { print $1 }'
}

# Man pages: one per first word, no other, each rendered by man without a warning.
CONTEXT="man pages"
pages=$(cd "$MAN1" && ls quanpiao*.1)
same "the man pages" "$(printf 'quanpiao.1\nquanpiaod.1\n'; printf 'quanpiao-%s.1\n' $WORDS)" "$pages"
for p in $pages; do
	CONTEXT="man -l $p"
	warnings=$(MANWIDTH=80 man -l --warnings=w "$MAN1/$p" 2>&1 >/dev/null)
	CHECKS=$((CHECKS + 1))
	[ -z "$warnings" ] || {
		ERR="$warnings"
		fail "man warns"
	}
	check "man renders nothing" test -n "$(MANWIDTH=80 man -l "$MAN1/$p" 2>/dev/null)"
done
CONTEXT="man -l quanpiao.1"
overview=$(MANWIDTH=80 man -l "$MAN1/quanpiao.1" 2>/dev/null)
contains "$overview" "certificates (权票)"
contains "$overview" "--passphrase-file FILE"
contains "$overview" "QUANPIAO_PASSPHRASE"
contains "$overview" "EXIT STATUS"
# quanpiao(1) lists every command (the tags of its COMMANDS list).
same "quanpiao.1 COMMANDS" "$TABLE" "$(awk '/^\.SH COMMANDS/ { on = 1; next } /^\.SH/ { on = 0 }
	on && prev == ".TP" { print } { prev = $0 }' "$MAN1/quanpiao.1" | sed 's/\\f[BIR]//g; s/\\-/-/g')"
# quanpiao-WORD(1) has a section for each command of WORD, with each of its options.
man_sections() { MANWIDTH=200 man -l "$1" 2>/dev/null | awk '/^COMMANDS/ { on = 1; next } /^[A-Z]/ { on = 0 }
	on && /^   [^ ]/ { sub(/^   /, ""); print }'; }
man_options() { MANWIDTH=200 man -l "$1" 2>/dev/null | awk -v cmd="$2" '/^[A-Z]/ { on = 0 }
	/^   [^ ]/ { sub(/^   /, ""); on = ($0 == cmd) } on && /^              --/ { print $1 }'; }
all_sections=""
for w in $WORDS; do
	CONTEXT="man -l quanpiao-$w.1"
	got=$(man_sections "$MAN1/quanpiao-$w.1")
	same "quanpiao-$w.1 COMMANDS" "$(printf '%s\n' "$TABLE" | awk -v w="$w" '$1 == w')" "$got"
	all_sections+="$got"$'\n'
done
while IFS= read -r c; do
	w=${c%% *}
	CONTEXT="man -l quanpiao-$w.1: $c"
	same "the options of $c" "$(help_options "$c" Options)" "$(man_options "$MAN1/quanpiao-$w.1" "$c")"
done <<<"$TABLE"
CONTEXT="man pages: every command"
same "the sections of all pages" "$TABLE" "$all_sections"
# The comparison fails for a command the table has and the pages lack.
CONTEXT="a command added to the table only"
CHECKS=$((CHECKS + 1))
d=$(differs "$TABLE"$'\nvillage merge' "$all_sections") || fail "a command missing from every page goes unnoticed"
contains "$d" "missing: village merge"

# quanpiaod(1) documents the options of quanpiaod --help.
CONTEXT="quanpiaod.1"
same "quanpiaod.1 OPTIONS" "$("$BIN/quanpiaod" --help | awk '/^  --/ { print $1 }')" \
	"$(MANWIDTH=200 man -l "$MAN1/quanpiaod.1" 2>/dev/null | awk '/^OPTIONS/ { on = 1; next } /^[A-Z]/ { on = 0 }
		on && /^       --/ { print $1 }')"

# Bash completion: sourced (without the bash-completion package), asked as bash asks.
CONTEXT="bash completion"
complete_words() { # WORD... : the completions of the last word
	bash -c 'source "$0" || exit 1
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_quanpiao && printf "%s\n" "${COMPREPLY[@]}"' "$COMPLETION" quanpiao "$@"
}
check "the completion does not load" bash -c 'source "$0" && complete -p quanpiao >/dev/null' "$COMPLETION"
same "completion of quanpiao" "$WORDS" "$(complete_words "")"
same "completion of quanpiao help" "$WORDS" "$(complete_words help "")"
for g in $GROUPS_; do
	subs=$(printf '%s\n' "$TABLE" | awk -v g="$g" '$1 == g { print $2 }')
	same "completion of quanpiao $g" "$subs" "$(complete_words "$g" "")"
	same "completion of quanpiao help $g" "$subs" "$(complete_words help "$g" "")"
done
completed_commands=""
while IFS= read -r c; do
	# shellcheck disable=SC2086 # the command's words
	same "completion of quanpiao $c --" "$(help_options "$c" "Options|Global options")" "$(complete_words $c --)"
	# shellcheck disable=SC2086
	[ -n "$(complete_words $c --)" ] && completed_commands+="$c"$'\n'
done <<<"$TABLE"
# Global options before the command, and values: files for FILE, directories for DIR, choices.
same "completion of quanpiao --db x.db key generate --o" "--out" "$(complete_words --db x.db key generate --o)"
mkdir -p "$WORK/adir" && touch "$WORK/afile"
same "completion of --out a" "$(printf 'adir\nafile')" "$(complete_words key generate --out a)"
same "completion of --keep a" "adir" "$(complete_words audit --keep a)"
same "completion of --key a" "$(printf 'adir\nafile')" "$(complete_words --key a)"
same "completion of key show a" "$(printf 'adir\nafile')" "$(complete_words key show a)"
same "completion of --role" "$(printf 'officer\nauditor\nlog')" "$(complete_words key enroll --role "")"
same "completion of --role=a" "auditor" "$(complete_words key enroll --role = a)"
same "completion of --server" "" "$(complete_words --server "")"
# The same comparison fails for a command the table has and the completion lacks.
CONTEXT="a command added to the table only"
CHECKS=$((CHECKS + 1))
d=$(differs "$TABLE"$'\nvillage merge' "$completed_commands") || fail "a command missing from the completion goes unnoticed"
contains "$d" "missing: village merge"

# The library through pkg-config: a program compiles against the installed header and library.
CONTEXT="pkg-config quanpiao"
LIBDIR=$(dirname "$(find_one '*/libquanpiao.so')")
export PKG_CONFIG_PATH="$(dirname "$PC")" PKG_CONFIG_SYSROOT_DIR="$D"
check "the .pc's prefix is not the install prefix $REAL_PREFIX" grep -q -x "prefix=$REAL_PREFIX" "$PC"
check "pkg-config --modversion is not the tool's version" \
	test "$(pkg-config --modversion quanpiao)" = "$("$QP" --version | cut -d' ' -f2)"
flags=$(pkg-config --cflags --libs quanpiao)
contains "$flags" "-I$PREFIX/include"
contains "$flags" "-L$LIBDIR -lquanpiao"
cat >"$WORK/prog.c" <<'EOF'
#include <stdio.h>

#include <quanpiao/quanpiao.h>

int main(void)
{
	printf("%s %s\n", qp_version(), qp_strerror(QP_ENOTFOUND));
	return 0;
}
EOF
sanitize=()
[ "${QP_SANITIZE:-none}" = none ] || sanitize=("-fsanitize=$QP_SANITIZE")
CHECKS=$((CHECKS + 1))
# shellcheck disable=SC2086 # the compiler command and the flags are words
if ! OUT=$($QP_CC -std=c11 -Wall -Werror "${sanitize[@]}" -o "$WORK/prog" "$WORK/prog.c" $flags 2>&1); then
	fail "a program does not compile against the installed header and library"
else
	OUT=$(LD_LIBRARY_PATH="$LIBDIR" "$WORK/prog" 2>&1)
	contains "$OUT" "$("$QP" --version | cut -d' ' -f2) "
fi

# The installed library exports the installed headers' functions and nothing
# else (the rule of tests/cli/exports.sh, as test_exports checks the build).
# shellcheck source=tests/cli/exports.sh
. "$(dirname "$SCRIPT")/exports.sh"
CONTEXT="the installed library's symbols"
INSTALLED_HEADERS=("$PREFIX"/include/quanpiao/*.h)
LIB_REAL=$(readlink -f "$LIBDIR/libquanpiao.so")
CHECKS=$((CHECKS + 1))
if ! OUT=$(export_problems "$QP_CC" nm "$LIB_REAL" "$PREFIX/include" "${INSTALLED_HEADERS[@]}"); then
	fail "cannot read the installed headers or library"
elif [ -n "$OUT" ]; then
	fail "the installed library exports other than the installed headers declare"
fi
# A program that calls each of them links against the installed library
# through pkg-config, and loads.
mapfile -t API < <(declared_functions "$QP_CC" "$PREFIX/include" "${INSTALLED_HEADERS[@]}" | awk '$2 == "api" { print $1 }')
CHECKS=$((CHECKS + 1))
[ "${#API[@]}" -ge 100 ] || fail "only ${#API[@]} functions in the installed headers"
{
	printf '#include <stdio.h>\n\n'
	for h in "${INSTALLED_HEADERS[@]}"; do printf '#include <quanpiao/%s>\n' "${h##*/}"; done
	printf '\ntypedef void (*fn)(void);\nstatic const fn api[] = {\n'
	printf '\t(fn)%s,\n' "${API[@]}"
	printf '};\n\nint main(void)\n{\n'
	printf '\tprintf("%%zu\\n", sizeof api / sizeof api[0]);\n\treturn 0;\n}\n'
} >"$WORK/api.c"
CONTEXT="a program that calls every public function"
CHECKS=$((CHECKS + 1))
# shellcheck disable=SC2086 # the compiler command and the flags are words
if ! OUT=$($QP_CC -std=c11 -Wall -Werror "${sanitize[@]}" -o "$WORK/api" "$WORK/api.c" $flags 2>&1); then
	fail "it does not link against the installed library"
else
	CHECKS=$((CHECKS + 1))
	OUT=$(LD_LIBRARY_PATH="$LIBDIR" "$WORK/api" 2>&1)
	[ "$OUT" = "${#API[@]}" ] || fail "it does not run"
fi
# A program that calls an internal function of the library (one the static
# library the tests link defines) does not link: the symbol is hidden.
CONTEXT="a program that calls an internal function"
INTERNAL=$(nm -g --defined-only "$QP_BUILD_ROOT/src/libquanpiao_internal.a" 2>/dev/null |
	awk '$2 == "T" { print $3 }' | sort -u | comm -23 - <(printf '%s\n' "${API[@]}" | sort -u) | head -1)
CHECKS=$((CHECKS + 1))
if [ -z "$INTERNAL" ]; then
	fail "no internal function in $QP_BUILD_ROOT/src/libquanpiao_internal.a"
else
	printf 'int %s(void);\n\nint main(void)\n{\n\treturn %s() != 0;\n}\n' "$INTERNAL" "$INTERNAL" >"$WORK/internal.c"
	# shellcheck disable=SC2086 # the compiler command and the flags are words
	if OUT=$($QP_CC -std=c11 "${sanitize[@]}" -o "$WORK/internal" "$WORK/internal.c" $flags 2>&1); then
		fail "$INTERNAL links from the installed library"
	else
		contains "$OUT" "undefined reference to \`$INTERNAL'"
	fi
fi
