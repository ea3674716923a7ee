/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h: the parsed configuration (one YAML file, see docs/configuration.md).
 * Parsing lives in config.c (the schema tables and the rules across keys) and
 * config_yaml.c (the YAML walk and one parser per value type); every consumer
 * (daemon, validator, policy check, control socket) reads this struct and
 * never the YAML. Fixed-size arrays keep memory bounded and copying a whole
 * policy (for rollback) trivial.
 */
#ifndef DW_CONFIG_H
#define DW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define CFG_ZONES_MAX	     256
#define CFG_ANCHORS_MAX	     16
#define CFG_NTAS_MAX	     64
#define CFG_UPSTREAMS_MAX    8
#define CFG_RESOLVERS_MAX    64
#define CFG_IFACES_MAX	     32
#define CFG_PINS_MAX	     4
#define CFG_DNS_PORTS_MAX    8 /* DW_DNS_PORTS_MAX */
#define CFG_TUNNEL_PORTS_MAX 4 /* DW_TUNNEL_PORTS_MAX, per tunnel type */
#define CFG_ENCDNS_ADDRS_MAX 64
#define CFG_NAME_LEN	     256 /* presentation-format domain name, with room for the final NUL */
#define CFG_PATH_LEN	     256

enum cfg_mode { CFG_MODE_ENFORCE = 0, CFG_MODE_MONITOR = 1 };
enum cfg_require { CFG_REQUIRE_SECURE = 0, CFG_REQUIRE_NOT_BOGUS = 1 };
enum cfg_failure { CFG_FAIL_CLOSED = 0, CFG_FAIL_OPEN = 1 };
enum cfg_transport { CFG_TRANSPORT_UDP = 0, CFG_TRANSPORT_TCP = 1, CFG_TRANSPORT_TLS = 2 };
enum cfg_hook { CFG_HOOK_XDP = 0, CFG_HOOK_TC = 1 };
enum cfg_direction { CFG_DIR_INGRESS = 0, CFG_DIR_EGRESS = 1 };
enum cfg_xdp_mode { CFG_XDP_AUTO = 0, CFG_XDP_NATIVE = 1, CFG_XDP_GENERIC = 2 };

struct cfg_zone {
	char name[CFG_NAME_LEN]; /* lower case, no trailing dot ("idp.test"); "." for the root */
	enum cfg_mode mode;
	enum cfg_require require;
	enum cfg_failure failure;
	bool cname_targets_secure; /* CNAME targets outside the zone must be secure too */
	char probe[CFG_NAME_LEN];  /* optional name inside the zone that policy probes also prove */
	int line;		   /* where it was defined, for messages */
};

/* A trust anchor source: the system root anchor, a file, or inline records. */
struct cfg_anchor {
	bool system;		 /* dns-root-data's root anchor */
	char file[CFG_PATH_LEN]; /* DS or DNSKEY records in zone-file syntax */
	char inline_rr[1024];	 /* one or more DS/DNSKEY records, newline-separated */
	int line;
};

struct cfg_nta {
	char zone[CFG_NAME_LEN];
	time_t until; /* wall clock, seconds */
	char reason[256];
	bool runtime; /* added over the control socket (nta add), not from the file */
	int line;
};

struct cfg_upstream {
	struct sockaddr_storage addr; /* with the port set */
	socklen_t addr_len;
	enum cfg_transport transport;
	char tls_name[CFG_NAME_LEN];
	char pins[CFG_PINS_MAX][64]; /* "sha256/<base64>" */
	int n_pins;
	int timeout_ms; /* per query; default 2000 */
	int line;
};

struct cfg_iface {
	char name[32];	  /* exact interface name, or empty */
	char pattern[32]; /* fnmatch(3) pattern ("veth*"), or empty */
	enum cfg_hook hook;
	enum cfg_direction direction; /* tc only; XDP is always ingress */
	enum cfg_xdp_mode xdp_mode;
	int line;
};

/* UDP ports whose datagrams carry an encapsulated frame the data plane opens. */
struct cfg_tunnels {
	uint16_t vxlan[CFG_TUNNEL_PORTS_MAX]; /* default [4789] */
	int n_vxlan;
	uint16_t geneve[CFG_TUNNEL_PORTS_MAX]; /* default [6081] */
	int n_geneve;
};

enum cfg_encdns_action { CFG_ENCDNS_DROP = 0, CFG_ENCDNS_REPORT = 1 };

/* Workloads' DoT, DoQ and DoH to known DoH servers: only to the allowed addresses. */
struct cfg_encdns {
	bool on; /* the key is present */
	enum cfg_encdns_action action;
	struct sockaddr_storage allow[CFG_ENCDNS_ADDRS_MAX];
	int n_allow;
	struct sockaddr_storage doh[CFG_ENCDNS_ADDRS_MAX]; /* DoH servers: port 443 to them */
	int n_doh;
};

/* Bounds on validation work and memory: the KeyTrap and NSEC3 lessons. */
struct cfg_limits {
	uint32_t verdict_cache;	      /* kernel verdict entries; default 65536 */
	uint32_t rrset_cache;	      /* validated RRsets kept in user space; default 10000 */
	uint32_t rrset_cache_bytes;   /* ... and their bytes, all workers together; default 4 MiB */
	uint32_t signature_cache;     /* signatures that verified, remembered; default 4096 */
	uint32_t punt_rate;	      /* fixed cap per zone, punts per second; default auto */
	uint32_t punt_burst;	      /* default 400 */
	uint32_t keys_per_tag;	      /* DNSKEYs tried per key tag; default 4 */
	uint32_t sigs_per_rrset;      /* signatures verified per RRset; default 8 */
	uint32_t sigs_per_validation; /* default 64 */
	uint32_t
	    nsec3_iterations; /* above this an NSEC3 proof is insecure (RFC 9276); default 100 */
	uint32_t chain_depth; /* zone cuts walked from the anchor; default 16 */
	uint32_t cname_chain; /* default 8 */
	uint32_t queries_per_validation; /* upstream queries; default 32 */
	uint32_t clock_skew;		 /* seconds allowed around RRSIG validity; default 300 */
	uint32_t max_verdict_ttl;	 /* seconds; default 3600 */
	uint32_t negative_cache_ttl;   /* seconds a failed truth lookup is remembered; default 5 */
	uint32_t heartbeat_timeout_ms; /* default 3000 */
	uint32_t punt_dest_rate;       /* a destination's share when the validator is busy; 100 */
	uint32_t punt_dest_burst;      /* default 200 */
};

/* The validators' RRset cache, all workers together (limits.rrset_cache, rrset_cache_bytes). */
#define CFG_RRSET_CACHE_DEFAULT	      10000
#define CFG_RRSET_CACHE_MIN	      16
#define CFG_RRSET_CACHE_BYTES_DEFAULT (4u << 20)
#define CFG_RRSET_CACHE_BYTES_MIN     65536
/* Signatures that verified, remembered by digest (32 bytes each), all workers together. */
#define CFG_SIGNATURE_CACHE_DEFAULT 4096
#define CFG_SIGNATURE_CACHE_MIN	    64

/* limits.punt_rate: auto, no fixed cap; the punt budget follows the validator's fill. */
#define CFG_PUNT_RATE_AUTO UINT32_MAX

struct dw_config {
	char path[CFG_PATH_LEN]; /* the file this came from */
	struct cfg_zone zones[CFG_ZONES_MAX];
	int n_zones;
	struct cfg_anchor anchors[CFG_ANCHORS_MAX];
	int n_anchors; /* 0 after parsing means the default: [system] */
	struct cfg_nta ntas[CFG_NTAS_MAX];
	int n_ntas;
	struct cfg_upstream upstreams[CFG_UPSTREAMS_MAX];
	int n_upstreams;
	struct sockaddr_storage resolvers[CFG_RESOLVERS_MAX]; /* allowlist; port unused */
	int n_resolvers;
	struct cfg_iface ifaces[CFG_IFACES_MAX];
	int n_ifaces;
	struct cfg_limits limits;
	uint16_t dns_port;		       /* the first of dns_ports; default 53 */
	uint16_t dns_ports[CFG_DNS_PORTS_MAX]; /* `dns_port: 53` or `dns_port: [53, 5353]` */
	int n_dns_ports;
	struct cfg_tunnels tunnels;
	struct cfg_encdns encrypted_dns;
	char pin_path[CFG_PATH_LEN];	   /* default /sys/fs/bpf/dnsward */
	char events_output[CFG_PATH_LEN];  /* "stdout" (default) or a file path */
	char metrics_listen[64];	   /* "127.0.0.1:9553"; empty = off */
	char control_socket[CFG_PATH_LEN]; /* default /run/dnsward/control.sock */
	unsigned control_mode;		   /* default 0600 */
	/* Validate a protected question when the workload's query is seen; default true. */
	bool prefetch;
	/* validation.sha1_ds: SHA-1 DS digests count (RFC 8624: MUST validate); default true */
	bool validation_sha1_ds;
};

/* Fill every default (no zones, system anchor, limits as documented). */
void config_defaults(struct dw_config *cfg);

/*
 * Parse a configuration file. On error returns -EINVAL (or -errno for I/O) and
 * writes one message naming file:line:column and the key into err.
 */
int config_load(const char *path, struct dw_config *cfg, char *err, size_t err_len);

/* The most specific protected zone for a presentation-format name, or NULL. */
const struct cfg_zone *config_find_zone(const struct dw_config *cfg, const char *name);

/* Helpers the policy and control code share with the parser. */
/* Lower case, no trailing dot, "." for the root; -EINVAL for a malformed name. */
int config_normalize_name(const char *in, char *out, size_t out_len);
/* child equals zone or lies below it on a label boundary (both normalised). */
bool config_name_within(const char *child, const char *zone);
/* "500ms", "30s", "5m", "2h", "1d", sums like "1h30m", or "0". */
int config_parse_duration(const char *s, uint64_t *ms);
/* RFC 3339 with "Z" or a numeric offset. */
int config_parse_time(const char *s, time_t *out);

#endif
