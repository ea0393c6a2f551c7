/*
 * quanpiao/quanpiao.h - the whole public API of libquanpiao.
 *
 * quanpiao (权票) is a registry of rural homes and rights certificates in
 * which every change is a signed entry of a tamper-evident log.  Include
 * this header, or the module headers one by one.
 */
#ifndef QUANPIAO_H
#define QUANPIAO_H

#include "quanpiao/access.h"
#include "quanpiao/audit.h"
#include "quanpiao/bundle.h"
#include "quanpiao/certs.h"
#include "quanpiao/cosign.h"
#include "quanpiao/error.h"
#include "quanpiao/httpsig.h"
#include "quanpiao/ids.h"
#include "quanpiao/import.h"
#include "quanpiao/keys.h"
#include "quanpiao/log.h"
#include "quanpiao/merkle.h"
#include "quanpiao/mirror.h"
#include "quanpiao/note.h"
#include "quanpiao/personal.h"
#include "quanpiao/query.h"
#include "quanpiao/registry.h"
#include "quanpiao/schema.h"
#include "quanpiao/statusmap.h"
#include "quanpiao/store.h"
#include "quanpiao/text.h"
#include "quanpiao/tiles.h"
#include "quanpiao/version.h"

#endif
