/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * val_fake.h: test vectors for the validator, built in-process: a small
 * signed hierarchy (ldns keys and signer, pinned validity), served by a tiny
 * recursive-resolver stand-in on 127.0.0.1:5300 inside a private network
 * namespace the test process creates for itself (unshare). Used by
 * tests/unit/test_val_chain.c and the validator benchmark.
 */
#ifndef DW_VAL_FAKE_H
#define DW_VAL_FAKE_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "validator/val_internal.h"
#include "validator/validator.h"

#define FAKE_T0	       1767225600u /* 2026-01-01T00:00:00Z: the pinned validation time */
#define FAKE_PORT      5300
#define FAKE_ZONES_MAX 24

struct fzone {
	ldns_rdf *apex;
	ldns_rr_list *rrs; /* every record, signatures and denials included */
	ldns_rr_list *alt; /* a second signed version (rotating answers), or NULL */
};

static struct fzone fz[FAKE_ZONES_MAX];
static int n_fz;
static volatile int fake_stop;
static volatile int fake_use_alt; /* serve alt versions where they exist */
static volatile unsigned fake_queries;
static pthread_t fake_thread;
static int fake_fd = -1;

static ldns_rr *f_rr(const char *text)
{
	ldns_rr *r = NULL;

	if (ldns_rr_new_frm_str(&r, text, 300, NULL, NULL) != LDNS_STATUS_OK) {
		fprintf(stderr, "fake: bad RR %s\n", text);
		exit(1);
	}
	return r;
}

static ldns_key *f_key(ldns_signing_algorithm alg, int bits, const char *owner, uint32_t inc,
		       uint32_t exp)
{
	ldns_key *k = ldns_key_new_frm_algorithm(alg, bits);

	if (!k) {
		fprintf(stderr, "fake: key generation failed\n");
		exit(1);
	}
	ldns_key_set_pubkey_owner(k, ldns_dname_new_frm_str(owner));
	ldns_key_set_flags(k, 257);
	ldns_key_set_inception(k, inc);
	ldns_key_set_expiration(k, exp);
	{
		ldns_rr *r = ldns_key2rr(k); /* the signer copies the tag into each RRSIG */

		ldns_key_set_keytag(k, ldns_calc_keytag(r));
		ldns_rr_free(r);
	}
	return k;
}

static ldns_rr *f_dnskey(const ldns_key *k)
{
	ldns_rr *r = ldns_key2rr(k);

	ldns_rr_set_ttl(r, 3600);
	return r;
}

enum f_denial { F_NSEC, F_NSEC3, F_NSEC3_OPTOUT, F_UNSIGNED };

/*
 * Sign a zone from record texts (relative owners not allowed). extra_keys are
 * published (DNSKEY) but do not sign. Returns the records.
 */
static ldns_rr_list *f_sign(const char *apex, const char *const *recs, ldns_key *k,
			    enum f_denial den, uint16_t iterations, const ldns_rr_list *extra_keys)
{
	ldns_zone *z = ldns_zone_new(), *s = NULL;
	ldns_key_list *kl = ldns_key_list_new();
	ldns_rr_list *out = ldns_rr_list_new();
	char soa[256];
	size_t i;

	snprintf(soa, sizeof(soa), "%s 300 IN SOA ns1.%s h.%s 1 7200 3600 86400 300", apex,
		 strcmp(apex, ".") ? apex : "", strcmp(apex, ".") ? apex : "");
	ldns_zone_set_soa(z, f_rr(soa));
	for (; recs && *recs; recs++)
		ldns_zone_push_rr(z, f_rr(*recs));
	if (den == F_UNSIGNED) {
		ldns_rr_list_push_rr(out, ldns_rr_clone(ldns_zone_soa(z)));
		for (i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(z)); i++)
			ldns_rr_list_push_rr(out,
					     ldns_rr_clone(ldns_rr_list_rr(ldns_zone_rrs(z), i)));
		ldns_zone_deep_free(z);
		ldns_key_list_free(kl);
		return out;
	}
	ldns_zone_push_rr(z, f_dnskey(k));
	for (i = 0; extra_keys && i < ldns_rr_list_rr_count(extra_keys); i++)
		ldns_zone_push_rr(z, ldns_rr_clone(ldns_rr_list_rr(extra_keys, i)));
	ldns_key_list_push_key(kl, k);
	if (den == F_NSEC)
		s = ldns_zone_sign(z, kl);
	else
		s = ldns_zone_sign_nsec3(z, kl, 1, den == F_NSEC3_OPTOUT ? 1 : 0, iterations, 0,
					 NULL);
	if (!s) {
		fprintf(stderr, "fake: signing %s failed\n", apex);
		exit(1);
	}
	ldns_rr_list_push_rr(out, ldns_rr_clone(ldns_zone_soa(s)));
	for (i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(s)); i++)
		ldns_rr_list_push_rr(out, ldns_rr_clone(ldns_rr_list_rr(ldns_zone_rrs(s), i)));
	ldns_zone_deep_free(s);
	ldns_zone_deep_free(z);
	ldns_key_list_set_key_count(kl, 0); /* keys stay with the caller */
	ldns_key_list_free(kl);
	return out;
}

static char *f_ds_digest(const ldns_key *k, ldns_hash digest, char *buf, size_t len)
{
	ldns_rr *key = f_dnskey(k), *ds = ldns_key_rr2ds(key, digest);
	char *s = ldns_rr2str(ds);

	snprintf(buf, len, "%s", s);
	buf[strcspn(buf, "\n")] = 0;
	free(s);
	ldns_rr_free(ds);
	ldns_rr_free(key);
	return buf;
}

static char *f_ds(const ldns_key *k, char *buf, size_t len)
{
	return f_ds_digest(k, LDNS_SHA256, buf, len);
}

static struct fzone *f_add(const char *apex, ldns_rr_list *rrs)
{
	struct fzone *z = &fz[n_fz++];

	z->apex = ldns_dname_new_frm_str(apex);
	z->rrs = rrs;
	return z;
}

/* --- the resolver stand-in ------------------------------------------------ */

static const struct fzone *f_zone_for(const ldns_rdf *name, ldns_rr_type qt)
{
	const struct fzone *best = NULL;
	int i;

	for (i = 0; i < n_fz; i++) {
		if (!name_under(name, fz[i].apex))
			continue;
		/* DS lives in the parent */
		if (qt == LDNS_RR_TYPE_DS && name_eq(name, fz[i].apex) &&
		    ldns_dname_label_count(name) > 0)
			continue;
		if (!best ||
		    ldns_dname_label_count(fz[i].apex) > ldns_dname_label_count(best->apex))
			best = &fz[i];
	}
	return best;
}

static const ldns_rr_list *f_rrs(const struct fzone *z)
{
	return fake_use_alt && z->alt ? z->alt : z->rrs;
}

/* Push RRs at owner of type t (and their RRSIGs) into sec, renamed to as when given. */
static int f_push(ldns_pkt *p, ldns_pkt_section sec, const ldns_rr_list *rrs, const ldns_rdf *owner,
		  ldns_rr_type t, const ldns_rdf *as)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *r = ldns_rr_list_rr(rrs, i);
		ldns_rr_type rt = ldns_rr_get_type(r);
		ldns_rr *c;

		if (!name_eq(ldns_rr_owner(r), owner))
			continue;
		if (rt != t && !(rt == LDNS_RR_TYPE_RRSIG &&
				 ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(r)) == t))
			continue;
		c = ldns_rr_clone(r);
		if (as) {
			ldns_rdf_deep_free(ldns_rr_owner(c));
			ldns_rr_set_owner(c, ldns_rdf_clone(as));
		}
		ldns_pkt_push_rr(p, sec, c);
		n += rt == t;
	}
	return n;
}

static void f_push_denial(ldns_pkt *p, const struct fzone *z)
{
	const ldns_rr_list *rrs = f_rrs(z);
	size_t i;

	f_push(p, LDNS_SECTION_AUTHORITY, rrs, z->apex, LDNS_RR_TYPE_SOA, NULL);
	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *r = ldns_rr_list_rr(rrs, i);
		ldns_rr_type t = ldns_rr_get_type(r);

		if (t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3 ||
		    (t == LDNS_RR_TYPE_RRSIG &&
		     (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(r)) == LDNS_RR_TYPE_NSEC ||
		      ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(r)) == LDNS_RR_TYPE_NSEC3)))
			ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, ldns_rr_clone(r));
	}
}

static bool f_exists(const struct fzone *z, const ldns_rdf *name)
{
	const ldns_rr_list *rrs = f_rrs(z);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *r = ldns_rr_list_rr(rrs, i);

		if (ldns_rr_get_type(r) != LDNS_RR_TYPE_NSEC3 && name_under(ldns_rr_owner(r), name))
			return true;
	}
	return false;
}

/* The answer a recursive resolver would give for qname/qt with DO+CD. */
static ldns_pkt *f_answer(const ldns_rdf *qname, ldns_rr_type qt)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rdf *name = ldns_rdf_clone(qname);
	int hop;

	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, LDNS_RCODE_NOERROR);
	for (hop = 0; hop < 10; hop++) {
		const struct fzone *z = f_zone_for(name, qt);
		ldns_rdf *ce, *wc, *star;
		const ldns_rr_list *rrs;
		size_t i;

		if (!z)
			break;
		rrs = f_rrs(z);
		if (f_push(p, LDNS_SECTION_ANSWER, rrs, name, qt, NULL))
			break;
		if (f_push(p, LDNS_SECTION_ANSWER, rrs, name, LDNS_RR_TYPE_CNAME, NULL)) {
			for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
				const ldns_rr *r = ldns_rr_list_rr(rrs, i);

				if (ldns_rr_get_type(r) == LDNS_RR_TYPE_CNAME &&
				    name_eq(ldns_rr_owner(r), name)) {
					ldns_rdf_deep_free(name);
					name = ldns_rdf_clone(ldns_rr_rdf(r, 0));
					break;
				}
			}
			continue;
		}
		if (f_exists(z, name)) {
			f_push_denial(p, z);
			break;
		}
		/* wildcard at the closest existing ancestor */
		ce = ldns_dname_left_chop(name);
		while (ce && !f_exists(z, ce) && ldns_dname_label_count(ce) > 0) {
			ldns_rdf *up = ldns_dname_left_chop(ce);

			ldns_rdf_deep_free(ce);
			ce = up;
		}
		star = ldns_dname_new_frm_str("*");
		wc = ce ? ldns_dname_cat_clone(star, ce) : NULL;
		ldns_rdf_deep_free(star);
		ldns_rdf_deep_free(ce);
		if (wc && f_push(p, LDNS_SECTION_ANSWER, rrs, wc, qt, name)) {
			f_push_denial(p, z);
		} else if (wc && f_exists(z, wc)) {
			f_push_denial(p, z); /* wildcard NODATA */
		} else {
			ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
			f_push_denial(p, z);
		}
		ldns_rdf_deep_free(wc);
		break;
	}
	ldns_rdf_deep_free(name);
	return p;
}

static void *f_serve(void *arg)
{
	(void)arg;
	while (!fake_stop) {
		struct pollfd pfd = {.fd = fake_fd, .events = POLLIN};
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		uint8_t buf[4096], *wire = NULL;
		size_t wlen = 0;
		ldns_pkt *q = NULL, *a;
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recvfrom(fake_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n <= 0 || ldns_wire2pkt(&q, buf, n) != LDNS_STATUS_OK)
			continue;
		fake_queries++;
		a = f_answer(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)),
			     ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
		ldns_pkt_set_id(a, ldns_pkt_id(q));
		ldns_pkt_set_cd(a, true);
		ldns_pkt_set_rd(a, true);
		ldns_rr_list_deep_free(ldns_pkt_question(a));
		ldns_pkt_set_question(a, ldns_rr_list_clone(ldns_pkt_question(q)));
		ldns_pkt_set_qdcount(a, 1);
		ldns_pkt_set_edns_udp_size(a, 4096);
		ldns_pkt_set_edns_do(a, true);
		if (ldns_pkt2wire(&wire, a, &wlen) == LDNS_STATUS_OK)
			sendto(fake_fd, wire, wlen, 0, (struct sockaddr *)&from, flen);
		free(wire);
		ldns_pkt_free(a);
		ldns_pkt_free(q);
	}
	return NULL;
}

/* A private network namespace with lo up: the fake upstream lives there alone. */
static int f_netns(void)
{
	struct ifreq ifr;
	int s;

	if (unshare(CLONE_NEWNET))
		return -errno;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr))) {
		close(s);
		return -errno;
	}
	close(s);
	return 0;
}

static int f_start(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(FAKE_PORT)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fake_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fake_fd < 0 || bind(fake_fd, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	return pthread_create(&fake_thread, NULL, f_serve, NULL) ? -EAGAIN : 0;
}

static void f_stop(void)
{
	int i;

	fake_stop = 1;
	pthread_join(fake_thread, NULL);
	close(fake_fd);
	for (i = 0; i < n_fz; i++) {
		ldns_rdf_deep_free(fz[i].apex);
		ldns_rr_list_deep_free(fz[i].rrs);
		ldns_rr_list_deep_free(fz[i].alt);
	}
	n_fz = 0;
}

static void f_upstream(struct dw_config *cfg)
{
	struct sockaddr_in *a = (struct sockaddr_in *)&cfg->upstreams[0].addr;

	memset(&cfg->upstreams[0], 0, sizeof(cfg->upstreams[0]));
	a->sin_family = AF_INET;
	a->sin_port = htons(FAKE_PORT);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg->upstreams[0].addr_len = sizeof(*a);
	cfg->upstreams[0].timeout_ms = 500;
	cfg->n_upstreams = 1;
}

#endif
