# The README as a walkthrough (sourced by run.sh): every command it shows,
# from "## Using the CLI" to the end, is run as written, in order, in one
# bash session in an empty directory, with quanpiao and quanpiaod of this
# build first on PATH.
#
# Convention for the README's code blocks (4-space indented or fenced):
#   - a block whose first line starts with "$ " is a transcript: each
#     "$ COMMAND" is run and its output (stdout and stderr together) must
#     be the lines under it, exactly; "$ echo $?" sees the status of the
#     command before it;
#   - a block right after a line "<!-- readme: not run (WHY) -->" is not
#     run (a synopsis, a sample of output);
#   - every other block is a script: each command must succeed (set -e).
#     A fenced block with a language other than sh, bash or console must
#     be marked not run, or the test fails.
# The one change made to the text: 127.0.0.1:8080 becomes a free port, so
# that the test does not depend on 8080 being free.  Any quanpiaod still
# running when the session ends is stopped.  The Quick start (tools/
# quickstart, tools/check) is above "Using the CLI": CI runs those itself.
README="${QP_README:-$(dirname "$SCRIPT")/../../README.md}"
CONTEXT="README.md"
CHECKS=$((CHECKS + 1))

mkdir -p "$WORK/bin" "$WORK/session" "$WORK/home"
ln -s "$QP" "$WORK/bin/quanpiao"
ln -s "${QP_QUANPIAOD:?QP_QUANPIAOD is not set}" "$WORK/bin/quanpiaod"

# A port nothing listens on (the README's 8080 may be taken on this machine),
# below the kernel's ephemeral range: quanpiaod binds it about a minute after
# this probe, and meanwhile any test's outgoing connection may be given a port
# from that range; quanpiaod would then fail to listen and the README's wait
# for /healthz would run until the test's timeout (as one run under load did).
low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$low" -gt 11000 ] 2>/dev/null || low=32768
PORT=""
for _ in $(seq 50); do
	p=$((10000 + RANDOM % (low - 10000)))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		PORT=$p
		break
	fi
done
[ -n "$PORT" ] || fail "no free port found"

# Turn the README into one bash script.
python3 - "$README" "$PORT" >"$WORK/readme_session.sh" 2>"$WORK/readme_blocks.err" <<'PY'
import re, sys
path, port = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().split("\n")
try:
    start = lines.index("## Using the CLI")
except ValueError:
    sys.exit("README.md has no '## Using the CLI' section")
MARK = re.compile(r"^<!-- readme: not run \(.+\) -->$")

blocks = []  # (line number, kind, text lines, marked)
i = start
while i < len(lines):
    line = lines[i]
    prev = [l for l in lines[start:i] if l.strip()][-1:] or [""]
    marked = bool(MARK.match(prev[0]))
    if line.startswith("```"):
        lang = line[3:].strip()
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = lines[i + 1:j]
        if not marked and lang not in ("sh", "bash", "console"):
            sys.exit("README.md line %d: a ``` block that is neither sh nor marked "
                     "'<!-- readme: not run (WHY) -->'" % (i + 1))
        blocks.append((i + 1, body, marked))
        i = j + 1
        continue
    if line.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
        j = i
        body = []
        while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
            # A blank line belongs to the block only if the block goes on after it.
            if not lines[j].strip():
                k = j
                while k < len(lines) and not lines[k].strip():
                    k += 1
                if k >= len(lines) or not lines[k].startswith("    "):
                    break
            body.append(lines[j][4:])
            j += 1
        blocks.append((i + 1, body, marked))
        i = j
        continue
    i += 1

out = ["set -eE -o pipefail",
       "__block=start",
       "trap 'echo \"README.md $__block: exit $? from: $BASH_COMMAND\" >&2' ERR",
       "trap '__pids=$(jobs -p); if [ -n \"$__pids\" ]; then kill $__pids 2>/dev/null || :; wait 2>/dev/null || :; fi' EXIT",
       "trap 'exit 143' TERM INT",
       "__rc=0"]
ran = skipped = 0
for n, body, marked in blocks:
    text = "\n".join(body).replace("127.0.0.1:8080", "127.0.0.1:" + port)
    if marked:
        skipped += 1
        continue
    ran += 1
    out.append("__block='line %d'" % n)
    first = next((l for l in body if l.strip()), "")
    if not first.startswith("$ "):
        out.append("set -x")
        out.append(text)
        out.append("set +x")
        continue
    # A transcript: "$ COMMAND" lines, each followed by its expected output.
    cmds = []
    for off, l in enumerate(text.split("\n")):
        if l.startswith("$ "):
            cmds.append((n + off, l[2:], []))
        elif cmds:
            cmds[-1][2].append(l)
    for ln, cmd, want in cmds:
        while want and not want[-1].strip():
            want.pop()
        out.append("__block='line %d'" % ln)
        out.append("__want=$(cat <<'__QP_README_EXPECTED__'\n%s\n__QP_README_EXPECTED__\n)" % "\n".join(want))
        out.append("__got=$( (exit $__rc); %s 2>&1 ) && __rc=0 || __rc=$?" % cmd)
        out.append('if [ "$__got" != "$__want" ]; then printf \'README.md line %d: $ %%s\\n'
                   'expected:\\n%%s\\ngot:\\n%%s\\n\' %s "$__want" "$__got" >&2; exit 1; fi'
                   % (ln, "'" + cmd.replace("'", "'\\''") + "'"))
out.append("echo 'README session done: %d blocks run, %d marked not run'" % (ran, skipped))
print("\n".join(out))
PY
if [ $? -ne 0 ]; then
	fail "$(cat "$WORK/readme_blocks.err")"
else
	# The session: its own directory, home and mirror cache; nothing outside $WORK.
	(
		cd "$WORK/session" &&
			env -u QUANPIAO_DB -u QUANPIAO_KEY HOME="$WORK/home" QUANPIAO_CACHE="$WORK/cache" \
				PATH="$WORK/bin:$PATH" QUANPIAO_PASSPHRASE="readme test passphrase" \
				PS4='+ ' timeout 280 bash "$WORK/readme_session.sh"
	) >"$WORK/readme.out" 2>"$WORK/readme.err"
	RC=$?
	OUT=$(tail -n 5 "$WORK/readme.out")
	ERR=$(tail -n 40 "$WORK/readme.err")
	[ "$RC" = 0 ] || fail "a command of README.md failed (the last commands run and their errors are below)"
	contains "$(cat "$WORK/readme.out")" "README session done"
fi
