# libquanpiao.so exports the functions of the public headers and nothing
# else (sourced by run.sh).  Needs from tests/meson.build: QP_CC, QP_NM,
# QP_LIB (the built shared library), QP_INCLUDE_DIRS and QP_PUBLIC_HEADERS
# (each colon-separated, absolute).

if [ -z "${QP_NM:-}" ]; then
	fail "nm is missing (binutils)"
	return 0
fi
for v in QP_CC QP_LIB QP_INCLUDE_DIRS QP_PUBLIC_HEADERS; do
	[ -n "${!v:-}" ] || {
		fail "$v is not set (run this test through meson test)"
		return 0
	}
done
# shellcheck source=tests/cli/exports.sh
. "$(dirname "$SCRIPT")/exports.sh"
IFS=: read -r -a HEADERS <<<"$QP_PUBLIC_HEADERS"

# The check itself, first on a small library with every kind of mistake:
# an exported function no header declares, a declared one the library lacks,
# one declared without QP_API, and a declaration over several lines.
CONTEXT="the check, on a library with mistakes"
mkdir -p "$WORK/fake/include/quanpiao"
cat >"$WORK/fake/include/quanpiao/fake.h" <<'EOF'
#include <stddef.h>

#include "quanpiao/export.h"

/* qp_fake_comment(void); */
typedef int (*qp_fake_fn)(int);
typedef struct qp_fake {
	int (*member)(void);
} qp_fake;
QP_API int qp_fake_public(void);
QP_API const char *qp_fake_split(const qp_fake *f,
				 size_t n);
QP_API int qp_fake_missing(void);
int qp_fake_unmarked(void);
EOF
cat >"$WORK/fake/fake.c" <<'EOF'
#include "quanpiao/fake.h"

int qp_fake_public(void) { return 1; }
const char *qp_fake_split(const qp_fake *f, size_t n) { return f && n ? "" : NULL; }
int qp_fake_unmarked(void) { return 2; }
__attribute__((visibility("default"))) int qp_fake_leaked(void);
int qp_fake_leaked(void) { return 3; }
EOF
INCLUDE_DIR=${QP_INCLUDE_DIRS%%:*}
CHECKS=$((CHECKS + 1))
# shellcheck disable=SC2086 # the compiler command is words
if ! OUT=$($QP_CC -std=c11 -fPIC -shared -fvisibility=hidden -I"$WORK/fake/include" -I"$INCLUDE_DIR" \
	-o "$WORK/fake/libfake.so" "$WORK/fake/fake.c" 2>&1); then
	fail "the library with mistakes does not build"
else
	CHECKS=$((CHECKS + 1))
	OUT=$(export_problems "$QP_CC" "$QP_NM" "$WORK/fake/libfake.so" "$WORK/fake/include:$INCLUDE_DIR" \
		"$WORK/fake/include/quanpiao/fake.h") || fail "the check cannot read the library with mistakes"
	[ "$OUT" = "without QP_API: qp_fake_unmarked
not exported: qp_fake_missing
not exported: qp_fake_unmarked
not declared: qp_fake_leaked" ] || fail "the check does not find exactly the mistakes"
fi

# Then on libquanpiao.so and the public headers, as tests/meson.build lists them.
CONTEXT="$QP_LIB"
CHECKS=$((CHECKS + 1))
if ! OUT=$(export_problems "$QP_CC" "$QP_NM" "$QP_LIB" "$QP_INCLUDE_DIRS" "${HEADERS[@]}"); then
	fail "cannot read the public headers or the library"
elif [ -n "$OUT" ]; then
	fail "the library exports other than the public API (mark public functions QP_API, include/quanpiao/export.h)"
fi
# Not a check that passes because it read nothing: it found the API.
CHECKS=$((CHECKS + 1))
api=$(declared_functions "$QP_CC" "$QP_INCLUDE_DIRS" "${HEADERS[@]}" | awk '$2 == "api"' | wc -l)
[ "$api" -ge 100 ] || fail "only $api functions found in the public headers"
OUT=$(exported_symbols "$QP_NM" "$QP_LIB")
contains "$OUT" "qp_version"
contains "$OUT" "qp_registry_open"
# What the library exported before it was built with hidden visibility: an
# internal function (src/canon.h) is gone.
CHECKS=$((CHECKS + 1))
case $'\n'"$OUT"$'\n' in
*$'\n'qp_canon_encode$'\n'*) fail "qp_canon_encode (internal) is exported" ;;
esac
