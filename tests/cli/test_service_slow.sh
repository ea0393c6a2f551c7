# Hostile slow clients (sourced by run.sh; issue 22's third acceptance test).
# 600 sockets from 127.0.0.1 send a request line and trickle their headers a
# byte at a time, coming back whenever they are closed; meanwhile 150
# requests from 127.0.0.2 must all be answered, with p99 under 1 s.  The
# service holds at most --max-per-address of the slow sockets (the rest are
# closed as they come), and closes the ones it holds once --header-timeout
# passes without a whole request.  tests/tools/qp_slowclient.c does the
# work (one run of some 6 s); the figures it prints are judged here.
# shellcheck source=/dev/null
. "$(dirname "$SCRIPT")/../service/lib.sh"
SLOW="${QP_SLOWCLIENT:?QP_SLOWCLIENT must name the qp_slowclient test tool}"

make_registry
start_service --threads 2 --max-per-address 100 --header-timeout 2 || return
PORT=${URL##*:}
CONTEXT="600 slow sockets from 127.0.0.1, 150 requests from 127.0.0.2"
line=$("$SLOW" "$PORT" 600 150) || fail "qp_slowclient: exit $?"
echo "qp_slowclient: $line"
read -r _ held _ refused _ deadline _ good _ _ _ _ p99 _ _ _ <<<"$line"
CHECKS=$((CHECKS + 1))
[ "$good" = 150/150 ] || fail "not every legitimate request was answered 200: $line"
CHECKS=$((CHECKS + 1))
# p99 in whole milliseconds under 1000.
[ "${p99%.*}" -lt 1000 ] || fail "p99 ${p99} ms is not under 1 s: $line"
CHECKS=$((CHECKS + 1))
[ "$held" -le 100 ] || fail "the service held $held slow sockets from one address (at most 100): $line"
CHECKS=$((CHECKS + 1))
[ "$refused" -ge 400 ] || fail "fewer than 400 slow sockets were turned away at once: $line"
CHECKS=$((CHECKS + 1))
[ "$deadline" -ge 50 ] || fail "the header deadline closed only $deadline slow sockets: $line"
# And the service is whole afterwards.
get /healthz
CHECKS=$((CHECKS + 1))
[ "$STATUS" = 200 ] || fail "healthz after the attack: $STATUS"
