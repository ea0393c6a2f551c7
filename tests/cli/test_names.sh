# Names and text checked everywhere (sourced by run.sh): each pattern the one
# text check refuses (quanpiao/text.h) - control characters, bidirectional
# overrides and isolates, zero-width characters, empty and white-space-only
# values - refused by the CLI's name and text options and by the legacy
# import's name column, with a message naming the field and the code point,
# and the registry unchanged.
command -v sqlite3 >/dev/null || {
	echo "sqlite3 (the command-line shell) is needed: run tools/deps" >&2
	exit 1
}
dump() { sqlite3 r.db .dump; }

new_registry
export QUANPIAO_DB=r.db
export QUANPIAO_KEY=officer.key
expect_rc 0 -- village add --code 330681101201 --name 东白湖村
expect_rc 0 -- household add --id-number 330681196503120018 --name 王大明 --village 330681101201

# pattern value : what the message says of it
patterns=(
	$'a\x01b' 'U+0001 (a control character) is not allowed'
	$'a\tb' 'U+0009 (a control character) is not allowed'
	$'a\x7fb' 'U+007F (a control character) is not allowed'
	$'a\xc2\x85b' 'U+0085 (a control character) is not allowed'
	$'\xe2\x80\xaa王' 'U+202A (left-to-right embedding) is not allowed'
	$'\xe2\x80\xab王' 'U+202B (right-to-left embedding) is not allowed'
	$'\xe2\x80\xac王' 'U+202C (pop directional formatting) is not allowed'
	$'\xe2\x80\xad王' 'U+202D (left-to-right override) is not allowed'
	$'王\xe2\x80\xae明大' 'U+202E (right-to-left override) is not allowed'
	$'\xe2\x81\xa6王' 'U+2066 (left-to-right isolate) is not allowed'
	$'\xe2\x81\xa7王' 'U+2067 (right-to-left isolate) is not allowed'
	$'\xe2\x81\xa8王' 'U+2068 (first strong isolate) is not allowed'
	$'\xe2\x81\xa9王' 'U+2069 (pop directional isolate) is not allowed'
	$'王\xe2\x80\x8b明' 'U+200B (zero width space) is not allowed'
	$'王\xe2\x80\x8c明' 'U+200C (zero width non-joiner) is not allowed'
	$'王\xe2\x80\x8d明' 'U+200D (zero width joiner) is not allowed'
	$'王\xe2\x81\xa0明' 'U+2060 (word joiner) is not allowed'
	$'王\xef\xbb\xbf明' 'U+FEFF (zero width no-break space) is not allowed'
	'   ' 'must not be only white space'
	$'\xe3\x80\x80\xc2\xa0' 'must not be only white space'
	$'\xe2\x80\x83' 'must not be only white space'
	'' 'must not be empty'
)

# ---- the CLI: every name and text option ------------------------------------------------
n=0
for ((i = 0; i < ${#patterns[@]}; i += 2)); do
	v=${patterns[i]} why=${patterns[i + 1]}
	n=$((n + 1))
	unchanged 3 "" "quanpiao: --name: $why" -- village add --code 330681101202 --name "$v"
	unchanged 3 "" "quanpiao: --name: $why" -- household add --id-number 330681197001010024 --name "$v" --village 330681101201
	unchanged 3 "" "quanpiao: --name: $why" -- village correct 330681101201 --name "$v" --reason 笔误
	unchanged 3 "" "quanpiao: --reason: $why" -- village correct 330681101201 --name 东白湖 --reason "$v"
done
[ "$n" -ge 22 ] || fail "only $n patterns"

# ---- the import: the name column ---------------------------------------------------------
HEAD='票号,类型,持有人,证件号码,村代码,不动产单元号,面积,发证日期,有效期至,状态,备注'
{
	echo "$HEAD"
	line=1
	for ((i = 0; i < ${#patterns[@]}; i += 2)); do
		v=${patterns[i]}
		[ -n "$v" ] || continue
		line=$((line + 1))
		printf 'N-%02d,宅基地退出,"%s",330681196503120018,330681101201,330681101201JC%05dF00010001,120,2019-03-05,,有效,\n' \
			"$line" "$v" "$line"
	done
} >names.csv
rows=$(($(wc -l <names.csv) - 1))
before=$(dump)
run import names.csv --report rep.csv
[ "$RC" = 3 ] || fail "import of refused names: exit $RC, expected 3"
[ "$OUT" = "read $rows rows: 0 imported, 0 already present, $rows rejected (0 entries)
problems are listed in rep.csv" ] || fail "summary: $OUT"
[ "$(dump)" = "$before" ] || fail "the import changed the registry"
line=1
for ((i = 0; i < ${#patterns[@]}; i += 2)); do
	v=${patterns[i]} why=${patterns[i + 1]}
	[ -n "$v" ] || continue
	line=$((line + 1))
	case "$v" in
	# trimmed away by the import: the required name is then missing
	'   ' | $'\xe3\x80\x80\xc2\xa0') why="is empty" ;;
	esac
	grep -q "^$line,N-$(printf %02d $line),持有人,.*$why" rep.csv || fail "report line $line: no \"$why\": $(grep "^$line," rep.csv)"
done
