/* 64-bit FNV-1a: a small, fast, non-cryptographic hash for table slots and for
 * folding the parts of a version or a content fingerprint together. Chain calls by
 * passing the previous result as `h`; start from HASH_INIT. */
#ifndef STET_BASE_HASH_H
#define STET_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_INIT 1469598103934665603ULL

uint64_t hash_bytes(uint64_t h, const void *data, size_t len);

#endif
