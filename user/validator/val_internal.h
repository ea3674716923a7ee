/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * val_internal.h: what the validator's modules share (anchors, upstream
 * transport, signatures, denial proofs, chain walk, response check, cache,
 * judge). Private to user/validator/ and its unit tests; the rest of the
 * project uses validator.h only. Nothing here depends on validator.c: the
 * modules sit below the API file.
 */
#ifndef DW_VAL_INTERNAL_H
#define DW_VAL_INTERNAL_H

#include <stdarg.h>
#include <ldns/ldns.h>

#include "common/config.h"
#include "dnsward.h"
#include "validator/val_name.h"
#include "validator/val_stats.h"
#include "validator/val_status.h"

/*
 * Reasons are bounded (VAL_REASON_LEN) and deliberately cut when a name is
 * long; snprintf truncation is the intended behaviour in the val_* modules.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/* One trust anchor: DS and/or DNSKEY records for one zone. */
struct val_anchor {
	ldns_rdf *zone;
	ldns_rr_list *ds;
	ldns_rr_list *dnskey;
	char source[CFG_PATH_LEN];
};

#define VAL_ANCHORS_MAX 32
struct val_anchors {
	struct val_anchor a[VAL_ANCHORS_MAX];
	int n;
};

/* The validated truth for one question. */
struct val_truth {
	struct val_status st;
	int rcode;	   /* LDNS_RCODE_NOERROR or LDNS_RCODE_NXDOMAIN */
	ldns_rr_list *rrs; /* every RR obtained for the question; TTL = the most a copy may carry */
	ldns_rdf *zone;	   /* the zone that holds the final name (the signer), or NULL */
};

struct val_cache;
struct upstream_tls;
struct sig_keycache;

struct validator {
	struct dw_config cfg; /* limits with defaults applied */
	struct val_anchors anchors;
	struct val_cache *cache;
	struct val_stats stats;
	time_t pinned;
	bool trace;
	bool use_0x20;
	bool allow_sha1_ds;
	uint16_t next_port_hint;
	struct upstream_tls *tls;      /* DoT client state, made on first use (upstream.c) */
	struct sig_keycache *keycache; /* converted DNSKEYs (val_sig.c); NULL: ldns verifies */
};

/* The budget and context of one validation (one check or one judged reply). */
struct val_work {
	struct validator *v;
	time_t now;
	uint32_t queries;
	uint32_t sigs;
	bool fresh;		/* bypass the cache for the final answer (re-query) */
	struct val_result *res; /* trace target; may be NULL */
};

#define VAL_BIG_TTL 0x7fffffffu /* TTL marker for data no signature bounds */

/* --- val_work.c --- */
void work_trace(struct val_work *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A signature that verified expires at when (Unix time): keep the earliest in the result. */
void work_sig_expires(struct val_work *w, int64_t when);
/* Count a limit hit; returns false so callers can `return work_limit(...)`. */
bool work_limit(struct val_work *w, const char *what);
/* An empty SECURE truth, believed for max_verdict_ttl at most. */
void truth_init(struct val_truth *t, const struct validator *v);
/* Append copies to t->rrs with the TTL a copy may carry at most. */
void truth_add(struct val_truth *t, const ldns_rr_list *rrs, uint32_t max_ttl);
void truth_clear(struct val_truth *t);

/* --- val_rrset.c --- */
/* Copies of the RRs of owner/type in a section (an empty list when none). */
ldns_rr_list *rrset_get(const ldns_rr_list *sec, const ldns_rdf *owner, ldns_rr_type type);
/* Copies of the RRSIGs over owner/covered in a section. */
ldns_rr_list *rrset_sigs(const ldns_rr_list *sec, const ldns_rdf *owner, ldns_rr_type covered);
void rrset_append(ldns_rr_list *to, const ldns_rr_list *from);
bool rrset_has_type(const ldns_rr_list *l, ldns_rr_type t);
/* Denial records that are NSEC3 only (NSEC wins where both appear). */
bool rrset_is_nsec3(const ldns_rr_list *proofs);
/* The original TTL of the first signature (VAL_BIG_TTL when unsigned). */
uint32_t rrset_sig_ttl(const ldns_rr_list *sigs);
/*
 * Verify every NSEC/NSEC3 (and SOA) RRset of pkt's authority section under
 * zone with keys: verified NSEC/NSEC3 records go to proofs, every verified
 * record into t; a failure is merged into t->st.
 */
void rrset_verify_denial(struct val_work *w, const ldns_pkt *pkt, const ldns_rdf *zone,
			 const ldns_rr_list *keys, ldns_rr_list *proofs, struct val_truth *t);

/* --- val_anchor.c --- */
int anchors_load(struct val_anchors *an, const struct dw_config *cfg, char *err, size_t err_len);
void anchors_free(struct val_anchors *an);
const struct val_anchor *anchors_closest(const struct val_anchors *an, const ldns_rdf *name);
const struct cfg_nta *nta_find(const struct dw_config *cfg, const ldns_rdf *name, time_t now);

/* --- upstream.c --- */
/* Ask the upstreams (primary, then backups) with DO+CD. 0, or -errno with err set. */
int upstream_query(struct val_work *w, const ldns_rdf *name, ldns_rr_type type, ldns_pkt **out,
		   char *err, size_t err_len);

/* --- val_sig.c (the only file using ldns/OpenSSL crypto) --- */
/*
 * Verify rrset with the RRSIGs in sigs by a key from keys (owned by zone).
 * SECURE (ttl = min(TTL, expiry - now)) or BOGUS with a reason. *labels gets
 * the labels field of the signature that verified (wildcard detection).
 */
void sig_verify_rrset(struct val_work *w, ldns_rr_list *rrset, const ldns_rr_list *sigs,
		      const ldns_rr_list *keys, const ldns_rdf *zone, struct val_status *st,
		      uint8_t *labels);
/*
 * Per-validator cache of converted public keys (bounded LRU) and a memo of
 * up to memo_slots signatures that verified (0: none); NULL when out of memory.
 */
struct sig_keycache *sig_keycache_new(uint32_t memo_slots);
void sig_keycache_free(struct sig_keycache *kc);
void sig_memo_clear(struct sig_keycache *kc); /* forget which signatures verified */
bool sig_ds_usable(const ldns_rr *ds, bool allow_sha1);
bool sig_ds_matches(const ldns_rr *ds, const ldns_rr *dnskey);
uint16_t sig_keytag(const ldns_rr *dnskey);
/* NSEC3 hash (RFC 5155 5): SHA-1 only; returns 0 or -EINVAL. */
int sig_nsec3_hash(const ldns_rdf *name, const uint8_t *salt, size_t salt_len, uint16_t iterations,
		   uint8_t out[20]);

/* --- val_nsec.c / val_nsec3.c: proofs over already verified records --- */
enum proof {
	PROOF_NONE = 0,	   /* the records do not prove it */
	PROOF_OK = 1,	   /* proven */
	PROOF_INSECURE = 2 /* proven only up to an opt-out span or an NSEC3 iteration limit */
};
enum proof nsec_nxdomain(const ldns_rr_list *nsecs, const ldns_rdf *qname, char *why, size_t len);
enum proof nsec_nodata(const ldns_rr_list *nsecs, const ldns_rdf *qname, ldns_rr_type qtype,
		       char *why, size_t len);
/* No exact match for qname below closest encloser ce (wildcard answers). */
enum proof nsec_no_exact(const ldns_rr_list *nsecs, const ldns_rdf *qname, char *why, size_t len);
/* For a DS question: *cut tells whether name is a delegation (NS bit). */
enum proof nsec_no_ds(const ldns_rr_list *nsecs, const ldns_rdf *name, bool *cut, char *why,
		      size_t len);

/* "*.<ce>": the wildcard a denial proof must also rule out. */
ldns_rdf *val_wildcard_at(const ldns_rdf *ce);

enum proof nsec3_nxdomain(struct val_work *w, const ldns_rr_list *nsec3s, const ldns_rdf *qname,
			  const ldns_rdf *zone, char *why, size_t len);
enum proof nsec3_nodata(struct val_work *w, const ldns_rr_list *nsec3s, const ldns_rdf *qname,
			ldns_rr_type qtype, const ldns_rdf *zone, char *why, size_t len);
/*
 * The next closer name below ce is covered. A covering opt-out span proves
 * only PROOF_INSECURE unless allow_optout (the live wildcard proof of RFC 5155
 * 8.8 accepts it; synthesis from kept records, RFC 8198, does not).
 */
enum proof nsec3_no_exact(struct val_work *w, const ldns_rr_list *nsec3s, const ldns_rdf *qname,
			  const ldns_rdf *ce, bool allow_optout, char *why, size_t len);
enum proof nsec3_no_ds(struct val_work *w, const ldns_rr_list *nsec3s, const ldns_rdf *name,
		       const ldns_rdf *zone, bool *cut, char *why, size_t len);

/* --- val_cache.c --- */
/* CACHE_WILDCARD: a proven wildcard RRset under "*.<ce>" with its denial records (val_aggr.c). */
enum cache_kind { CACHE_TRUTH = 1, CACHE_KEYS = 2, CACHE_DS = 3, CACHE_WILDCARD = 4 };
/* At most max_entries entries holding at most max_bytes bytes; the least recently used go. */
struct val_cache *cache_new(uint32_t max_entries, size_t max_bytes);
void cache_free(struct val_cache *c);
/* Copies the truth out (caller clears it); false when absent or expired. */
bool cache_get(struct val_cache *c, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
	       time_t now, struct val_truth *out);
void cache_put(struct val_cache *c, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
	       time_t now, const struct val_truth *t);
void cache_flush(struct val_cache *c, const ldns_rdf *below);
uint32_t cache_count(const struct val_cache *c);
size_t cache_bytes(const struct val_cache *c); /* entries as stored, allocator overhead aside */
/* The validation's cache, counted as a hit or a miss. */
bool cache_lookup(struct val_work *w, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
		  struct val_truth *t);
/* Keep t in the validation's cache; failures only for the negative lifetime. */
void cache_keep(struct val_work *w, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
		struct val_truth *t);

/* --- val_chain.c: the chain of trust, from the anchor down --- */
/*
 * The validated DNSKEY set of zone (SECURE, keys in t->rrs), or INSECURE when
 * an unsigned delegation lies between the anchor and zone, or BOGUS/INDETERMINATE.
 */
void chain_zone_keys(struct val_work *w, const ldns_rdf *zone, struct val_truth *t);
/* Walk from the anchor toward name: SECURE with t->zone = the closest enclosing signed zone. */
void chain_walk(struct val_work *w, const ldns_rdf *name, struct val_truth *t);

/* --- val_response.c: a response judged against the proven keys --- */
/* The validated truth for a question (follows CNAME/DNAME, proves denials). */
void response_truth(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype,
		    struct val_truth *t);
/*
 * The upstream's answer for a question taken as it is (INSECURE, nothing
 * verified, nothing cached): the content a reply under a negative trust
 * anchor is compared with.
 */
void response_unchecked(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype,
			struct val_truth *t);
/* Validate the RRsets and proofs of one response for qname/qtype. */
void response_validate(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype, ldns_pkt *pkt,
		       struct val_truth *t);

/* --- val_aggr.c: answers from validated wildcards (RFC 8198) --- */
/*
 * Keep a proven wildcard expansion: set/sigs (the expanded RRset and its
 * RRSIGs) under "*.ce", with the verified NSEC/NSEC3 records that proved the
 * name itself absent, for ttl seconds at most (merged with earlier ones).
 */
void aggr_note_wildcard(struct val_work *w, const ldns_rdf *ce, const ldns_rr_list *set,
			const ldns_rr_list *sigs, const ldns_rr_list *proofs, const ldns_rdf *zone,
			uint32_t ttl);
/* SECURE truth for qname/qtype from a kept wildcard whose denial records prove qname absent. */
bool aggr_synthesise(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype,
		     struct val_truth *t);

/* --- val_judge.c --- */
/*
 * TTLs above the signed original TTL, forgiven while judging so that a copy
 * whose only fault is its TTLs is told apart from forged content. raised:
 * some covered RR carried one (why names the first); max and min: the
 * largest and smallest TTL of the covered RRs, each lowered to its signed
 * TTL (DNSSEC records and RRs irrelevant by policy are not counted).
 */
struct judge_ttls {
	bool raised;
	uint32_t max, min;
	char why[VAL_REASON_LEN];
};
void judge_ttls_init(struct judge_ttls *c);
/*
 * Compare a held reply with the truth for its question. Returns true when
 * every RR is covered (or irrelevant by policy); otherwise false with a reason.
 * relevant_extra collects authority/additional RRs that need their own truth.
 * ttls NULL: a TTL above the signed one is a mismatch; else it is noted there.
 */
bool judge_compare(const struct dw_config *cfg, const ldns_pkt *held, const struct val_truth *t,
		   ldns_rr_list *relevant_extra, struct judge_ttls *ttls, char *why, size_t len);
/* Is an RR in the authority/additional section something a workload could act on? */
bool judge_relevant(const struct dw_config *cfg, const ldns_rdf *qname, const ldns_rdf *zone,
		    const ldns_rr *rr);
bool judge_rr_in(const ldns_rr *rr, const ldns_rr_list *list, bool check_ttl);
/*
 * judge_rr_in with the TTL checked, except that with c a TTL above the signed
 * one is forgiven and noted there (where: the section, for the reason).
 */
bool judge_rr_covered(const ldns_rr *rr, const ldns_rr_list *list, struct judge_ttls *c,
		      const char *where);

#endif
