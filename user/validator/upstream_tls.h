/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * upstream_tls.h: DNS over TLS (RFC 7858) for the validator's own queries.
 * One state per validator (a client context and one kept connection per
 * configured upstream); used by one thread at a time, like the validator.
 */
#ifndef DW_UPSTREAM_TLS_H
#define DW_UPSTREAM_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

struct upstream_tls;

/* NULL when OpenSSL cannot make a client context (logged). */
struct upstream_tls *upstream_tls_new(void);

/* Wait for ev (POLLIN/POLLOUT) on fd until deadline; 0, or -ETIMEDOUT. */
int upstream_wait_fd(int fd, short ev, uint64_t deadline);
void upstream_tls_free(struct upstream_tls *t);

/*
 * Send one DNS message (wire, without the length prefix) to u over TLS and
 * read one reply carrying the same ID. slot (0..CFG_UPSTREAMS_MAX-1) names the
 * kept connection to reuse. The server is authenticated by u->pins when there
 * are any (the leaf's SPKI SHA-256 must match one; the CA chain is then not
 * checked), otherwise by the system CA store and u->tls_name.
 * Returns 0 with *reply (malloc'd, caller frees) and *rlen, or -ETIMEDOUT,
 * -EACCES (pin mismatch), -ECONNABORTED (handshake or verification failed;
 * neither heals by asking again), -EBADMSG (a reply that breaks the framing),
 * -EPROTO (TLS failed after the handshake) or another -errno; on failure why
 * says what failed and one line naming the upstream is logged.
 */
int upstream_tls_exchange(struct upstream_tls *t, int slot, const struct cfg_upstream *u,
			  const uint8_t *wire, size_t wlen, int timeout_ms, uint8_t **reply,
			  size_t *rlen, char *why, size_t why_len);

/* "sha256/<base64>" of a DER SubjectPublicKeyInfo; 0 or -EINVAL. out_len >= 52. */
int upstream_tls_pin_of_spki(const uint8_t *der, size_t der_len, char *out, size_t out_len);

#endif
