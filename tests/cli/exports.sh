# exports.sh - the rule that libquanpiao exports its public API and nothing
# else, as shell functions (sourced by test_exports.sh for the build tree
# and by test_install.sh for the installed library).
#
# The public API is every function declared at file scope in the public
# headers, each marked QP_API (include/quanpiao/export.h), which gives it
# default visibility in a library built with hidden visibility.

# declared_functions CC INCLUDE_DIRS HEADER... : one line per function (or
# extern object) declared at file scope in the headers, or in the headers
# they include from under INCLUDE_DIRS (colon-separated, absolute):
# "NAME api" if the declaration is marked QP_API, "NAME unmarked" if not,
# "? DECLARATION" for one whose name this cannot tell.  The headers are read
# as the compiler reads them (cc -E, C11), so comments, conditionals and
# macros count as they do for a program.
declared_functions() {
	local cc="$1" dirs="$2" h incs=()
	shift 2
	local IFS=:
	for h in $dirs; do incs+=("-I$h"); done
	unset IFS
	# shellcheck disable=SC2086 # the compiler command is words
	for h in "$@"; do printf '#include "%s"\n' "$h"; done |
		$cc -std=c11 -E "${incs[@]}" -x c - |
		awk -v dirs="$dirs" '
		function strip_attributes(s, out, i, p, depth, c) {
			while ((p = index(s, "__attribute__")) > 0) {
				out = substr(s, 1, p - 1)
				depth = 0
				for (i = p + 13; i <= length(s); i++) {
					c = substr(s, i, 1)
					if (c == "(")
						depth++
					else if (c == ")" && --depth == 0)
						break
				}
				s = out substr(s, i + 1)
			}
			return s
		}
		function declaration(s, mark, p, name) {
			gsub(/[ \t]+/, " ", s)
			sub(/^ /, "", s)
			if (s == "" || s ~ /^typedef /)
				return
			mark = s ~ /visibility *\( *"default" *\)/ ? "api" : "unmarked"
			s = strip_attributes(s)
			p = index(s, "(")
			if (p == 0) {
				# struct or enum declarations; extern objects are exported too
				if (s !~ /^extern /)
					return
				name = s
				sub(/ *(\[[^]]*\] *)*$/, "", name)
			} else {
				name = substr(s, 1, p - 1)
				sub(/ +$/, "", name)
			}
			if (name !~ /[A-Za-z_][A-Za-z0-9_]*$/) {
				print "? " s
				return
			}
			sub(/.*[^A-Za-z0-9_]/, "", name)
			print name " " mark
		}
		BEGIN { ndirs = split(dirs, dir, ":") }
		# Line markers: # LINE "FILE" FLAGS; keep what comes from under dirs.
		/^# [0-9]+ "/ {
			file = $3
			gsub(/"/, "", file)
			keep = 0
			for (i = 1; i <= ndirs; i++)
				if (index(file, dir[i] "/") == 1)
					keep = 1
			next
		}
		/^#/ || !keep { next }
		{
			for (i = 1; i <= length($0); i++) {
				c = substr($0, i, 1)
				if (c == "{") {
					depth++
				} else if (c == "}") {
					# the end of a struct, enum or definition
					if (--depth == 0)
						statement = ""
				} else if (depth == 0 && c == ";") {
					declaration(statement)
					statement = ""
				} else if (depth == 0) {
					statement = statement c
				}
			}
			statement = statement " "
		}' | sort -u
}

# exported_symbols NM LIB : the names of the symbols LIB exports (defined
# in its dynamic symbol table), one a line.
exported_symbols() {
	"$1" -D --defined-only "$2" | awk 'NF == 3 { print $3 }' | sort -u
}

# export_problems CC NM LIB INCLUDE_DIRS HEADER... : compare what LIB
# exports with what the headers declare; one line per problem, nothing if
# they agree:
#   "not exported: NAME"    declared in a public header, missing from LIB
#   "not declared: NAME"    exported by LIB, declared in no public header
#   "without QP_API: NAME"  declared without the mark
#   "not understood: DECL"  a declaration whose name declared_functions cannot tell
# Status 1 if it cannot read the headers or the library.
export_problems() {
	local cc="$1" nm="$2" lib="$3" dirs="$4" declared exported
	shift 4
	declared=$(declared_functions "$cc" "$dirs" "$@") || return 1
	exported=$(exported_symbols "$nm" "$lib") || return 1
	[ -n "$declared" ] && [ -n "$exported" ] || return 1
	printf '%s\n' "$declared" | sed -n 's/^? /not understood: /p; s/^\([^?][^ ]*\) unmarked$/without QP_API: \1/p'
	comm -23 <(printf '%s\n' "$declared" | awk '$1 != "?" { print $1 }' | sort -u) <(printf '%s\n' "$exported") |
		sed 's/^/not exported: /'
	comm -13 <(printf '%s\n' "$declared" | awk '$1 != "?" { print $1 }' | sort -u) <(printf '%s\n' "$exported") |
		sed 's/^/not declared: /'
}
