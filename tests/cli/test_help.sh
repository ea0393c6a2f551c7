# quanpiao help: the overview, a group, a command; unknown topics (sourced by run.sh).

# help is the overview, on stdout, exit 0: the same text as --help.
expect_rc 0 -- --help
overview="$OUT"
expect 0 "$overview" "" -- help
contains "$OUT" "usage: quanpiao [--db PATH] [--key FILE] [--server URL] [--passphrase-file FILE] [--json] COMMAND ..."
contains "$OUT" "  key generate             create a signing key and its verifier key"
contains "$OUT" "  help                     show the commands, a group's subcommands, or a command's help"
contains "$OUT" "Run 'quanpiao help COMMAND' or 'quanpiao COMMAND --help' for the options of a command,"

# help GROUP lists the group's subcommands, as GROUP --help does.
expect_rc 0 -- key --help
group_help="$OUT"
expect 0 "$group_help" "" -- help key
expect 0 "usage: quanpiao id SUBCOMMAND ...

Subcommands:
  check        check an identifier or value before entering it" "" -- help id

# help GROUP NAME and help NAME print the command's --help.
for c in "key show" "cert transfer" "id check" "log proof" "audit" "import" "help"; do
	# shellcheck disable=SC2086 # the command's words
	expect_rc 0 -- $c --help
	command_help="$OUT"
	# shellcheck disable=SC2086
	expect 0 "$command_help" "" -- help $c
done
expect_rc 0 -- help id check
contains "$OUT" "usage: quanpiao [global options] id check KIND VALUE"
contains "$OUT" "Global options:"
contains "$OUT" "  --passphrase-file FILE   read the key's passphrase from FILE (or QUANPIAO_PASSPHRASE)"
# Global options are accepted around it, as by every command.
expect 0 "$overview" "" -- --db elsewhere.db help
expect 0 "$group_help" "" -- help key --json

# Unknown topics: exit 2, a message naming what to run instead, nothing on stdout.
expect 2 "" "quanpiao: unknown command 'frob' (see 'quanpiao help')" -- help frob
expect 2 "" "quanpiao: unknown command 'key frob' (see 'quanpiao help key')" -- help key frob
expect 2 "" "quanpiao: audit has no subcommands (see 'quanpiao help audit')" -- help audit extra
expect 2 "" "quanpiao: help takes a command: a GROUP, a GROUP and a NAME, or a NAME (see 'quanpiao help --help')" -- \
	help key show extra
expect 2 "" "quanpiao: unknown option --frob (see 'quanpiao help --help')" -- help --frob
# A name is looked up as typed: no prefixes, no case folding.
expect 2 "" "quanpiao: unknown command 'Key' (see 'quanpiao help')" -- help Key
expect 2 "" "quanpiao: unknown command 'key gen' (see 'quanpiao help key')" -- help key gen
# help with --server needs no service: it is answered locally.
expect 0 "$overview" "" -- --server http://127.0.0.1:9 help
