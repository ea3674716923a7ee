// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_pkt_digest.c: libFuzzer target over the user-space reference parser:
 * the input as a DNS message (digest, zone key) and as a frame (locate, then
 * digest the message found). Properties: no crash or sanitizer report, only
 * documented return codes, a deterministic key, and a message that digests
 * always has a question the zone match accepts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/pkt_digest.h"

static const uint64_t key[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const uint8_t *msg, size_t len)
{
	struct dw_verdict_key a, b;
	struct dw_zone_key z;
	int rc = pkt_digest_key(msg, len, key, &a);

	if (rc != 0 && rc != PKT_EMALFORMED && rc != PKT_ETOOCOMPLEX)
		abort();
	if (rc == 0) {
		if (pkt_digest_key(msg, len, key, &b) != 0 || memcmp(&a, &b, sizeof(a)))
			abort();
		if (pkt_qname_zone_key(msg, len, &z) != 0 || z.prefixlen > 8 * DW_NAME_MAX)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_loc loc;
	int rc;

	check_message(data, size);
	rc = pkt_locate_dns(data, size, 53, &loc);
	if (rc != 0 && rc != PKT_ENOTDNS && rc != PKT_EMALFORMED)
		abort();
	if (rc == 0) {
		size_t avail = size - loc.dns_off;

		if (loc.dns_off > size)
			abort();
		check_message(data + loc.dns_off, loc.dns_len < avail ? loc.dns_len : avail);
	}
	return 0;
}
