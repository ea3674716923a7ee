# shellcheck shell=bash
# tests/e2e/daemon_lib.sh: helpers for the daemon's end-to-end suites. A suite
# sources tests/lib.sh and this file, calls dw_lab_up, writes a config with
# dw_config, starts the daemon with dw_start and checks what the workload
# sees. dw_cleanup (on EXIT) stops the daemon, removes the pins, takes the lab
# down. The daemon runs in dw-node's network namespace through nsenter, which
# keeps the host's mount namespace, so pins live on the real bpffs.
. "$ROOT/tests/lab/lib.sh"

DW_TMP=$(mktemp -d /tmp/dnsward-e2e.XXXXXX)
DW_PIN=/sys/fs/bpf/dnsward-test-$$
DW_PID=
DW_LOG=$DW_TMP/daemon.log
DW_EVENTS=$DW_TMP/events.jsonl
DW_METRICS_PORT=$((19000 + $$ % 1000))

dw_cleanup() {
	dw_stop
	# A daemon killed with -9 leaves its programs attached and pinned: remove them.
	if [ -d "$DW_PIN" ]; then
		rm -rf "$DW_PIN"
	fi
	"$LAB_HOME/down" >/dev/null 2>&1
	rm -rf "$DW_TMP"
}

# dw_lab_up [up options]: lock the lab for this suite and bring it up.
dw_lab_up() {
	[ "$(id -u)" = 0 ] || { skip lab "needs root"; finish; }
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	lab_lock 900 || { fail lab_lock "lab busy"; finish; }
	trap dw_cleanup EXIT
	if ! "$LAB_HOME/up" "$@" >"$DW_TMP/up.log" 2>&1; then
		fail lab_up "$(tail -n 3 "$DW_TMP/up.log")"
		finish
	fi
	# shellcheck disable=SC1090
	. "$("$LAB_HOME/env")"
}

# dw_config FILE HOOKSPEC ZONELINES: a config for the lab. HOOKSPEC is the
# YAML of one interface entry, ZONELINES the YAML of the zones list items.
dw_config() {
	local file=$1 iface=$2 zones=$3
	cat >"$file" <<EOT
zones:
$zones
trust_anchors:
  - file: $ANCHOR_FILE
upstreams:
  - {address: $UPSTREAM_IP4, transport: udp, timeout: 1s}
interfaces:
  - $iface
limits:
  heartbeat_timeout: 2s
  negative_cache_ttl: 2s
pin_path: $DW_PIN
events: {output: $DW_EVENTS}
metrics: {listen: "127.0.0.1:$DW_METRICS_PORT"}
control: {socket: $DW_TMP/control.sock, mode: "0600"}
EOT
}

# dw_start CONFIG [run options]: start the daemon, wait (bounded) until it
# runs. On failure DW_START_ERR says why (the daemon's last lines) and the
# log's tail goes to stderr.
DW_START_ERR=
dw_start() {
	local cfg=$1 i
	shift
	: >"$DW_LOG"
	DW_START_ERR=
	nsenter --net=/run/netns/"$NS_NODE" "$DNSWARD" run --config "$cfg" "$@" >>"$DW_LOG" 2>&1 &
	DW_PID=$!
	for i in $(seq 1 200); do
		grep -q 'running:' "$DW_LOG" && return 0
		kill -0 "$DW_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DW_PID" 2>/dev/null; then
		DW_START_ERR="not running after 20 s: "
	else
		DW_START_ERR="exited: "
	fi
	DW_START_ERR+=$(tail -n 3 "$DW_LOG" | tr '\n' ' ')
	echo "daemon did not start:" >&2
	tail -n 20 "$DW_LOG" >&2
	return 1
}

# dw_setup_start CONFIG [run options]: dw_start as a suite's setup, which is
# no test of its own: nothing is printed when the daemon runs; when it does
# not, one FAIL line with the reason, and the suite ends.
dw_setup_start() {
	dw_start "$@" && return 0
	fail daemon_start "$DW_START_ERR"
	finish
}

# dw_stop [SIGNAL]: stop the daemon we started (by PID), wait for it.
dw_stop() {
	local sig=${1:-TERM} i
	[ -n "$DW_PID" ] || return 0
	kill -"$sig" "$DW_PID" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$DW_PID" 2>/dev/null || break
		sleep 0.1
	done
	{ wait "$DW_PID"; } 2>/dev/null
	DW_PID=
}

# dw_stat NAME: one daemon or data-plane counter, as `dnsward stats` names it
# (over the control socket). A busy daemon may miss one request: retry
# (bounded) rather than read a 0.
dw_stat() {
	local body i
	for i in 1 2 3 4 5; do
		body=$("$DNSWARD" stats --socket "$DW_TMP/control.sock" 2>/dev/null) &&
			[ -n "$body" ] && break
		sleep 0.2
	done
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' <<<"$body"
}

# dw_scrape: the metrics endpoint's whole answer (bounded retries), or nothing.
dw_scrape() {
	local body i
	for i in 1 2 3 4 5; do
		body=$(ip netns exec "$NS_NODE" curl -sf --max-time 2 "http://127.0.0.1:$DW_METRICS_PORT/metrics") &&
			[ -n "$body" ] && break
		sleep 0.2
	done
	printf '%s\n' "$body"
}

# dw_dig [dig args]: the workload asks R1 once (short timeout, no retries).
dw_dig() {
	ip netns exec "$NS_WORKLOAD" dig +tries=1 +time=2 @"$RESOLVER_IP4" "$@"
}

# dw_answer NAME TYPE [dig args]: the answer section as sorted "name type rdata" lines, or TIMEOUT.
dw_answer() {
	local out
	out=$(dw_dig "$@" +noall +answer +comments) || { echo TIMEOUT; return; }
	grep -q 'status:' <<<"$out" || { echo TIMEOUT; return; }
	grep -v '^;' <<<"$out" | awk 'NF >= 5 { $2 = ""; print }' | sort
}

# dw_auth_answer NAME TYPE: the same from the authoritative server, directly.
dw_auth_answer() {
	ip netns exec "$NS_RESOLVER" dig +tries=1 +time=2 +norec @"$AUTH_CHILD_IP4" "$@" \
		+noall +answer | awk 'NF >= 5 { $2 = ""; print }' | sort
}

# dw_wait_event PATTERN: wait (bounded) for an event line matching an extended regex.
dw_wait_event() {
	local i
	for i in $(seq 1 50); do
		grep -Eq "$1" "$DW_EVENTS" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}


# query_race QUERY-ARGS... -- SEND...: the workload's stub query (tests/lab/query with
# QUERY-ARGS) from a random ID and port, RACE_ID and RACE_SPORT; once it is out, SEND
# runs (a command or function that reads them). Prints what the stub accepted; SEND's
# output is in $DW_TMP/f.out.
query_race() {
	local qargs=() i qpid
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		qargs+=("$1")
		shift
	done
	shift
	RACE_ID=$((RANDOM % 60000 + 1)) RACE_SPORT=$((RANDOM % 20000 + 40000))
	"$LAB_HOME/query" "${qargs[@]}" --id $RACE_ID --sport $RACE_SPORT --timeout 6 \
		>"$DW_TMP/q.out" 2>&1 &
	qpid=$!
	for i in $(seq 1 50); do
		grep -q '^; sent' "$DW_TMP/q.out" && break
		sleep 0.1
	done
	"$@" >"$DW_TMP/f.out" 2>&1
	wait $qpid
	cat "$DW_TMP/q.out"
}

# forged_race NAME TYPE [--ipv6] FORGE-ARGS...: R1 answers 1.5 s late; the attacker,
# matching ID and port, answers at once. --ipv6 goes to both sides. Prints what the
# workload accepted.
forged_race() {
	local name=$1 type=$2 six=()
	shift 2
	[ "${1:-}" = --ipv6 ] && six=(--ipv6)
	forged_send() {
		"$LAB_HOME/forge" --qname "$name" --qtype "$type" --id $RACE_ID --dport $RACE_SPORT "$@"
	}
	query_race "${six[@]}" "$name" "$type" -- forged_send "$@"
}
