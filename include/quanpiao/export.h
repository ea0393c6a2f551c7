/*
 * quanpiao/export.h - QP_API, the mark of a function of the public API.
 *
 * libquanpiao is built with hidden symbol visibility (src/meson.build): a
 * function is exported from the shared library only if its declaration in
 * a public header carries QP_API.  tests/check_exports.sh fails if a
 * declared function is not exported or an exported one is not declared.
 */
#ifndef QUANPIAO_EXPORT_H
#define QUANPIAO_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define QP_API __attribute__((visibility("default")))
#else
#define QP_API
#endif

#endif
