#!/usr/bin/env bash
# DNS over TLS for the validator's own queries, end to end against real
# servers: a zone signed with ldns-signzone at test time, served by NSD behind
# a non-validating Unbound that serves DoT (port 853) with a self-signed
# certificate made by openssl at test time, all inside a private network
# namespace (192.0.2.0/24). `dnsward check` with the zone's DS as its only
# trust anchor proves the whole DoT path when it says SECURE; pins and names
# that do not fit must be refused with a precise reason and an INDETERMINATE
# outcome (the truth was not obtained), never BOGUS.
. "$(dirname "$0")/../lib.sh"

# The sanitizer build when there is one: the TLS paths run under ASan/UBSan too.
[ -x "$BUILD/dnsward-san" ] && [ -z "${DNSWARD_PLAIN:-}" ] && DNSWARD=$BUILD/dnsward-san

[ "$(id -u)" = 0 ] || { skip dot "needs root for network namespaces"; finish; }
for b in nsd unbound openssl ldns-keygen ldns-signzone dig; do
	command -v "$b" >/dev/null || { skip dot "$b not installed"; finish; }
done

NS=dw-dot-$$
DOT_IP=192.0.2.1   # Unbound: DoT on 853
AUTH_IP=192.0.2.2  # NSD
STALL_IP=192.0.2.3 # accepts TCP, never speaks TLS
DOT2_IP=192.0.2.4  # the same Unbound, a second address
TLS_NAME=dot.example.net
D=$(mktemp -d /tmp/dw-dot.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	# Whatever is still inside this test's own namespace was started by it
	# (a daemon's children, a process a killed run left behind).
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

nsx() { ip netns exec "$NS" "$@"; }

# --- network -------------------------------------------------------------------
ip netns add "$NS" || { fail dot_netns "cannot create $NS"; finish; }
nsx ip link set lo up
for a in "$DOT_IP" "$AUTH_IP" "$STALL_IP" "$DOT2_IP"; do nsx ip addr add "$a/32" dev lo; done

# --- the signed zone -------------------------------------------------------------
cat >"$D/dot.test.zone" <<EOF
\$ORIGIN dot.test.
\$TTL 300
@	SOA ns.dot.test. hostmaster.dot.test. 1 7200 3600 86400 300
@	NS ns
ns	A $AUTH_IP
www	A 192.0.2.80
EOF
if ! key=$(cd "$D" && ldns-keygen -a ECDSAP256SHA256 -k dot.test 2>"$D/keygen.log") ||
	! (cd "$D" && ldns-signzone dot.test.zone "$key" 2>"$D/sign.log"); then
	fail dot_zone "zone signing failed: $(cat "$D/keygen.log" "$D/sign.log")"
	finish
fi
ANCHOR=$D/$key.ds

# --- certificates: the server's, and an unrelated key for a wrong pin --------------
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=$TLS_NAME" -addext "subjectAltName=DNS:$TLS_NAME" \
	-keyout "$D/srv.key" -out "$D/srv.pem" 2>"$D/openssl.log" ||
	! openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$D/other.key" 2>>"$D/openssl.log"; then
	fail dot_cert "openssl: $(tail -3 "$D/openssl.log")"
	finish
fi
PIN=sha256/$(openssl x509 -in "$D/srv.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
WRONG_PIN=sha256/$(openssl pkey -in "$D/other.key" -pubout -outform der |
	openssl dgst -sha256 -binary | base64)

# --- NSD (authoritative) and Unbound (DoT front) ----------------------------------
mkdir -p "$D/xfr"
cat >"$D/nsd.conf" <<EOF
server:
	ip-address: $AUTH_IP
	port: 53
	server-count: 1
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$D"
	pidfile: "$D/nsd.pid"
	xfrdfile: "$D/xfrd.state"
	zonelistfile: "$D/zone.list"
	xfrdir: "$D/xfr"
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: dot.test
	zonefile: "$D/dot.test.zone.signed"
EOF
cat >"$D/unbound.conf" <<EOF
server:
	interface: $DOT_IP@853
	interface: $DOT2_IP@853
	interface-automatic: no
	tls-port: 853
	tls-service-key: "$D/srv.key"
	tls-service-pem: "$D/srv.pem"
	do-ip6: no
	access-control: 192.0.2.0/24 allow
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$D"
	pidfile: "$D/unbound.pid"
	logfile: "$D/unbound.log"
	use-syslog: no
	num-threads: 1
	so-reuseport: no
	module-config: "iterator"
	local-zone: "test." nodefault
	trust-anchor-signaling: no
stub-zone:
	name: "dot.test"
	stub-addr: $AUTH_IP
remote-control:
	control-enable: no
EOF
nsx nsd -d -c "$D/nsd.conf" </dev/null >"$D/nsd.out" 2>&1 &
PIDS+=($!)
nsx unbound -d -c "$D/unbound.conf" </dev/null >"$D/unbound.out" 2>&1 &
PIDS+=($!)
nsx /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind((sys.argv[1], 853))
s.listen(8)
time.sleep(120)' "$STALL_IP" </dev/null >/dev/null 2>&1 &
PIDS+=($!)

up=0
for _ in $(seq 50); do
	if nsx dig +tls +tries=1 +time=1 -p 853 @"$DOT_IP" www.dot.test A 2>/dev/null |
		grep -q 'status: NOERROR'; then
		up=1
		break
	fi
	sleep 0.2
done
if [ "$up" != 1 ]; then
	fail dot_servers_up "no DoT answer from Unbound: $(tail -3 "$D/unbound.log" "$D/unbound.out" "$D/nsd.out" 2>/dev/null)"
	finish
fi

# conf NAME UPSTREAM-FLOW-MAPPING: a config with the zone's DS as the only anchor.
conf() {
	cat >"$D/$1.yaml" <<EOF
trust_anchors:
  - file: $ANCHOR
upstreams:
  - $2
EOF
	echo "$D/$1.yaml"
}

# run_check CONFIG [ENV...]: sets RC and OUT (stdout and stderr together).
run_check() {
	local cfg=$1
	shift
	OUT=$(nsx env -u SSL_CERT_FILE -u SSL_CERT_DIR "$@" timeout 30 "$DNSWARD" check www.dot.test A \
		--config "$cfg" 2>&1)
	RC=$?
}

# expect NAME WANT-RC REGEX: the last run's exit code and output.
expect() {
	if [ "$RC" = "$2" ] && grep -Eq -- "$3" <<<"$OUT"; then
		pass "$1"
	else
		fail "$1" "exit $RC (want $2): $(tr '\n' ' ' <<<"$OUT" | tail -c 400)"
	fi
}

# The right pin: the answer comes over DoT and DNSSEC proves it.
run_check "$(conf pin_ok "{address: $DOT_IP, transport: tls, tls_name: $TLS_NAME, pins: [\"$PIN\"]}")"
expect dot_pin_secure 0 'www.dot.test/A: secure'

# A pin list where the server's key is the backup pin works too.
run_check "$(conf pin_backup "{address: $DOT_IP, transport: tls, pins: [\"$WRONG_PIN\", \"$PIN\"]}")"
expect dot_backup_pin_secure 0 'www.dot.test/A: secure'

# One connection carries every query of a check (DNSKEY, then A): it is kept.
if command -v strace >/dev/null; then
	nsx strace -f -qq -e trace=connect -o "$D/strace.log" "$BUILD/dnsward" check www.dot.test A \
		--config "$D/pin_ok.yaml" >"$D/reuse.out" 2>&1
	rc=$?
	conns=$(grep -c 'htons(853)' "$D/strace.log")
	links=$(grep -c 'secure (' "$D/reuse.out")
	if [ "$rc" = 0 ] && [ "$links" -ge 2 ] && [ "$conns" = 1 ]; then
		pass dot_connection_reused
	else
		fail dot_connection_reused "exit $rc, $links validated links over $conns TLS connections"
	fi
else
	skip dot_connection_reused "strace not installed"
fi

# A wrong pin: refused, naming the key the server showed; nothing is believed.
run_check "$(conf pin_bad "{address: $DOT_IP, transport: tls, tls_name: $TLS_NAME, pins: [\"$WRONG_PIN\"]}")"
expect dot_wrong_pin_indeterminate 3 "upstream $DOT_IP:853 .*pin mismatch: got ${PIN//+/\\+}"
if grep -q 'www.dot.test/A: indeterminate' <<<"$OUT" && ! grep -qi bogus <<<"$OUT"; then
	pass dot_wrong_pin_not_bogus
else
	fail dot_wrong_pin_not_bogus "$(tail -1 <<<"$OUT")"
fi

# No pins: the CA store decides, then the name. The test CA is the server's
# own certificate, handed to OpenSSL through SSL_CERT_FILE.
NAME_UP="{address: $DOT_IP, transport: tls, tls_name: $TLS_NAME}"
run_check "$(conf name_ok "$NAME_UP")" SSL_CERT_FILE="$D/srv.pem"
expect dot_name_secure 0 'www.dot.test/A: secure'

run_check "$(conf name_bad "{address: $DOT_IP, transport: tls, tls_name: wrong.example.net}")" \
	SSL_CERT_FILE="$D/srv.pem"
expect dot_wrong_name_refused 3 "upstream $DOT_IP:853 .*handshake failed: certificate verify failed \(hostname mismatch\)"

# The system store does not trust a certificate made a minute ago.
run_check "$(conf name_sys "$NAME_UP")"
expect dot_untrusted_ca_refused 3 "handshake failed: certificate verify failed \(self[- ]signed certificate\)"

# A server that accepts TCP but never answers the handshake: a timeout.
run_check "$(conf stall "{address: $STALL_IP, transport: tls, pins: [\"$PIN\"], timeout: 300ms}")"
expect dot_handshake_timeout 3 "upstream $STALL_IP:853 .*timeout during handshake"

# A refused DoT primary falls through to a backup that is trusted.
cat >"$D/backup.yaml" <<EOF
trust_anchors:
  - file: $ANCHOR
upstreams:
  - {address: $DOT2_IP, transport: tls, pins: ["$WRONG_PIN"]}
  - {address: $DOT_IP, port: 853, transport: tls, tls_name: $TLS_NAME, pins: ["$PIN"], timeout: 3s}
EOF
run_check "$D/backup.yaml"
expect dot_backup_upstream_secure 0 'www.dot.test/A: secure'
if grep -q "upstream $DOT2_IP:853 .*pin mismatch" <<<"$OUT"; then
	pass dot_backup_primary_refused
else
	fail dot_backup_primary_refused "no pin mismatch logged for the primary: $(head -3 <<<"$OUT")"
fi

finish
