// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_config.c: the YAML configuration parser. Every class of error with its
 * exact message (file:line:column: key.path: what), the defaults, every key
 * read into the struct, zone lookup, and every shipped example file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "common/array.h"
#include "harness.h"
#include "common/config.h"

static char tmp_dir[64];
static char tmp_file[128];
static struct dw_config cfg;
static char err[1024];

static const char *write_cfg(const char *text)
{
	FILE *f = fopen(tmp_file, "w");

	if (!f) {
		perror(tmp_file);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return tmp_file;
}

static int load_text(const char *text)
{
	err[0] = '\0';
	return config_load(write_cfg(text), &cfg, err, sizeof(err));
}

/* A document that must load; the message says why when it does not. */
static int load_ok(const char *text)
{
	int ret = load_text(text);

	if (ret)
		fprintf(stderr, "  %s\n", err);
	return ret;
}

/* One error case: a document and the message after "FILE:". */
struct error_case {
	const char *what;
	const char *yaml;
	const char *message;
};

static const struct error_case error_cases[] = {
    {"bad enum",
     "zones:\n  - name: a.test\n  - name: b.test\n  - name: c.test\n    require: strict\n",
     "5:14: zones[2].require: expected 'secure' or 'not-bogus', got 'strict'"},
    {"bad mode", "zones:\n  - {name: a.test, mode: audit}\n",
     "2:26: zones[0].mode: expected 'enforce' or 'monitor', got 'audit'"},
    {"bad failure", "zones:\n  - {name: a.test, failure: maybe}\n",
     "2:29: zones[0].failure: expected 'closed' or 'open', got 'maybe'"},
    {"unknown top-level key", "zones: []\nzoens: []\n",
     "2:1: zoens: unknown key (expected one of: zones, trust_anchors, negative_trust_anchors, "
     "upstreams, resolvers, interfaces, limits, dns_port, tunnels, encrypted_dns, pin_path, "
     "prefetch, events, metrics, control, validation)"},
    {"unknown zone key", "zones:\n  - name: a.test\n    moed: enforce\n",
     "3:5: zones[0].moed: unknown key (expected one of: name, mode, require, failure, "
     "cname_targets_secure, probe)"},
    {"key twice", "zones:\n  - name: a.test\n    name: b.test\n",
     "3:5: zones[0].name: key given twice"},
    {"missing zone name", "zones:\n  - mode: monitor\n",
     "2:5: zones[0]: missing required key 'name'"},
    {"duplicate zone", "zones:\n  - name: idp.test\n  - name: IDP.test.\n",
     "3:11: zones[1].name: duplicate zone 'idp.test' (first defined at line 2)"},
    {"bad zone name", "zones:\n  - name: \"a..test\"\n",
     "2:11: zones[0].name: 'a..test' is not a domain name (labels of 1-63 letters, digits, "
     "'-' or '_', at most 253 characters)"},
    {"monitor with failure open", "zones:\n  - {name: a.test, mode: monitor, failure: open}\n",
     "2:44: zones[0].failure: 'open' has no effect with mode 'monitor' (monitor never drops a "
     "reply)"},
    {"probe outside the zone", "zones:\n  - {name: a.test, probe: www.b.test}\n",
     "2:27: zones[0].probe: 'www.b.test' is not inside zone 'a.test'"},
    {"prefetch not a bool", "zones: []\nprefetch: on\n",
     "2:11: prefetch: expected true or false, got 'on'"},
    {"bad bool", "zones:\n  - {name: a.test, cname_targets_secure: yes}\n",
     "2:42: zones[0].cname_targets_secure: expected true or false, got 'yes'"},
    {"zones not a list", "zones: {name: a.test}\n", "1:8: zones: expected a list, got a mapping"},
    {"YAML syntax", "zones:\n  - name: [a.test\n",
     "3:1: YAML syntax: did not find expected ',' or ']' while parsing a flow sequence"},
    {"empty file", "", "1:1: empty configuration (expected a mapping)"},
    {"bad anchor word", "trust_anchors: [sytem]\n",
     "1:17: trust_anchors[0]: expected 'system', {file: PATH} or {inline: RECORDS}, got "
     "'sytem'"},
    {"relative anchor file", "trust_anchors:\n  - file: cluster.ds\n",
     "2:11: trust_anchors[0].file: expected an absolute path, got 'cluster.ds'"},
    {"anchor with file and inline",
     "trust_anchors:\n  - {file: /a.ds, inline: \". DS 1 8 2 00\"}\n",
     "2:5: trust_anchors[0]: give exactly one of 'file' or 'inline'"},
    {"inline anchor not a DS", "trust_anchors:\n  - inline: \". A 192.0.2.1\"\n",
     "2:13: trust_anchors[0].inline: every line must be a DS or DNSKEY record"},
    {"duplicate anchor", "trust_anchors: [system, system]\n",
     "1:25: trust_anchors[1]: duplicate trust anchor (first at line 1)"},
    {"empty anchors", "trust_anchors: []\n",
     "1:16: trust_anchors: empty list (omit the key for the default)"},
    {"overlapping NTAs",
     "negative_trust_anchors:\n"
     "  - {zone: example, until: \"2099-01-01T00:00:00Z\", reason: a}\n"
     "  - {zone: b.example, until: \"2099-01-01T00:00:00Z\", reason: b}\n",
     "3:12: negative_trust_anchors[1].zone: 'b.example' overlaps negative_trust_anchors[0] "
     "'example' (line 2)"},
    {"bad NTA time", "negative_trust_anchors:\n  - {zone: example, until: tomorrow, reason: a}\n",
     "2:28: negative_trust_anchors[0].until: expected an RFC 3339 time such as "
     "\"2026-12-01T00:00:00Z\", got 'tomorrow'"},
    {"NTA without reason",
     "negative_trust_anchors:\n  - {zone: example, until: \"2099-01-01T00:00:00Z\"}\n",
     "2:5: negative_trust_anchors[0]: missing required key 'reason'"},
    {"bad address", "upstreams:\n  - {address: 192.0.2.300}\n",
     "2:15: upstreams[0].address: expected an IPv4 or IPv6 address, got '192.0.2.300'"},
    {"bad port", "upstreams:\n  - {address: 192.0.2.1, port: 70000}\n",
     "2:32: upstreams[0].port: expected an integer from 1 to 65535, got '70000'"},
    {"bad transport", "upstreams:\n  - {address: 192.0.2.1, transport: quic}\n",
     "2:37: upstreams[0].transport: expected 'udp', 'tcp', or 'tls', got 'quic'"},
    {"tls without name or pins", "upstreams:\n  - {address: 192.0.2.1, transport: tls}\n",
     "2:37: upstreams[0].transport: 'tls' needs tls_name or pins (an unauthenticated DoT "
     "upstream proves nothing)"},
    {"bad pin", "upstreams:\n  - {address: 192.0.2.1, transport: tls, pins: [\"sha256/x\"]}\n",
     "2:49: upstreams[0].pins[0]: expected \"sha256/<base64 of 32 bytes>\" (44 base64 "
     "characters), got 'sha256/x'"},
    {"pins without tls",
     "upstreams:\n  - {address: 192.0.2.1,\n     pins: "
     "[\"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"]}\n",
     "3:12: upstreams[0].pins: only used with transport 'tls'"},
    {"tls_name without tls", "upstreams:\n  - {address: 192.0.2.1, tls_name: dns.example}\n",
     "2:36: upstreams[0].tls_name: only used with transport 'tls'"},
    {"bad timeout", "upstreams:\n  - {address: 192.0.2.1, timeout: 2}\n",
     "2:35: upstreams[0].timeout: expected a duration from 10ms to 60s such as 500ms, 30s, "
     "5m, 2h, got '2'"},
    {"duplicate upstream",
     "upstreams:\n  - {address: 192.0.2.1}\n  - {address: 192.0.2.1, port: 53}\n",
     "3:15: upstreams[1].address: duplicate upstream (first at line 2)"},
    {"duplicate resolver", "resolvers: [192.0.2.1, 192.0.2.1]\n",
     "1:24: resolvers[1]: duplicate resolver address '192.0.2.1'"},
    {"bad hook", "interfaces:\n  - {name: eth0, hook: ebpf}\n",
     "2:24: interfaces[0].hook: expected 'xdp' or 'tc', got 'ebpf'"},
    {"xdp egress", "interfaces:\n  - {name: eth0, hook: xdp, direction: egress}\n",
     "2:40: interfaces[0].direction: 'egress' is impossible with hook 'xdp' (XDP sees "
     "ingress only)"},
    {"xdp_mode on tc", "interfaces:\n  - {name: eth0, hook: tc, xdp_mode: native}\n",
     "2:38: interfaces[0].xdp_mode: only used with hook 'xdp'"},
    {"bad xdp_mode", "interfaces:\n  - {name: eth0, xdp_mode: offload}\n",
     "2:28: interfaces[0].xdp_mode: expected 'auto', 'native', or 'generic', got 'offload'"},
    {"name and pattern", "interfaces:\n  - {name: eth0, pattern: \"veth*\"}\n",
     "2:5: interfaces[0]: give exactly one of 'name' or 'pattern'"},
    {"bad pattern", "interfaces:\n  - {pattern: \"veth[0-9\"}\n",
     "2:15: interfaces[0].pattern: 'veth[0-9' is not an interface pattern (fnmatch syntax: "
     "*, ?, [...])"},
    {"interface name too long", "interfaces:\n  - {name: a-very-long-interface}\n",
     "2:12: interfaces[0].name: too long (at most 15 characters)"},
    {"bad limit", "limits:\n  keys_per_tag: 0\n",
     "2:17: limits.keys_per_tag: expected an integer from 1 to 64, got '0'"},
    {"cache bytes too small", "limits:\n  rrset_cache_bytes: 4096\n",
     "2:22: limits.rrset_cache_bytes: expected an integer from 65536 to 1073741824, got '4096'"},
    {"unknown limit", "limits:\n  sigs: 3\n",
     "2:3: limits.sigs: unknown key (expected one of: verdict_cache, rrset_cache, "
     "rrset_cache_bytes, signature_cache, punt_rate, punt_burst, punt_dest_rate, punt_dest_burst, "
     "keys_per_tag, "
     "sigs_per_rrset, "
     "sigs_per_validation, "
     "nsec3_iterations, chain_depth, cname_chain, queries_per_validation, clock_skew, "
     "max_verdict_ttl, negative_cache_ttl, heartbeat_timeout)"},
    {"burst below rate", "limits:\n  punt_rate: 100\n  punt_burst: 50\n",
     "3:15: limits.punt_burst: punt_burst (50) must be at least punt_rate (100)"},
    {"bad dns_port", "dns_port: 0\n",
     "1:11: dns_port: expected an integer from 1 to 65535, got '0'"},
    {"relative pin path", "pin_path: bpf/dnsward\n",
     "1:11: pin_path: expected an absolute path, got 'bpf/dnsward'"},
    {"bad events output", "events: {output: events.log}\n",
     "1:18: events.output: expected 'stdout' or an absolute path, got 'events.log'"},
    {"bad metrics listen", "metrics: {listen: \"localhost:9553\"}\n",
     "1:19: metrics.listen: expected \"ADDRESS:PORT\" (\"127.0.0.1:9553\", \"[::1]:9553\") or "
     "\"\" for off, got 'localhost:9553'"},
    {"bad control mode", "control: {mode: \"0999\"}\n",
     "1:17: control.mode: expected an octal mode from \"0600\" to \"0777\" that lets the "
     "owner in, got '0999'"},
    {"control mode locks owner out", "control: {mode: \"0066\"}\n",
     "1:17: control.mode: expected an octal mode from \"0600\" to \"0777\" that lets the "
     "owner in, got '0066'"},
};

/*
 * Every section is read through its table of keys: for each one, the errors
 * the table decides (unknown key, key given twice, missing required key,
 * wrong type, out of range) and the rules kept beside it.
 */
static const struct error_case schema_cases[] = {
    {"zone not a mapping", "zones:\n  - a.test\n",
     "2:5: zones[0]: expected a mapping, got a scalar"},
    {"zone name not a scalar", "zones:\n  - name: [a.test]\n",
     "2:11: zones[0].name: expected a domain name, got a list"},
    {"zone name empty", "zones:\n  - name: \"\"\n",
     "2:11: zones[0].name: expected a domain name, got an empty value"},
    {"zone probe given twice", "zones:\n  - {name: a.test, probe: a.test, probe: b.a.test}\n",
     "2:35: zones[0].probe: key given twice"},
    {"anchor unknown key", "trust_anchors:\n  - {fil: /a.ds}\n",
     "2:6: trust_anchors[0].fil: unknown key (expected one of: file, inline)"},
    {"anchor key twice", "trust_anchors:\n  - {file: /a.ds, file: /b.ds}\n",
     "2:19: trust_anchors[0].file: key given twice"},
    {"anchor file not a scalar", "trust_anchors:\n  - file: [/a.ds]\n",
     "2:11: trust_anchors[0].file: expected a string, got a list"},
    {"anchor neither file nor inline", "trust_anchors:\n  - {}\n",
     "2:5: trust_anchors[0]: give exactly one of 'file' or 'inline'"},
    {"inline anchor without records", "trust_anchors:\n  - inline: \"; only a comment\"\n",
     "2:13: trust_anchors[0].inline: no DS or DNSKEY record"},
    {"NTA unknown key",
     "negative_trust_anchors:\n  - {zone: example, until: \"2099-01-01T00:00:00Z\", reason: a, by: "
     "me}\n",
     "2:63: negative_trust_anchors[0].by: unknown key (expected one of: zone, until, reason)"},
    {"NTA key twice",
     "negative_trust_anchors:\n  - {zone: example, zone: other, until: \"2099-01-01T00:00:00Z\", "
     "reason: a}\n",
     "2:21: negative_trust_anchors[0].zone: key given twice"},
    {"NTA without zone",
     "negative_trust_anchors:\n  - {until: \"2099-01-01T00:00:00Z\", reason: a}\n",
     "2:5: negative_trust_anchors[0]: missing required key 'zone'"},
    {"NTA until not a scalar",
     "negative_trust_anchors:\n  - {zone: example, until: [2099], reason: a}\n",
     "2:28: negative_trust_anchors[0].until: expected an RFC 3339 time such as "
     "\"2026-12-01T00:00:00Z\", got 'a list'"},
    {"NTA reason not a scalar",
     "negative_trust_anchors:\n  - {zone: example, until: \"2099-01-01T00:00:00Z\", reason: {a: "
     "b}}\n",
     "2:60: negative_trust_anchors[0].reason: expected a string, got a mapping"},
    {"upstream unknown key", "upstreams:\n  - {address: 192.0.2.1, proto: udp}\n",
     "2:26: upstreams[0].proto: unknown key (expected one of: address, port, transport, tls_name, "
     "pins, timeout)"},
    {"upstream key twice", "upstreams:\n  - {address: 192.0.2.1, port: 53, port: 54}\n",
     "2:36: upstreams[0].port: key given twice"},
    {"upstream without address", "upstreams:\n  - {port: 53}\n",
     "2:5: upstreams[0]: missing required key 'address'"},
    {"upstream port not a number", "upstreams:\n  - {address: 192.0.2.1, port: dns}\n",
     "2:32: upstreams[0].port: expected an integer from 1 to 65535, got 'dns'"},
    {"upstream port zero", "upstreams:\n  - {address: 192.0.2.1, port: 0}\n",
     "2:32: upstreams[0].port: expected an integer from 1 to 65535, got '0'"},
    {"upstream timeout too long", "upstreams:\n  - {address: 192.0.2.1, timeout: 61s}\n",
     "2:35: upstreams[0].timeout: expected a duration from 10ms to 60s such as 500ms, 30s, 5m, 2h, "
     "got '61s'"},
    {"upstream timeout too short", "upstreams:\n  - {address: 192.0.2.1, timeout: 9ms}\n",
     "2:35: upstreams[0].timeout: expected a duration from 10ms to 60s such as 500ms, 30s, 5m, 2h, "
     "got '9ms'"},
    {"upstream pins empty", "upstreams:\n  - {address: 192.0.2.1, transport: tls, pins: []}\n",
     "2:48: upstreams[0].pins: empty list (omit the key for the default)"},
    {"upstream pins not a list",
     "upstreams:\n  - {address: 192.0.2.1, transport: tls, pins: \"sha256/x\"}\n",
     "2:48: upstreams[0].pins: expected a list, got a scalar"},
    {"upstreams not a list", "upstreams: 192.0.2.1\n",
     "1:12: upstreams: expected a list, got a scalar"},
    {"resolver not a scalar", "resolvers:\n  - {address: 192.0.2.1}\n",
     "2:5: resolvers[0]: expected an IPv4 or IPv6 address, got a mapping"},
    {"resolver not an address", "resolvers: [resolver.test]\n",
     "1:13: resolvers[0]: expected an IPv4 or IPv6 address, got 'resolver.test'"},
    {"interface unknown key", "interfaces:\n  - {name: eth0, mode: xdp}\n",
     "2:18: interfaces[0].mode: unknown key (expected one of: name, pattern, hook, direction, "
     "xdp_mode)"},
    {"interface key twice", "interfaces:\n  - {name: eth0, hook: xdp, hook: tc}\n",
     "2:29: interfaces[0].hook: key given twice"},
    {"interface without name or pattern", "interfaces:\n  - {hook: xdp}\n",
     "2:5: interfaces[0]: give exactly one of 'name' or 'pattern'"},
    {"interface name with a slash", "interfaces:\n  - {name: a/b}\n",
     "2:12: interfaces[0].name: 'a/b' is not an interface name"},
    {"bad direction", "interfaces:\n  - {name: eth0, hook: tc, direction: both}\n",
     "2:39: interfaces[0].direction: expected 'ingress' or 'egress', got 'both'"},
    {"duplicate interface", "interfaces:\n  - {name: eth0}\n  - {name: eth0, hook: xdp}\n",
     "3:5: interfaces[1]: duplicate interface (first at line 2)"},
    {"limits not a mapping", "limits: [verdict_cache]\n",
     "1:9: limits: expected a mapping, got a list"},
    {"limit key twice", "limits:\n  chain_depth: 8\n  chain_depth: 9\n",
     "3:3: limits.chain_depth: key given twice"},
    {"limit not a number", "limits:\n  verdict_cache: [1]\n",
     "2:18: limits.verdict_cache: expected an integer from 1024 to 16777216, got 'a list'"},
    {"limit below range", "limits:\n  verdict_cache: 1023\n",
     "2:18: limits.verdict_cache: expected an integer from 1024 to 16777216, got '1023'"},
    {"limit above range", "limits:\n  nsec3_iterations: 2501\n",
     "2:21: limits.nsec3_iterations: expected an integer from 0 to 2500, got '2501'"},
    {"limit duration above range", "limits:\n  clock_skew: 1d1s\n",
     "2:15: limits.clock_skew: expected a duration from 0ms to 86400s such as 500ms, 30s, 5m, 2h, "
     "got '1d1s'"},
    {"limit duration below range", "limits:\n  max_verdict_ttl: 500ms\n",
     "2:20: limits.max_verdict_ttl: expected a duration from 1000ms to 604800s such as 500ms, 30s, "
     "5m, 2h, got '500ms'"},
    {"limit bare number", "limits:\n  negative_cache_ttl: 5\n",
     "2:23: limits.negative_cache_ttl: expected a duration from 0ms to 3600s such as 500ms, 30s, "
     "5m, 2h, got '5'"},
    {"heartbeat below range", "limits:\n  heartbeat_timeout: 99ms\n",
     "2:22: limits.heartbeat_timeout: expected a duration from 100ms to 600s such as 500ms, 30s, "
     "5m, 2h, got '99ms'"},
    {"rate above the default burst", "limits:\n  punt_rate: 500\n",
     "2:14: limits.punt_rate: punt_burst (400) must be at least punt_rate (500)"},
    {"punt rate neither auto nor a number", "limits:\n  punt_rate: fast\n",
     "2:14: limits.punt_rate: expected auto or an integer from 0 to 1000000, got 'fast'"},
    {"punt rate above range", "limits:\n  punt_rate: 1000001\n",
     "2:14: limits.punt_rate: expected auto or an integer from 0 to 1000000, got '1000001'"},
    {"destination share of zero", "limits:\n  punt_dest_rate: 0\n",
     "2:19: limits.punt_dest_rate: expected an integer from 1 to 1000000, got '0'"},
    {"destination burst below its rate", "limits:\n  punt_dest_rate: 50\n  punt_dest_burst: 10\n",
     "3:20: limits.punt_dest_burst: punt_dest_burst (10) must be at least punt_dest_rate (50)"},
    {"destination rate above the default burst", "limits:\n  punt_dest_rate: 500\n",
     "2:19: limits.punt_dest_rate: punt_dest_burst (200) must be at least punt_dest_rate (500)"},
    {"events not a mapping", "events: stdout\n", "1:9: events: expected a mapping, got a scalar"},
    {"events unknown key", "events: {file: /var/log/e.jsonl}\n",
     "1:10: events.file: unknown key (expected one of: output)"},
    {"events output not a scalar", "events: {output: [stdout]}\n",
     "1:18: events.output: expected a string, got a list"},
    {"metrics unknown key", "metrics: {address: \"127.0.0.1:9553\"}\n",
     "1:11: metrics.address: unknown key (expected one of: listen)"},
    {"metrics listen not a scalar", "metrics: {listen: [1]}\n",
     "1:19: metrics.listen: expected \"ADDRESS:PORT\" (\"127.0.0.1:9553\", \"[::1]:9553\") or \"\" "
     "for off, got 'a list'"},
    {"control unknown key", "control: {path: /run/c.sock}\n",
     "1:11: control.path: unknown key (expected one of: socket, mode)"},
    {"control key twice", "control: {mode: \"0600\", mode: \"0660\"}\n",
     "1:25: control.mode: key given twice"},
    {"control socket relative", "control: {socket: c.sock}\n",
     "1:19: control.socket: expected an absolute path, got 'c.sock'"},
    {"control mode not a scalar", "control: {mode: [\"0600\"]}\n",
     "1:17: control.mode: expected an octal mode from \"0600\" to \"0777\" that lets the owner in, "
     "got 'a list'"},
    {"top-level key twice", "dns_port: 53\ndns_port: 54\n", "2:1: dns_port: key given twice"},
    {"dns_port not a number", "dns_port: dns\n",
     "1:11: dns_port: expected an integer from 1 to 65535, got 'dns'"},
    {"prefetch not a scalar", "prefetch: [true]\n",
     "1:11: prefetch: expected true or false, got 'a list'"},
    {"top level not a mapping", "- zones\n", "1:1: expected a mapping, got a list"},
    {"non-scalar key", "? [a]\n: b\n", "1:3: keys must be scalars, got a list"},
    {"too many upstreams",
     "upstreams:\n"
     "  - {address: 192.0.2.1}\n"
     "  - {address: 192.0.2.2}\n"
     "  - {address: 192.0.2.3}\n"
     "  - {address: 192.0.2.4}\n"
     "  - {address: 192.0.2.5}\n"
     "  - {address: 192.0.2.6}\n"
     "  - {address: 192.0.2.7}\n"
     "  - {address: 192.0.2.8}\n"
     "  - {address: 192.0.2.9}\n",
     "10:5: upstreams[8]: too many entries (at most 8)"},
    {"dns_port list with a bad port", "dns_port: [53, 70000]\n",
     "1:16: dns_port[1]: expected an integer from 1 to 65535, got '70000'"},
    {"dns_port list with a port twice", "dns_port: [53, 5353, 53]\n",
     "1:22: dns_port[2]: port 53 given twice"},
    {"dns_port list empty", "dns_port: []\n", "1:11: dns_port: empty list (at least one port)"},
    {"dns_port list too long", "dns_port: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n",
     "1:36: dns_port[8]: too many ports (at most 8)"},
    {"tunnels unknown key", "tunnels: {gre: [47]}\n",
     "1:11: tunnels.gre: unknown key (expected one of: vxlan, geneve)"},
    {"tunnels port not a list", "tunnels: {vxlan: 4789}\n",
     "1:18: tunnels.vxlan: expected a list of ports, got a scalar"},
    {"tunnel port also a DNS port", "dns_port: [53, 4789]\n",
     "1:11: dns_port: port 4789 is also a tunnel port (tunnels)"},
    {"tunnel port in both lists", "tunnels:\n  vxlan: [8472]\n  geneve: [8472]\n",
     "2:3: tunnels: port 8472 is both a VXLAN and a Geneve port"},
    {"encrypted_dns bad action", "encrypted_dns:\n  allow: [192.0.2.53]\n  action: block\n",
     "3:11: encrypted_dns.action: expected 'drop' or 'report', got 'block'"},
    {"encrypted_dns bad address", "encrypted_dns: {allow: [dns.example]}\n",
     "1:25: encrypted_dns.allow[0]: expected an IPv4 or IPv6 address, got 'dns.example'"},
    {"encrypted_dns address twice", "encrypted_dns: {doh_servers: [2001:db8::1, 2001:db8::1]}\n",
     "1:44: encrypted_dns.doh_servers[1]: address '2001:db8::1' given twice"},
    {"encrypted_dns unknown key", "encrypted_dns: {allowed: []}\n",
     "1:17: encrypted_dns.allowed: unknown key (expected one of: allow, doh_servers, action)"},
    {"limit given twice, the second value bad", "limits:\n  punt_burst: 500\n  punt_burst: x\n",
     "3:3: limits.punt_burst: key given twice"},
};

static void check_cases(const struct error_case *cases, size_t n)
{
	char expected[1200];
	size_t i;

	for (i = 0; i < n; i++) {
		int ret = load_text(cases[i].yaml);

		snprintf(expected, sizeof(expected), "%s:%s", tmp_file, cases[i].message);
		if (ret != -EINVAL || strcmp(err, expected)) {
			fprintf(stderr, "  case '%s': ret %d\n    got:      %s\n    expected: %s\n",
				cases[i].what, ret, err, expected);
			harness_failed = 1;
		}
		/* A failed load leaves nothing half-parsed behind. */
		CHECK_EQ_INT(cfg.n_zones, 0);
	}
}

static void test_error_messages(void)
{
	check_cases(error_cases, ARRAY_SIZE(error_cases));
}

static void test_schema_errors(void)
{
	check_cases(schema_cases, ARRAY_SIZE(schema_cases));
}

/* Documents too long to write out: a value one past its length, a list one past its size. */
static void test_generated_errors(void)
{
	static char doc[4096], expected[1200];
	struct {
		const char *what, *head, *repeat, *tail;
		int times;
		const char *message;
	} cases[] = {
	    {"inline anchor too long", "trust_anchors:\n  - inline: \". DS 1 8 2 ", "A", "\"\n",
	     1014, "2:13: trust_anchors[0].inline: too long (at most 1023 characters)"},
	    {"control socket too long", "control: {socket: /", "s", "}\n", 107,
	     "1:19: control.socket: too long (at most 107 characters)"},
	    {"pin_path too long", "pin_path: /", "p", "\n", 255,
	     "1:11: pin_path: too long (at most 255 characters)"},
	    {"too many pins", "upstreams:\n  - {address: 192.0.2.1, transport: tls, pins: [",
	     "\"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\", ", "]}\n", 5,
	     "2:269: upstreams[0].pins[4]: too many entries (at most 4)"},
	};
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(doc, sizeof(doc), "%s", cases[i].head);
		for (k = 0; k < cases[i].times; k++)
			strncat(doc, cases[i].repeat, sizeof(doc) - strlen(doc) - 1);
		strncat(doc, cases[i].tail, sizeof(doc) - strlen(doc) - 1);
		CHECK_EQ_INT(load_text(doc), -EINVAL);
		snprintf(expected, sizeof(expected), "%s:%s", tmp_file, cases[i].message);
		if (strcmp(err, expected))
			fprintf(stderr, "  case '%s'\n", cases[i].what);
		CHECK_EQ_STR(err, expected);
	}
}

/* The defaults come from the same table rows as the parsing. */
static void test_defaults_from_tables(void)
{
	static struct dw_config def;

	config_defaults(&def);
	CHECK_EQ_INT(load_text("{}\n"), 0);
	memcpy(def.path, cfg.path, sizeof(def.path));
	CHECK(!memcmp(&def, &cfg, sizeof(def)));
	CHECK_EQ_INT(def.limits.heartbeat_timeout_ms, 3000);
	CHECK_EQ_INT(def.control_mode, 0600);
	CHECK_EQ_STR(def.control_socket, "/run/dnsward/control.sock");
	/* Entries of a list start from their own rows' defaults. */
	CHECK_EQ_INT(load_text("zones:\n  - {name: a.test, cname_targets_secure: false}\n"
			       "  - {name: b.test}\n"
			       "upstreams:\n  - {address: 192.0.2.1, timeout: 10ms}\n"
			       "  - {address: 192.0.2.2}\n"),
		     0);
	CHECK(!cfg.zones[0].cname_targets_secure);
	CHECK(cfg.zones[1].cname_targets_secure);
	CHECK_EQ_INT(cfg.upstreams[0].timeout_ms, 10);
	CHECK_EQ_INT(cfg.upstreams[1].timeout_ms, 2000);
	CHECK_EQ_INT(cfg.upstreams[1].addr_len, sizeof(struct sockaddr_in));
}

/* dns_port as one port or a list, the tunnel ports and encrypted_dns, stored and defaulted. */
static void test_ports_and_encdns(void)
{
	CHECK_EQ_INT(load_text("{}\n"), 0);
	CHECK_EQ_INT(cfg.n_dns_ports, 1);
	CHECK_EQ_INT(cfg.dns_ports[0], 53);
	CHECK_EQ_INT(cfg.tunnels.n_vxlan, 1);
	CHECK_EQ_INT(cfg.tunnels.vxlan[0], 4789);
	CHECK_EQ_INT(cfg.tunnels.n_geneve, 1);
	CHECK_EQ_INT(cfg.tunnels.geneve[0], 6081);
	CHECK(!cfg.encrypted_dns.on);
	CHECK_EQ_INT(load_text("dns_port: 5300\n"), 0);
	CHECK_EQ_INT(cfg.n_dns_ports, 1);
	CHECK_EQ_INT(cfg.dns_ports[0], 5300);
	CHECK_EQ_INT(cfg.dns_port, 5300);
	CHECK_EQ_INT(load_text("dns_port: [53, 5353]\ntunnels: {vxlan: [8472, 4789], geneve: []}\n"
			       "encrypted_dns:\n  allow: [192.0.2.53, 2001:db8::53]\n"
			       "  doh_servers: [198.51.100.1]\n  action: report\n"),
		     0);
	CHECK_EQ_INT(cfg.n_dns_ports, 2);
	CHECK_EQ_INT(cfg.dns_ports[1], 5353);
	CHECK_EQ_INT(cfg.dns_port, 53);
	CHECK_EQ_INT(cfg.tunnels.n_vxlan, 2);
	CHECK_EQ_INT(cfg.tunnels.vxlan[0], 8472);
	CHECK_EQ_INT(cfg.tunnels.n_geneve, 0);
	CHECK(cfg.encrypted_dns.on);
	CHECK_EQ_INT(cfg.encrypted_dns.action, CFG_ENCDNS_REPORT);
	CHECK_EQ_INT(cfg.encrypted_dns.n_allow, 2);
	CHECK_EQ_INT(cfg.encrypted_dns.allow[1].ss_family, AF_INET6);
	CHECK_EQ_INT(cfg.encrypted_dns.n_doh, 1);
	CHECK_EQ_INT(load_text("encrypted_dns: {}\n"), 0);
	CHECK(cfg.encrypted_dns.on);
	CHECK_EQ_INT(cfg.encrypted_dns.action, CFG_ENCDNS_DROP);
	CHECK_EQ_INT(cfg.encrypted_dns.n_allow, 0);
}

/* The ends of each range are accepted and stored whole, whatever the member's width. */
static void test_range_ends(void)
{
	CHECK_EQ_INT(
	    load_ok("dns_port: 65535\n"
		    "upstreams:\n  - {address: \"2001:db8::1\", port: 65535, timeout: 60s}\n"
		    "limits:\n"
		    "  verdict_cache: 16777216\n"
		    "  punt_rate: 0\n"
		    "  punt_burst: 1000000\n"
		    "  nsec3_iterations: 2500\n"
		    "  clock_skew: 1d\n"
		    "  max_verdict_ttl: 7d\n"
		    "  negative_cache_ttl: 0\n"
		    "  heartbeat_timeout: 10m\n"
		    "control: {mode: \"0777\"}\n"),
	    0);
	CHECK_EQ_INT(cfg.dns_port, 65535);
	CHECK_EQ_INT(ntohs(((const struct sockaddr_in6 *)&cfg.upstreams[0].addr)->sin6_port),
		     65535);
	CHECK_EQ_INT(cfg.upstreams[0].addr_len, sizeof(struct sockaddr_in6));
	CHECK_EQ_INT(cfg.upstreams[0].timeout_ms, 60000);
	CHECK_EQ_INT(cfg.limits.verdict_cache, 16777216);
	CHECK_EQ_INT(cfg.limits.punt_rate, 0);
	CHECK_EQ_INT(cfg.limits.punt_burst, 1000000);
	CHECK_EQ_INT(cfg.limits.nsec3_iterations, 2500);
	CHECK_EQ_INT(cfg.limits.clock_skew, 86400);
	CHECK_EQ_INT(cfg.limits.max_verdict_ttl, 7 * 86400);
	CHECK_EQ_INT(cfg.limits.negative_cache_ttl, 0);
	CHECK_EQ_INT(cfg.limits.heartbeat_timeout_ms, 600000);
	CHECK_EQ_INT(cfg.control_mode, 0777);
	CHECK_EQ_INT(cfg.limits.keys_per_tag, 4);
}

static void test_missing_file(void)
{
	int ret = config_load("/nonexistent/dnsward.yaml", &cfg, err, sizeof(err));

	CHECK_EQ_INT(ret, -ENOENT);
	CHECK_EQ_STR(err, "/nonexistent/dnsward.yaml: cannot open: No such file or directory");
}

static void test_defaults(void)
{
	CHECK_EQ_INT(load_text("zones:\n  - name: Idp.Test.\n"), 0);
	CHECK_EQ_INT(cfg.n_zones, 1);
	CHECK_EQ_STR(cfg.zones[0].name, "idp.test");
	CHECK_EQ_INT(cfg.zones[0].mode, CFG_MODE_ENFORCE);
	CHECK_EQ_INT(cfg.zones[0].require, CFG_REQUIRE_SECURE);
	CHECK_EQ_INT(cfg.zones[0].failure, CFG_FAIL_CLOSED);
	CHECK(cfg.zones[0].cname_targets_secure);
	CHECK_EQ_INT(cfg.zones[0].line, 2);
	CHECK_EQ_INT(cfg.n_anchors, 0); /* means [system] */
	CHECK_EQ_INT(cfg.n_upstreams, 0);
	CHECK_EQ_INT(cfg.dns_port, 53);
	CHECK_EQ_STR(cfg.pin_path, "/sys/fs/bpf/dnsward");
	CHECK(cfg.prefetch);
	CHECK_EQ_INT(load_text("zones: []\nprefetch: false\n"), 0);
	CHECK(!cfg.prefetch);
	CHECK(cfg.validation_sha1_ds);
	CHECK_EQ_INT(load_text("zones: []\nvalidation: {sha1_ds: false}\n"), 0);
	CHECK(!cfg.validation_sha1_ds);
	CHECK_EQ_INT(load_text("zones:\n  - name: Idp.Test.\n"), 0);
	CHECK_EQ_STR(cfg.events_output, "stdout");
	CHECK_EQ_STR(cfg.metrics_listen, "");
	CHECK_EQ_STR(cfg.control_socket, "/run/dnsward/control.sock");
	CHECK_EQ_INT(cfg.control_mode, 0600);
	CHECK_EQ_INT(cfg.limits.verdict_cache, 65536);
	CHECK_EQ_INT(cfg.limits.rrset_cache, 10000);
	CHECK_EQ_INT(cfg.limits.rrset_cache_bytes, 4 << 20);
	CHECK_EQ_INT(cfg.limits.signature_cache, 4096);
	CHECK_EQ_INT(load_text("limits: {rrset_cache_bytes: 65536}\n"), 0);
	CHECK_EQ_INT(cfg.limits.rrset_cache_bytes, 65536);
	CHECK_EQ_INT(cfg.limits.punt_rate, CFG_PUNT_RATE_AUTO);
	CHECK_EQ_INT(cfg.limits.punt_burst, 400);
	CHECK_EQ_INT(cfg.limits.punt_dest_rate, 100);
	CHECK_EQ_INT(cfg.limits.punt_dest_burst, 200);
	CHECK_EQ_INT(load_text("limits: {punt_rate: auto, punt_dest_rate: 1000000, "
			       "punt_dest_burst: 1000000}\n"),
		     0);
	CHECK_EQ_INT(cfg.limits.punt_rate, CFG_PUNT_RATE_AUTO);
	CHECK_EQ_INT(cfg.limits.punt_dest_rate, 1000000);
	CHECK_EQ_INT(load_text("limits: {punt_rate: 300, punt_burst: 300}\n"), 0);
	CHECK_EQ_INT(cfg.limits.punt_rate, 300);
	CHECK_EQ_INT(cfg.limits.keys_per_tag, 4);
	CHECK_EQ_INT(cfg.limits.sigs_per_rrset, 8);
	CHECK_EQ_INT(cfg.limits.sigs_per_validation, 64);
	CHECK_EQ_INT(cfg.limits.nsec3_iterations, 100);
	CHECK_EQ_INT(cfg.limits.chain_depth, 16);
	CHECK_EQ_INT(cfg.limits.cname_chain, 8);
	CHECK_EQ_INT(cfg.limits.queries_per_validation, 32);
	CHECK_EQ_INT(cfg.limits.clock_skew, 300);
	CHECK_EQ_INT(cfg.limits.max_verdict_ttl, 3600);
	CHECK_EQ_INT(cfg.limits.negative_cache_ttl, 5);
	CHECK_EQ_INT(cfg.limits.heartbeat_timeout_ms, 3000);
	CHECK_EQ_STR(cfg.path, tmp_file);
}

static void test_every_key(void)
{
	static const char doc[] = "common: &z {mode: monitor, require: not-bogus}\n";
	char ip[INET6_ADDRSTRLEN];
	const struct sockaddr_in6 *a6;
	const struct sockaddr_in *a4;

	/* "common" is not a key: anchors must live inside known keys. */
	CHECK_EQ_INT(load_text(doc), -EINVAL);
	CHECK_EQ_INT(
	    load_text(
		"zones:\n"
		"  - name: a.test\n"
		"    mode: monitor\n"
		"    require: not-bogus\n"
		"    failure: closed\n"
		"    cname_targets_secure: false\n"
		"    probe: www.a.test\n"
		"  - {name: b.test, failure: open}\n"
		"trust_anchors:\n"
		"  - system\n"
		"  - file: /etc/dnsward/cluster.ds\n"
		"  - inline: |\n"
		"      ; the lab root\n"
		"      . 3600 IN DS 12345 13 2 ABCDEF\n"
		"negative_trust_anchors:\n"
		"  - {zone: broken.example, until: \"2099-12-01T02:00:00+02:00\", reason: "
		"\"TLD rollover\"}\n"
		"upstreams:\n"
		"  - {address: 192.0.2.53, transport: udp}\n"
		"  - {address: \"2001:db8::54\", transport: tls, tls_name: dns.example.net,\n"
		"     pins: [\"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"], timeout: "
		"1s500ms}\n"
		"  - {address: 192.0.2.55, port: 5353, transport: tcp}\n"
		"resolvers: [192.0.2.53, \"2001:db8::53\"]\n"
		"interfaces:\n"
		"  - {name: eth0, hook: xdp, xdp_mode: generic}\n"
		"  - {pattern: \"veth*\", hook: tc}\n"
		"  - {name: eth1, hook: tc, direction: ingress}\n"
		"limits:\n"
		"  verdict_cache: 4096\n"
		"  nsec3_iterations: 0\n"
		"  clock_skew: 1m\n"
		"  max_verdict_ttl: 2h\n"
		"  heartbeat_timeout: 1500ms\n"
		"dns_port: 5300\n"
		"pin_path: /sys/fs/bpf/dw-x\n"
		"events: {output: /var/log/dnsward.jsonl}\n"
		"metrics: {listen: \"[::1]:9553\"}\n"
		"control: {socket: /run/dw/c.sock, mode: \"0660\"}\n"),
	    0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK_EQ_INT(cfg.n_zones, 2);
	CHECK_EQ_INT(cfg.zones[0].mode, CFG_MODE_MONITOR);
	CHECK_EQ_INT(cfg.zones[0].require, CFG_REQUIRE_NOT_BOGUS);
	CHECK(!cfg.zones[0].cname_targets_secure);
	CHECK_EQ_STR(cfg.zones[0].probe, "www.a.test");
	CHECK_EQ_INT(cfg.zones[1].failure, CFG_FAIL_OPEN);
	CHECK_EQ_INT(cfg.n_anchors, 3);
	CHECK(cfg.anchors[0].system);
	CHECK_EQ_STR(cfg.anchors[1].file, "/etc/dnsward/cluster.ds");
	CHECK(strstr(cfg.anchors[2].inline_rr, ". 3600 IN DS 12345 13 2 ABCDEF") != NULL);
	CHECK_EQ_INT(cfg.n_ntas, 1);
	CHECK_EQ_STR(cfg.ntas[0].zone, "broken.example");
	CHECK_EQ_INT(cfg.ntas[0].until, 4099766400LL); /* 2099-12-01T00:00:00Z */
	CHECK_EQ_STR(cfg.ntas[0].reason, "TLD rollover");
	CHECK(!cfg.ntas[0].runtime);
	CHECK_EQ_INT(cfg.n_upstreams, 3);
	a4 = (const struct sockaddr_in *)&cfg.upstreams[0].addr;
	CHECK_EQ_INT(a4->sin_family, AF_INET);
	CHECK_EQ_INT(ntohs(a4->sin_port), 53);
	CHECK_EQ_INT(cfg.upstreams[0].timeout_ms, 2000);
	a6 = (const struct sockaddr_in6 *)&cfg.upstreams[1].addr;
	CHECK_EQ_INT(a6->sin6_family, AF_INET6);
	CHECK_EQ_INT(ntohs(a6->sin6_port), 853);
	inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
	CHECK_EQ_STR(ip, "2001:db8::54");
	CHECK_EQ_INT(cfg.upstreams[1].transport, CFG_TRANSPORT_TLS);
	CHECK_EQ_STR(cfg.upstreams[1].tls_name, "dns.example.net");
	CHECK_EQ_INT(cfg.upstreams[1].n_pins, 1);
	CHECK_EQ_INT(cfg.upstreams[1].timeout_ms, 1500);
	CHECK_EQ_INT(ntohs(((const struct sockaddr_in *)&cfg.upstreams[2].addr)->sin_port), 5353);
	CHECK_EQ_INT(cfg.upstreams[2].transport, CFG_TRANSPORT_TCP);
	CHECK_EQ_INT(cfg.n_resolvers, 2);
	CHECK_EQ_INT(cfg.resolvers[1].ss_family, AF_INET6);
	CHECK_EQ_INT(cfg.n_ifaces, 3);
	CHECK_EQ_INT(cfg.ifaces[0].xdp_mode, CFG_XDP_GENERIC);
	CHECK_EQ_STR(cfg.ifaces[1].pattern, "veth*");
	CHECK_EQ_INT(cfg.ifaces[1].hook, CFG_HOOK_TC);
	CHECK_EQ_INT(cfg.ifaces[1].direction, CFG_DIR_EGRESS); /* tc default */
	CHECK_EQ_INT(cfg.ifaces[2].direction, CFG_DIR_INGRESS);
	CHECK_EQ_INT(cfg.limits.verdict_cache, 4096);
	CHECK_EQ_INT(cfg.limits.nsec3_iterations, 0);
	CHECK_EQ_INT(cfg.limits.clock_skew, 60);
	CHECK_EQ_INT(cfg.limits.max_verdict_ttl, 7200);
	CHECK_EQ_INT(cfg.limits.heartbeat_timeout_ms, 1500);
	CHECK_EQ_INT(cfg.limits.keys_per_tag, 4); /* untouched default */
	CHECK_EQ_INT(cfg.dns_port, 5300);
	CHECK_EQ_STR(cfg.pin_path, "/sys/fs/bpf/dw-x");
	CHECK_EQ_STR(cfg.events_output, "/var/log/dnsward.jsonl");
	CHECK_EQ_STR(cfg.metrics_listen, "[::1]:9553");
	CHECK_EQ_STR(cfg.control_socket, "/run/dw/c.sock");
	CHECK_EQ_INT(cfg.control_mode, 0660);
}

/* YAML anchors and aliases share settings between zones. */
static void test_yaml_aliases(void)
{
	CHECK_EQ_INT(load_text("zones:\n"
			       "  - name: a.test\n"
			       "    mode: &m monitor\n"
			       "  - {name: b.test, mode: *m}\n"),
		     0);
	CHECK_EQ_INT(cfg.zones[1].mode, CFG_MODE_MONITOR);
}

static void test_find_zone(void)
{
	CHECK_EQ_INT(load_text("zones:\n  - name: test\n  - name: idp.test\n  - name: "
			       "a.b.idp.test\n"),
		     0);
	CHECK_EQ_STR(config_find_zone(&cfg, "www.IDP.test.")->name, "idp.test");
	CHECK_EQ_STR(config_find_zone(&cfg, "idp.test")->name, "idp.test");
	CHECK_EQ_STR(config_find_zone(&cfg, "x.a.b.idp.test")->name, "a.b.idp.test");
	CHECK_EQ_STR(config_find_zone(&cfg, "b.idp.test")->name, "idp.test");
	/* Label boundary: xidp.test is not in idp.test, only in test. */
	CHECK_EQ_STR(config_find_zone(&cfg, "xidp.test")->name, "test");
	CHECK(config_find_zone(&cfg, "example.com") == NULL);
	CHECK(config_find_zone(&cfg, "bad..name") == NULL);
	CHECK(config_find_zone(&cfg, "atest") == NULL);
}

static void test_durations_and_times(void)
{
	uint64_t ms = 1;
	time_t t;

	CHECK_EQ_INT(config_parse_duration("0", &ms), 0);
	CHECK_EQ_INT(ms, 0);
	CHECK_EQ_INT(config_parse_duration("2h", &ms), 0);
	CHECK_EQ_INT(ms, 7200000);
	CHECK_EQ_INT(config_parse_duration("1h30m", &ms), 0);
	CHECK_EQ_INT(ms, 5400000);
	CHECK_EQ_INT(config_parse_duration("250ms", &ms), 0);
	CHECK_EQ_INT(ms, 250);
	CHECK(config_parse_duration("10", &ms) != 0);
	CHECK(config_parse_duration("h", &ms) != 0);
	CHECK(config_parse_duration("5x", &ms) != 0);
	CHECK(config_parse_duration("999999999999d", &ms) != 0);
	CHECK_EQ_INT(config_parse_time("1970-01-01T00:00:10Z", &t), 0);
	CHECK_EQ_INT(t, 10);
	CHECK_EQ_INT(config_parse_time("1970-01-01T01:00:10+01:00", &t), 0);
	CHECK_EQ_INT(t, 10);
	CHECK(config_parse_time("2026-13-01T00:00:00Z", &t) != 0);
	CHECK(config_parse_time("2026-12-01 00:00:00", &t) != 0);
}

static void test_examples_parse(void)
{
	static const char *const files[] = {"examples/bastion.yaml", "examples/ci-runner.yaml",
					    "examples/node.yaml", "examples/lab.yaml"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		int ret = config_load(files[i], &cfg, err, sizeof(err));

		if (ret)
			fprintf(stderr, "  %s: %s\n", files[i], err);
		CHECK_EQ_INT(ret, 0);
		CHECK(cfg.n_zones > 0);
	}
	CHECK_EQ_INT(config_load("examples/lab.yaml", &cfg, err, sizeof(err)), 0);
	CHECK_EQ_STR(cfg.pin_path, "/sys/fs/bpf/dnsward-lab");
	CHECK_EQ_STR(cfg.control_socket, "/run/dnsward-lab/control.sock");
	CHECK(config_find_zone(&cfg, "www.nsec3.test") != NULL);
}

int main(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/dw-test-config-XXXXXX");
	if (!mkdtemp(tmp_dir))
		return 1;
	snprintf(tmp_file, sizeof(tmp_file), "%s/c.yaml", tmp_dir);
	RUN_TEST(test_error_messages);
	RUN_TEST(test_schema_errors);
	RUN_TEST(test_generated_errors);
	RUN_TEST(test_missing_file);
	RUN_TEST(test_defaults);
	RUN_TEST(test_every_key);
	RUN_TEST(test_defaults_from_tables);
	RUN_TEST(test_range_ends);
	RUN_TEST(test_ports_and_encdns);
	RUN_TEST(test_yaml_aliases);
	RUN_TEST(test_find_zone);
	RUN_TEST(test_durations_and_times);
	RUN_TEST(test_examples_parse);
	unlink(tmp_file);
	rmdir(tmp_dir);
	HARNESS_EXIT();
}
