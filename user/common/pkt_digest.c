// SPDX-License-Identifier: BSD-2-Clause
/*
 * pkt_digest.c: the user-space reference of the data plane's DNS parsing, zone
 * key and verdict-key digest (specified in include/dw_digest.h). Written as
 * plain byte-at-a-time C over a buffer, independently of the BPF code, so the
 * differential test compares two implementations of one specification.
 */
#include <string.h>
#include <netinet/in.h>

#include "dw_digest.h"
#include "dw_siphash.h"
#include "common/log.h"
#include "common/pkt_digest.h"

/* SipHash over a byte stream: whole words go to the core, the rest waits. */
struct sip_stream {
	struct dw_sip s;
	uint8_t tail[8];
	size_t ntail;
	int digest; /* 1: SipHash-1-3 (the digest's), 0: SipHash-2-4 */
};

static uint64_t le64(const uint8_t *b)
{
	uint64_t w = 0;
	int i;

	for (i = 7; i >= 0; i--)
		w = (w << 8) | b[i];
	return w;
}

static void stream_init(struct sip_stream *st, const uint64_t key[2], int out128, int digest)
{
	dw_sip_init(&st->s, key[0], key[1], out128);
	st->ntail = 0;
	st->digest = digest;
}

static void stream_bytes(struct sip_stream *st, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		st->tail[st->ntail++] = p[i];
		if (st->ntail == 8) {
			if (st->digest)
				dw_sip13_word(&st->s, le64(st->tail));
			else
				dw_sip_word(&st->s, le64(st->tail));
			st->ntail = 0;
		}
	}
}

static void stream_word(struct sip_stream *st, uint64_t w)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(w >> (8 * i));
	stream_bytes(st, b, 8);
}

/* Pads with zero bytes to the next multiple of 8 (the N() and C() framing). */
static void stream_pad(struct sip_stream *st)
{
	static const uint8_t zero[8];

	if (st->ntail)
		stream_bytes(st, zero, 8 - st->ntail);
}

static void stream_final(struct sip_stream *st, int out128, __u64 out[2])
{
	uint64_t tail = 0;
	size_t i;

	for (i = st->ntail; i-- > 0;)
		tail = (tail << 8) | st->tail[i];
	st->s.nbytes += st->ntail;
	if (st->digest)
		dw_sip13_final(&st->s, tail, out128, out);
	else
		dw_sip_final(&st->s, tail, out128, out);
}

void pkt_siphash128(const uint64_t key[2], const void *data, size_t len, uint64_t out[2])
{
	struct sip_stream st;
	__u64 h[2];

	stream_init(&st, key, 1, 0);
	stream_bytes(&st, data, len);
	stream_final(&st, 1, h);
	out[0] = h[0];
	out[1] = h[1];
}

uint64_t pkt_siphash64(const uint64_t key[2], const void *data, size_t len)
{
	struct sip_stream st;
	__u64 out[2] = {0, 0};

	stream_init(&st, key, 0, 0);
	stream_bytes(&st, data, len);
	stream_final(&st, 0, out);
	return out[0];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Where a walk copies the decompressed name (for pkt_digest_walk's visitor). */
struct name_copy {
	uint8_t *b;
	size_t n;
};

static void copy_bytes(struct name_copy *o, const uint8_t *p, size_t n)
{
	if (!o)
		return;
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

/*
 * Walks the name at msg[start], feeding N(name) to st when st is not NULL
 * and its wire form to o when o is not NULL (room for DW_NAME_MAX bytes).
 * *end: the offset after the name's in-place bytes. Returns 0 or PKT_E*.
 */
static int walk_name(const uint8_t *msg, size_t len, size_t start, struct sip_stream *st,
		     struct name_copy *o, size_t *end)
{
	size_t pos = start, run = start, total = 0, in_place_end = 0;
	int hops = 0, steps;

	for (steps = 0; steps < DW_NAME_STEPS_MAX; steps++) {
		uint8_t c, label[DW_LABEL_MAX + 1];
		size_t i;

		if (pos >= len)
			return PKT_EMALFORMED;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return PKT_EMALFORMED;
			target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			if (target < DW_DNS_HDR_LEN || target >= run)
				return PKT_EMALFORMED;
			if (++hops > DW_NAME_PTRS_MAX)
				return PKT_ETOOCOMPLEX;
			if (hops == 1)
				in_place_end = pos + 2;
			pos = run = target;
			continue;
		}
		if (c & 0xc0)
			return PKT_EMALFORMED;
		total += (size_t)c + 1;
		if (total > DW_NAME_MAX)
			return PKT_EMALFORMED;
		if (c == 0) {
			if (hops == 0)
				in_place_end = pos + 1;
			if (st) {
				stream_bytes(st, &c, 1);
				stream_pad(st);
			}
			copy_bytes(o, &c, 1);
			*end = in_place_end;
			return 0;
		}
		if (pos + 1 + c > len)
			return PKT_EMALFORMED;
		label[0] = c;
		for (i = 0; i < c; i++)
			label[1 + i] = lower(msg[pos + 1 + i]);
		if (st)
			stream_bytes(st, label, (size_t)c + 1);
		copy_bytes(o, label, (size_t)c + 1);
		pos += 1 + (size_t)c;
	}
	return PKT_ETOOCOMPLEX;
}

/* NH(name) of the name at msg[start] (*end: after its in-place bytes). */
static int name_hash(const uint8_t *msg, size_t len, size_t start, const uint64_t key[2],
		     struct name_copy *o, size_t *end, __u64 nh[2])
{
	struct sip_stream st;
	int err;

	stream_init(&st, key, 1, 1);
	stream_word(&st, DW_DIGEST_TAG);
	err = walk_name(msg, len, start, &st, o, end);
	if (err)
		return err;
	stream_final(&st, 1, nh);
	return 0;
}

static void chunk(struct sip_stream *st, const uint8_t *p, size_t n, struct name_copy *o)
{
	stream_word(st, n);
	stream_bytes(st, p, n);
	stream_pad(st);
	copy_bytes(o, p, n);
}

/*
 * The length of the raw bytes before the names of a DW_RD_PRE_* layout
 * (NAPTR: 4 bytes and three strings; HIP: 4 bytes, the HIT and the key), or
 * SIZE_MAX when the rdata ends before them.
 */
static size_t rdata_pre(const uint8_t *rd, size_t n, uint16_t pre, uint16_t flags)
{
	size_t p = 4;
	int i;

	if (flags & DW_RD_PRE_HIP)
		return n < 4 ? SIZE_MAX : 4 + (size_t)rd[0] + be16(rd + 2);
	if (!(flags & DW_RD_PRE_NAPTR))
		return pre;
	for (i = 0; i < 3; i++) {
		if (p >= n)
			return SIZE_MAX;
		p += 1 + (size_t)rd[p];
	}
	return p;
}

/* The names of one rdata from p; *p moves past them. */
static int digest_rdata_names(const uint8_t *msg, size_t len, const uint64_t key[2], int nnames,
			      uint16_t flags, size_t *p, size_t rd_end, struct sip_stream *st,
			      struct name_copy *o)
{
	int i, err;

	for (i = 0; i < nnames; i++) {
		__u64 nh[2];
		size_t end;

		if ((flags & DW_RD_NAMES_TO_END) && *p == rd_end)
			return 0;
		if (*p >= rd_end)
			return PKT_EMALFORMED;
		err = name_hash(msg, len, *p, key, o, &end, nh);
		if (err)
			return err;
		if (end > rd_end)
			return PKT_EMALFORMED;
		stream_word(st, nh[0]);
		*p = end;
	}
	if ((flags & DW_RD_NAMES_TO_END) && *p != rd_end)
		return PKT_ETOOCOMPLEX;
	return 0;
}

/* R(rdata) of one RR per dw_rdata_layout(); o (or NULL) gets the rdata with names expanded. */
static int digest_rdata(const uint8_t *msg, size_t len, const uint64_t key[2], uint16_t type,
			size_t rd, size_t rd_end, struct sip_stream *st, struct name_copy *o)
{
	uint16_t pre, flags;
	int nnames = dw_rdata_layout(type, &pre, &flags), err;
	size_t p, npre;

	if (nnames < 0)
		return PKT_EMALFORMED;
	if (nnames == 0) {
		chunk(st, msg + rd, rd_end - rd, o);
		return 0;
	}
	npre = rdata_pre(msg + rd, rd_end - rd, pre, flags);
	if (npre > rd_end - rd)
		return PKT_EMALFORMED;
	if (npre)
		chunk(st, msg + rd, npre, o);
	p = rd + npre;
	err = digest_rdata_names(msg, len, key, nnames, flags, &p, rd_end, st, o);
	if (err)
		return err;
	if ((flags & DW_RD_TAIL_EMPTY) && p != rd_end)
		return PKT_EMALFORMED;
	if ((flags & DW_RD_TAIL_SOA) && rd_end - p != DW_SOA_TAIL)
		return PKT_EMALFORMED;
	chunk(st, msg + p, rd_end - p, o);
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

struct rr_walk {
	const uint64_t *key;
	unsigned int sec_end[2];
	uint32_t max_ttl;
	pkt_rr_visit visit;
	void *arg;
	struct pkt_rr_view view; /* filled only for a visitor */
};

/* E(RR) of the RR whose fixed fields start at msg[end] (owner hash nh); *off: after it. */
static int digest_one_rr(const uint8_t *msg, size_t len, struct rr_walk *w, unsigned int section,
			 size_t end, const __u64 nh[2], size_t *off, uint64_t acc[2])
{
	struct name_copy rdo = {w->view.rdata, 0};
	struct sip_stream st;
	uint16_t type, class, rdlen;
	uint32_t ttl;
	__u64 h[2];
	int err;

	if (end + 10 > len)
		return PKT_EMALFORMED;
	type = be16(msg + end);
	class = be16(msg + end + 2);
	ttl = be32(msg + end + 4);
	rdlen = be16(msg + end + 8);
	*off = end + 10 + rdlen;
	if (*off > len)
		return PKT_EMALFORMED;
	if (section == DW_SEC_ADDITIONAL && type == DW_TYPE_OPT)
		return 0;
	if (ttl > w->max_ttl)
		w->max_ttl = ttl;
	stream_init(&st, w->key, 1, 1);
	stream_word(&st, (uint64_t)section << 32 | (uint64_t)type << 16 | class);
	stream_word(&st, nh[0]);
	err = digest_rdata(msg, len, w->key, type, end + 10, *off, &st, w->visit ? &rdo : NULL);
	if (err)
		return err;
	stream_final(&st, 1, h);
	acc[0] += h[0];
	acc[1] += h[1];
	if (w->visit) {
		w->view.section = section;
		w->view.type = type;
		w->view.rclass = class;
		w->view.ttl = ttl;
		w->view.rdata_len = rdo.n;
		w->view.rd_off = end + 10;
		w->view.rdlength = rdlen;
		w->visit(&w->view, w->arg);
	}
	return 0;
}

/* Walks every RR from off, summing E(RR) into acc (an OPT RR is skipped). */
static int digest_rrs(const uint8_t *msg, size_t len, struct rr_walk *w, size_t off,
		      unsigned int nrr, uint64_t acc[2])
{
	unsigned int i;

	for (i = 0; i < nrr; i++) {
		unsigned int section = i < w->sec_end[0]   ? DW_SEC_ANSWER
				       : i < w->sec_end[1] ? DW_SEC_AUTHORITY
							   : DW_SEC_ADDITIONAL;
		struct name_copy own = {w->view.owner, 0};
		__u64 nh[2];
		size_t end;
		int err;

		err = name_hash(msg, len, off, w->key, w->visit ? &own : NULL, &end, nh);
		if (err)
			return err;
		w->view.owner_len = own.n;
		err = digest_one_rr(msg, len, w, section, end, nh, &off, acc);
		if (err)
			return err;
	}
	return 0;
}

int pkt_digest_key(const uint8_t *msg, size_t len, const uint64_t sipkey[2],
		   struct dw_verdict_key *out)
{
	return pkt_digest_walk(msg, len, sipkey, out, NULL, NULL, NULL);
}

int pkt_digest_walk(const uint8_t *msg, size_t len, const uint64_t sipkey[2],
		    struct dw_verdict_key *out, uint32_t *max_ttl, pkt_rr_visit visit, void *arg)
{
	static __thread struct rr_walk w;
	unsigned int an, ns, ar;
	uint64_t acc[2];
	__u64 eq[2];
	size_t qend;
	int err;

	memset(out, 0, sizeof(*out));
	if (max_ttl)
		*max_ttl = 0;
	if (len < DW_DNS_HDR_LEN) {
		pr_debug("pkt: message of %zu bytes is shorter than a header", len);
		return PKT_EMALFORMED;
	}
	if (len > DW_DNS_MSG_MAX) {
		pr_debug("pkt: message of %zu bytes exceeds %d", len, DW_DNS_MSG_MAX);
		return PKT_ETOOCOMPLEX;
	}
	if (be16(msg + 4) != 1) {
		pr_debug("pkt: QDCOUNT %u is not 1", be16(msg + 4));
		return PKT_EMALFORMED;
	}
	err = name_hash(msg, len, DW_DNS_HDR_LEN, sipkey, NULL, &qend, eq);
	if (err || qend + 4 > len) {
		pr_debug("pkt: question name does not parse");
		return err ? err : PKT_EMALFORMED;
	}
	out->qtype = be16(msg + qend);
	out->qclass = be16(msg + qend + 2);
	out->flags = be16(msg + 2);
	an = be16(msg + 6);
	ns = be16(msg + 8);
	ar = be16(msg + 10);
	if (an + ns + ar > DW_DIGEST_RRS_MAX) {
		pr_debug("pkt: %u RRs exceed %d", an + ns + ar, DW_DIGEST_RRS_MAX);
		return PKT_ETOOCOMPLEX;
	}
	w.key = sipkey;
	w.sec_end[0] = an;
	w.sec_end[1] = an + ns;
	w.max_ttl = 0;
	w.visit = visit;
	w.arg = arg;
	acc[0] = eq[0];
	acc[1] = eq[1];
	err = digest_rrs(msg, len, &w, qend + 4, an + ns + ar, acc);
	if (err) {
		pr_debug("pkt: resource records do not parse (%d)", err);
		return err;
	}
	out->digest[0] = acc[0];
	out->digest[1] = acc[1];
	if (max_ttl)
		*max_ttl = w.max_ttl;
	return 0;
}

/* Appends labels[n-1..0] as "label\0" each; shared by both zone-key builders. */
static int zone_key_from_labels(const uint8_t *const *labels, const size_t *lens, size_t n,
				struct dw_zone_key *out)
{
	size_t pos = 0, i, j;

	for (i = n; i-- > 0;) {
		if (pos + lens[i] + 1 > sizeof(out->name))
			return -EINVAL;
		for (j = 0; j < lens[i]; j++)
			out->name[pos++] = lower(labels[i][j]);
		out->name[pos++] = 0;
	}
	out->prefixlen = (uint32_t)pos * 8;
	return 0;
}

/*
 * One label of a presentation-form name into out (RFC 1035 5.1: "\\X" is the
 * byte X, "\\DDD" the byte of decimal DDD), so the label's bytes are the
 * ones the question name carries on the wire. *p moves past the label and
 * its dot. Returns the label's length, or -1 when it is empty, over 63
 * bytes, badly escaped or holds a 0 byte (the key ends every label with one:
 * "a\\000b" would be the key of the two labels "b.a").
 */
static int zone_label(const char **p, uint8_t *out)
{
	const char *s = *p;
	int n = 0;

	while (*s && *s != '.') {
		unsigned c = (unsigned char)*s++;

		if (c == '\\') {
			if (s[0] >= '0' && s[0] <= '9') {
				if (!(s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'))
					return -1;
				c = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 +
				    (unsigned)(s[2] - '0');
				s += 3;
			} else if (*s) {
				c = (unsigned char)*s++;
			} else {
				return -1;
			}
		}
		if (c == 0 || c > 255 || n == DW_LABEL_MAX)
			return -1;
		out[n++] = (uint8_t)c;
	}
	if (*s == '.')
		s++;
	*p = s;
	return n ? n : -1;
}

int pkt_zone_key(const char *zone, struct dw_zone_key *out)
{
	uint8_t wire[DW_NAME_MAX + DW_LABEL_MAX]; /* the labels, unescaped, back to back */
	const uint8_t *labels[DW_LABELS_MAX];
	size_t lens[DW_LABELS_MAX], n = 0, used = 0, total = 1;
	const char *p = zone;

	memset(out, 0, sizeof(*out));
	if (!zone || !*zone) {
		pr_warn("pkt: empty zone name");
		return -EINVAL;
	}
	if (!strcmp(zone, "."))
		return 0;
	while (*p) {
		int l = n < DW_LABELS_MAX ? zone_label(&p, wire + used) : -1;

		if (l < 0) {
			pr_warn("pkt: zone name '%s' has an empty, long or badly escaped label",
				zone);
			return -EINVAL;
		}
		total += (size_t)l + 1;
		if (total > DW_NAME_MAX) {
			pr_warn("pkt: zone name '%s' is longer than 255 bytes", zone);
			return -EINVAL;
		}
		labels[n] = wire + used;
		lens[n++] = (size_t)l;
		used += (size_t)l;
	}
	return zone_key_from_labels(labels, lens, n, out);
}

int pkt_qname_zone_key(const uint8_t *msg, size_t len, struct dw_zone_key *out)
{
	const uint8_t *labels[DW_LABELS_MAX + 1];
	size_t lens[DW_LABELS_MAX + 1], n = 0, pos = DW_DNS_HDR_LEN, end;
	int err;

	memset(out, 0, sizeof(*out));
	if (len < DW_DNS_HDR_LEN || be16(msg + 4) != 1)
		return PKT_EMALFORMED;
	err = walk_name(msg, len, DW_DNS_HDR_LEN, NULL, NULL, &end);
	if (err)
		return err;
	/* walk_name proved the name uncompressed and in bounds. */
	while (msg[pos] && n <= DW_LABELS_MAX) {
		labels[n] = msg + pos + 1;
		lens[n++] = msg[pos];
		pos += 1 + (size_t)msg[pos];
	}
	return zone_key_from_labels(labels, lens, n, out) ? PKT_EMALFORMED : 0;
}
