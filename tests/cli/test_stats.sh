# quanpiao stats: homes by status, activations started in a year, money in
# yuan and in 万元/亿元, for the county, a village or a township (sourced by run.sh).
ORIGIN=zhuji.example/quanpiao

for k in auth:330681.authority log:$ORIGIN officer:330681.officer.li; do
	"$QP" key generate --name "${k#*:}" --out "${k%%:*}.key" --unencrypted >/dev/null 2>&1 || fail "key generate $k"
done
expect_rc 0 -- --db r.db --key auth.key init --origin $ORIGIN --county 330681 --county-name 诸暨市 --log-vkey log.key.vkey
export QUANPIAO_DB=r.db
expect_rc 0 -- key enroll --role officer --vkey officer.key.vkey --key auth.key
export QUANPIAO_KEY=officer.key

# ---- a small county -------------------------------------------------------------------
# Townships 330681101 (villages V1, V2) and 330681102 (V3); one home per household.
V1=330681101201 V2=330681101202 V3=330681102201
setup() { # setup ARGS... : a write that must succeed
	CONTEXT="quanpiao $*"
	CHECKS=$((CHECKS + 1))
	run "$@"
	[ "$RC" = 0 ] || fail "setup step failed"
}
setup village add --code $V1 --name 东白湖村
setup village add --code $V2 --name 斯宅村
setup village add --code $V3 --name 枫桥村
n=0
for h in 330681196001010011:$V1 330681196102020024:$V1 330681196203030037:$V2 33068119630404004X:$V3 \
	330681196405050052:$V3 330681196506060065:$V2 330681196607070078:$V2; do
	n=$((n + 1))
	setup household add --id-number "${h%%:*}" --name "户$n" --village "${h#*:}"
done
unit() { printf '%sJC%05dF00010001' "$1" "$2"; }
# home N VILLAGE HOUSEHOLD AREA STATUS
home() { setup home add --unit "$(unit "$2" "$1")" --village "$2" --household "$3" --land-area "$4" --status "$5"; }
lease() { # lease N VILLAGE START RENT INVESTMENT
	setup home activate "$(unit "$2" "$1")" --investor 诸暨文旅集团 --investor-id 91330681MA2BXY001M --start "$3" \
		--years 10 --rent "$4" --investment "$5" --use homestay
}
home 1 $V1 330681196001010011 120.50 in_use
home 2 $V1 330681196102020024 100.00 idle
home 3 $V2 330681196203030037 200.00 idle
home 4 $V3 33068119630404004X 80.25 idle
home 5 $V3 330681196405050052 60.00 dilapidated
home 6 $V2 330681196506060065 90.00 idle
home 7 $V2 330681196607070078 40.00 idle
lease 2 $V1 2021-03-01 24900.00 1200000.00
lease 3 $V2 2021-12-31 125000.00 470800000.00
lease 4 $V3 2022-01-01 12350.00 8000.00
lease 7 $V2 2023-06-30 100000000.00 99999999.99
setup home status "$(unit $V2 6)" withdrawn

HOMES_HEADER="状态 status        农房 homes  宅基地 land m²"
# No certificates are issued here (test_certs.sh counts them): every kind and state is zero.
NO_CERTS="权票 certificates
  状态 state      保障权票 guarantee    m²  保留权票 retention    m²  集体权票 collective    m²
  有效 live                        0  0.00                   0  0.00                    0  0.00
  已使用 spent                     0  0.00                   0  0.00                    0  0.00
  冻结 frozen                      0  0.00                   0  0.00                    0  0.00
  已注销 revoked                   0  0.00                   0  0.00                    0  0.00
  已过期 expired                   0  0.00                   0  0.00                    0  0.00"
NO_CERTS_JSON=',"certificates":{"guarantee":{"live":{"count":0,"area":"0.00"},"spent":{"count":0,"area":"0.00"},"frozen":{"count":0,"area":"0.00"},"revoked":{"count":0,"area":"0.00"},"expired":{"count":0,"area":"0.00"}},"retention":{"live":{"count":0,"area":"0.00"},"spent":{"count":0,"area":"0.00"},"frozen":{"count":0,"area":"0.00"},"revoked":{"count":0,"area":"0.00"},"expired":{"count":0,"area":"0.00"}},"collective":{"live":{"count":0,"area":"0.00"},"spent":{"count":0,"area":"0.00"},"frozen":{"count":0,"area":"0.00"},"revoked":{"count":0,"area":"0.00"},"expired":{"count":0,"area":"0.00"}}}'

# ---- the county, all years ---------------------------------------------------------------
# 572007999.99 yuan is 5.72亿 (5.7200799999 rounded); 100162250.00 yuan is 1.00亿.
expect 0 "范围 scope     县 county 330681 诸暨市
年份 year      全部 all years
村 villages    3
户 households  7

$HOMES_HEADER
在用 in_use                 1          120.50
闲置 idle                   0            0.00
已激活 activated            4          420.25
危旧 dilapidated            1           60.00
已退出 withdrawn            1           90.00
已拆除 demolished           0            0.00
已复垦 reclaimed            0            0.00
合计 total                  7          690.75

激活 activations, all years
  数量 count                4
  投资 investment           572007999.99 (5.72亿元)
  首年租金 first-year rent  100162250.00 (1.00亿元)

$NO_CERTS" "" -- stats

# ---- 2021: the county's report -------------------------------------------------------------
# 472000000.00 yuan = 4.72亿元; 149900.00 yuan = 14.99万元.
expect 0 "范围 scope     县 county 330681 诸暨市
年份 year      2021
村 villages    3
户 households  7

$HOMES_HEADER
在用 in_use                 1          120.50
闲置 idle                   0            0.00
已激活 activated            4          420.25
危旧 dilapidated            1           60.00
已退出 withdrawn            1           90.00
已拆除 demolished           0            0.00
已复垦 reclaimed            0            0.00
合计 total                  7          690.75

激活 activations started in 2021
  数量 count                2
  投资 investment           472000000.00 (4.72亿元)
  首年租金 first-year rent  149900.00 (14.99万元)

$NO_CERTS" "" -- stats --year 2021
expect 0 '{"county":"330681","village":null,"township":null,"year":2021,"villages":3,"households":7,"homes":{"in_use":{"count":1,"land_area":"120.50"},"idle":{"count":0,"land_area":"0.00"},"activated":{"count":4,"land_area":"420.25"},"dilapidated":{"count":1,"land_area":"60.00"},"withdrawn":{"count":1,"land_area":"90.00"},"demolished":{"count":0,"land_area":"0.00"},"reclaimed":{"count":0,"land_area":"0.00"},"total":{"count":7,"land_area":"690.75"}},"activations":{"count":2,"investment":"472000000.00","first_year_rent":"149900.00"}'"$NO_CERTS_JSON"'}' "" -- \
	stats --year 2021 --json

# ---- a village, a township -----------------------------------------------------------------
# 470800000.00 yuan = 4.708亿, rounded to 4.71亿元; 125000.00 yuan = 12.50万元.
expect 0 "范围 scope     村 village 330681101202 斯宅村
年份 year      2021
村 villages    1
户 households  3

$HOMES_HEADER
在用 in_use                 0            0.00
闲置 idle                   0            0.00
已激活 activated            2          240.00
危旧 dilapidated            0            0.00
已退出 withdrawn            1           90.00
已拆除 demolished           0            0.00
已复垦 reclaimed            0            0.00
合计 total                  3          330.00

激活 activations started in 2021
  数量 count                1
  投资 investment           470800000.00 (4.71亿元)
  首年租金 first-year rent  125000.00 (12.50万元)

$NO_CERTS" "" -- stats --year 2021 --village $V2
# Below 1万 yuan the amount stays in 元; 12350.00 yuan = 1.235万, rounded half up to 1.24万元.
expect 0 "范围 scope     村 village 330681102201 枫桥村
年份 year      2022
村 villages    1
户 households  2

$HOMES_HEADER
在用 in_use                 0            0.00
闲置 idle                   0            0.00
已激活 activated            1           80.25
危旧 dilapidated            1           60.00
已退出 withdrawn            0            0.00
已拆除 demolished           0            0.00
已复垦 reclaimed            0            0.00
合计 total                  2          140.25

激活 activations started in 2022
  数量 count                1
  投资 investment           8000.00 (8000.00元)
  首年租金 first-year rent  12350.00 (1.24万元)

$NO_CERTS" "" -- stats --village $V3 --year 2022
# The 1亿 boundary: 99999999.99 yuan is still 万 (9999.9999999万, rounded to 10000.00万元).
expect_rc 0 -- stats --year 2023
contains "$OUT" "  投资 investment           99999999.99 (10000.00万元)
  首年租金 first-year rent  100000000.00 (1.00亿元)"
# The township of V1 and V2 leaves out V3's lease of 2022.
expect 0 '{"county":"330681","village":null,"township":"330681101","year":2021,"villages":2,"households":5,"homes":{"in_use":{"count":1,"land_area":"120.50"},"idle":{"count":0,"land_area":"0.00"},"activated":{"count":3,"land_area":"340.00"},"dilapidated":{"count":0,"land_area":"0.00"},"withdrawn":{"count":1,"land_area":"90.00"},"demolished":{"count":0,"land_area":"0.00"},"reclaimed":{"count":0,"land_area":"0.00"},"total":{"count":5,"land_area":"550.50"}},"activations":{"count":2,"investment":"472000000.00","first_year_rent":"149900.00"}'"$NO_CERTS_JSON"'}' "" -- \
	stats --township 330681101 --year 2021 --json
expect_rc 0 -- stats --township 330681102 --year 2021
contains "$OUT" "范围 scope     乡镇 township 330681102"
contains "$OUT" "激活 activations started in 2021
  数量 count                0
  投资 investment           0.00 (0.00元)
  首年租金 first-year rent  0.00 (0.00元)"
expect_rc 0 -- stats --township 330681102 --year 2022 --json
contains "$OUT" '"activations":{"count":1,"investment":"8000.00","first_year_rent":"12350.00"}'
# A year without leases, a village without homes.
expect_rc 0 -- stats --year 2020 --json
contains "$OUT" '"activations":{"count":0,"investment":"0.00","first_year_rent":"0.00"}'
expect_rc 0 -- stats --village 330681101299
contains "$OUT" "范围 scope     村 village 330681101299
年份 year      全部 all years
村 villages    0
户 households  0"

# ---- bad values, bad usage ---------------------------------------------------------------------
expect 3 "" 'quanpiao: --year: "21" is not a whole number from 1900 to 2999' -- stats --year 21
expect 3 "" 'quanpiao: --year: "2021a" is not a whole number from 1900 to 2999' -- stats --year 2021a
expect 3 "" 'quanpiao: --year: "1899" is not a whole number from 1900 to 2999' -- stats --year 1899
expect 3 "" 'quanpiao: --year: "-2021" is not a whole number from 1900 to 2999' -- stats --year -2021
expect 3 '{"error":{"message":"--year: \"\" is not a whole number from 1900 to 2999","reason":"input rejected","exit":3}}' \
	'quanpiao: --year: "" is not a whole number from 1900 to 2999' -- stats --year= --json
expect 3 "" "quanpiao: --village: village part 105 is not a village committee (村委会 codes are 200-399)" -- \
	stats --village 330681101105
expect 3 "" "quanpiao: --township: must be 9 characters (township code), got 12" -- stats --township $V1
expect 2 "" "quanpiao: give --village or --township, not both (see 'quanpiao stats --help')" -- \
	stats --village $V1 --township 330681101
expect 2 "" "quanpiao: stats takes no arguments (see 'quanpiao stats --help')" -- stats 2021
expect 2 "" "quanpiao: option --year needs a value (YEAR) (see 'quanpiao stats --help')" -- stats --year
expect_rc 0 -- stats --help
contains "$OUT" "usage: quanpiao [global options] stats [--year YEAR] [--village CODE | --township CODE]"
contains "$OUT" "472000000.00 (4.72亿元)"

# ---- the county's 2021 report: 516 activations, 472,000,000.00 yuan -------------------------------------
if [ -n "${QP_MKSTATS:-}" ]; then
	"$QP_MKSTATS" report.db >/dev/null || fail "qp_mkstats report.db"
	expect_rc 0 -- --db report.db stats --year 2021
	contains "$OUT" "激活 activations started in 2021
  数量 count                516
  投资 investment           472000000.00 (4.72亿元)"
	expect_rc 0 -- --db report.db stats --year 2021 --json
	contains "$OUT" '"activations":{"count":516,"investment":"472000000.00",'
fi
