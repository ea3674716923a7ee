// SPDX-License-Identifier: BSD-2-Clause
/* punt_key.c: the daemon's entry to the reference digest (pkt_digest.h, shared with the BPF tests). */
#include <errno.h>

#include "daemon/punt_key.h"

#if __has_include("pkt_digest.h")
#include "common/pkt_digest.h"

int punt_key_compute(const uint8_t *msg, size_t len, const uint64_t sipkey[2],
		     struct dw_verdict_key *key)
{
	return pkt_digest_key(msg, len, sipkey, key);
}
#else
int punt_key_compute(const uint8_t *msg, size_t len, const uint64_t sipkey[2],
		     struct dw_verdict_key *key)
{
	return -EOPNOTSUPP; /* no reference digest in this build: the data plane's key is used */
}
#endif
