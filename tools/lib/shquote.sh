# tools/lib/shquote.sh - print arguments as shell words that read back the same.
# Sourced by tools/quickstart (which echoes each command it runs, to be
# pasted back) and tested by tests/cli/test_shquote.sh.

# shquote ARG... : print the arguments on one line, separated by spaces, each
# as is when it holds only characters no shell treats specially
# ([A-Za-z0-9_./:=@%+,-]), else in single quotes, an embedded ' written as
# '\''.  Text such as 东白湖村 stays readable ('东白湖村'); a newline stays a
# newline inside the quotes.  bash, dash and zsh read the line back as the
# same arguments.
shquote() {
	local a out="" sep=""
	for a in "$@"; do
		# The safe set spelled out: a range such as A-Z may match more in some locales.
		case "$a" in
		"" | *[!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=@%+,-]*)
			out+="$sep'${a//\'/\'\\\'\'}'"
			;;
		*)
			out+="$sep$a"
			;;
		esac
		sep=" "
	done
	printf '%s\n' "$out"
}
