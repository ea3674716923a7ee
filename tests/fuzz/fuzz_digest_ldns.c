// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_digest_ldns.c: libFuzzer target that holds the verdict-key digest
 * against ldns's reading of the same bytes. For every message that digests
 * and that ldns_wire2pkt parses, each RR ldns reads must be the RR the digest
 * bound: the same owner, type and class, and rdata whose names (every field
 * ldns reads as a domain name, decompressed) are the names the digest hashed,
 * with the other bytes as they lie. Then bytes of the message are flipped one
 * at a time: a variant with the same verdict key must decode, under ldns, to
 * the same records (names, types, rdata). Either failure aborts.
 *
 * ldns honours RDLENGTH only through its field list: rdata of a type with a
 * fixed list that holds more bytes (an A record of 6 bytes) makes it read the
 * rest as the next RR. The digest checks this for the types whose rdata holds
 * names (DW_RD_TAIL_*); for the other types such a message is skipped.
 */
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "common/pkt_digest.h"
#include "dw_digest.h"

static const uint64_t key[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};

#define RRS_MAX	  DW_DIGEST_RRS_MAX
#define CANON_MAX (RRS_MAX * (PKT_RDATA_VIEW_MAX + 300))

/* The RRs the digest read, in message order (the OPT and a TSIG ldns keeps apart left out). */
struct ours {
	struct pkt_rr_view rr[RRS_MAX];
	size_t n;
};

static struct ours ours_a;
static uint8_t canon_a[CANON_MAX], canon_b[CANON_MAX];

/* The records ldns read, as a multiset (the key does not bind their order). */
struct reading {
	uint64_t rr[RRS_MAX];
	size_t n;
};

static uint64_t fnv64(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

enum { CMP_SKIP, CMP_SAME };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void collect(const struct pkt_rr_view *rr, void *arg)
{
	struct ours *o = arg;

	if (rr->section == DW_SEC_ADDITIONAL && rr->type == LDNS_RR_TYPE_TSIG)
		return;
	if (o->n < RRS_MAX)
		o->rr[o->n++] = *rr;
}

static void put(uint8_t *out, size_t *n, const void *p, size_t len)
{
	if (*n + len > CANON_MAX)
		abort();
	memcpy(out + *n, p, len);
	*n += len;
}

/* A name's wire bytes lower-cased (ASCII A-Z, as the digest folds them). */
static void put_name(uint8_t *out, size_t *n, const ldns_rdf *d)
{
	size_t i, at = *n;

	put(out, n, ldns_rdf_data(d), ldns_rdf_size(d));
	for (i = at; i < *n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] += 'a' - 'A';
}

/* ldns's rdata of rr: names as read (decompressed, lower-cased), other fields as they are. */
static size_t ldns_rdata(const ldns_rr *rr, uint8_t *out, size_t *n, int *names)
{
	size_t i, at = *n;

	*names = 0;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);

		if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME) {
			put_name(out, n, f);
			(*names)++;
		} else {
			put(out, n, ldns_rdf_data(f), ldns_rdf_size(f));
		}
	}
	return *n - at;
}

/*
 * Holds ldns's RR (section sec) against the digest's. Returns CMP_SAME, or
 * CMP_SKIP where ldns read a raw type's rdata by another length; aborts
 * where ldns reads a name the digest did not bind.
 */
static int compare_rr(const uint8_t *msg, const ldns_rr *rr, unsigned int sec,
		      const struct pkt_rr_view *v, uint8_t *canon, size_t *cn)
{
	size_t at = *cn, len;
	uint16_t pre, flags;
	int names, raw = dw_rdata_layout(v->type, &pre, &flags) == 0;
	uint16_t hdr[3] = {(uint16_t)sec, ldns_rr_get_type(rr), ldns_rr_get_class(rr)};

	put(canon, cn, hdr, sizeof(hdr));
	put_name(canon, cn, ldns_rr_owner(rr));
	if (v->section != sec || hdr[1] != v->type || hdr[2] != v->rclass ||
	    *cn - at - sizeof(hdr) != v->owner_len ||
	    memcmp(canon + at + sizeof(hdr), v->owner, v->owner_len)) {
		if (raw)
			return CMP_SKIP; /* an earlier RR's extra bytes read as this one */
		abort();
	}
	at = *cn;
	len = ldns_rdata(rr, canon, cn, &names);
	if (names) {
		/* ldns read names here: the digest must have bound each, decompressed. */
		if (raw || len != v->rdata_len || memcmp(canon + at, v->rdata, len))
			abort();
		return CMP_SAME;
	}
	/* No name read: ldns's fields must be the rdata as it lies. */
	if (len == v->rdlength && !memcmp(canon + at, msg + v->rd_off, len))
		return CMP_SAME;
	if (raw)
		return CMP_SKIP;
	abort();
}

/*
 * The digest and ldns over msg: CMP_SAME with ldns's records in canon
 * (*cn bytes) and the key in *k, or CMP_SKIP when one of them rejects it.
 */
static int compare(const uint8_t *msg, size_t len, struct ours *o, struct dw_verdict_key *k,
		   uint8_t *canon, struct reading *r)
{
	size_t start, cnv, *cn = &cnv;
	ldns_pkt *p = NULL;
	size_t i, j = 0, s;
	int rc = CMP_SAME;

	o->n = 0;
	r->n = 0;
	*cn = 0;
	if (pkt_digest_walk(msg, len, key, k, NULL, collect, o))
		return CMP_SKIP;
	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return CMP_SKIP;
	for (s = 0; s < 3 && rc == CMP_SAME; s++) {
		const ldns_rr_list *l = s == 0	 ? ldns_pkt_answer(p)
					: s == 1 ? ldns_pkt_authority(p)
						 : ldns_pkt_additional(p);

		for (i = 0; i < ldns_rr_list_rr_count(l) && rc == CMP_SAME; i++, j++) {
			if (j >= o->n) {
				rc = CMP_SKIP; /* ldns split an RR in two */
				break;
			}
			start = *cn;
			rc = compare_rr(msg, ldns_rr_list_rr(l, i), (unsigned int)s + 1, &o->rr[j],
					canon, cn);
			r->rr[j] = fnv64(canon + start, *cn - start);
		}
	}
	if (rc == CMP_SAME && j != o->n)
		rc = CMP_SKIP;
	r->n = j;
	qsort(r->rr, r->n, sizeof(r->rr[0]), cmp_u64);
	ldns_pkt_free(p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ours ours_b;
	static uint8_t var[DW_DNS_MSG_MAX];
	struct dw_verdict_key ka, kb;
	struct reading ra, rb;
	size_t i;
	uint32_t h = 2166136261u;

	if (size > DW_DNS_MSG_MAX || compare(data, size, &ours_a, &ka, canon_a, &ra) != CMP_SAME)
		return 0;
	/* One byte flipped at a time, at up to 32 places the input picks. */
	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	for (i = 0; i < 32 && size > 12; i++) {
		size_t at = 12 + (h + i * 2654435761u) % (size - 12);

		memcpy(var, data, size);
		var[at] ^= (uint8_t)(1u << (i % 8));
		if (compare(var, size, &ours_b, &kb, canon_b, &rb) != CMP_SAME ||
		    memcmp(&ka, &kb, sizeof(ka)))
			continue;
		if (ra.n != rb.n || memcmp(ra.rr, rb.rr, ra.n * sizeof(ra.rr[0])))
			abort(); /* one key, two readings under ldns */
	}
	return 0;
}
