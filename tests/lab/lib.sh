# shellcheck shell=bash
# tests/lab/lib.sh: names, addresses and helpers shared by the lab scripts
# (up, down, resolver, mkzones, test_lab.sh). Sourced, never run.
# Every address is from a documentation range; nothing here touches the root
# namespace's links or routes.

LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${DW_LAB_DIR:-/run/dnsward-lab}
LAB_ENV=$LAB_DIR/env
# Scripts needing dnspython must use Debian's interpreter, not the python3 on PATH.
LAB_PY=/usr/bin/python3

NS_WORKLOAD=dw-workload
NS_NODE=dw-node
NS_LAN=dw-lan
NS_RESOLVER=dw-resolver
NS_AUTH=dw-auth
NS_ATTACKER=dw-attacker
LAB_NAMESPACES=("$NS_WORKLOAD" "$NS_NODE" "$NS_LAN" "$NS_RESOLVER" "$NS_AUTH" "$NS_ATTACKER")

WORKLOAD_IP4=192.0.2.2 WORKLOAD_IP6=2001:db8:1::2
NODE_WL_IF=wl0 NODE_WL_IP4=192.0.2.1 NODE_WL_IP6=2001:db8:1::1
NODE_UP_IF=up0 NODE_UP_IP4=198.51.100.1 NODE_UP_IP6=2001:db8:2::1
RESOLVER_IP4=198.51.100.53 RESOLVER_IP6=2001:db8:2::53
UPSTREAM_IP4=198.51.100.54 UPSTREAM_IP6=2001:db8:2::54
ATTACKER_IP4=198.51.100.66 ATTACKER_IP6=2001:db8:2::66
# The resolver's side of the link toward the authoritative namespace.
RESOLVER_AUTH_IP4=203.0.113.1 RESOLVER_AUTH_IP6=2001:db8:3::1
# One NSD serves every zone on all three; delegations use one address per level.
AUTH_ROOT_IP4=203.0.113.10 AUTH_ROOT_IP6=2001:db8:3::10
AUTH_TLD_IP4=203.0.113.11 AUTH_TLD_IP6=2001:db8:3::11
AUTH_CHILD_IP4=203.0.113.12 AUTH_CHILD_IP6=2001:db8:3::12

# R1's backend when a proxy (stripping or --delay) stands in front of it.
R1_BACKEND_IP=127.0.0.1 R1_BACKEND_PORT=5353

# Lab scripts serialise on one lock. A suite that uses the lab calls lab_lock
# once; the scripts it runs see DW_LAB_LOCKED=1 and do not lock again.
# The namespace names are global to the machine, so the lock is too: every
# checkout (a CI clone, a developer's copy) serialises on the same file.
LAB_LOCK_FD=207
LAB_LOCK_FILE=${DW_LAB_LOCK_FILE:-/run/dnsward-lab.lock}
lab_lock() {
	[ "${DW_LAB_LOCKED:-0}" = 1 ] && return 0
	eval "exec $LAB_LOCK_FD>>\"\$LAB_LOCK_FILE\""
	if ! flock -w "${1:-600}" "$LAB_LOCK_FD"; then
		echo "lab: another lab user holds the lock $LAB_LOCK_FILE" >&2
		return 1
	fi
	export DW_LAB_LOCKED=1
}

lab_log() { echo "lab: $*" >&2; }
lab_die() {
	echo "lab: error: $*" >&2
	exit 1
}

nsx() { ip netns exec "$@"; }

# lab_spawn CMD...: run CMD with every inherited descriptor above 2 closed.
# Daemons must not keep a lock a caller holds (flock(1) runs its command with
# the locked descriptor open, so a daemon would hold the lab lock forever).
lab_spawn() {
	local f n
	for f in /proc/$BASHPID/fd/*; do
		n=${f##*/}
		[ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-"
	done
	exec "$@"
}

lab_ns_exists() { [ -e "/run/netns/$1" ]; }

# lab_pid_alive PIDFILE NAME: the pid in PIDFILE runs and its command is NAME
# or starts with NAME (guards against a recycled pid).
lab_pid_alive() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(tr -dc 0-9 <"$1")
	[ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
	# NSD retitles itself ("nsd: main"), so match the command's prefix.
	[[ "$(cat "/proc/$pid/comm")" == "$2"* ]]
}

# lab_stop PIDFILE NAME: TERM, wait up to 3 s, then KILL; only that pid.
lab_stop() {
	local pid i
	lab_pid_alive "$1" "$2" || {
		rm -f "$1"
		return 0
	}
	pid=$(tr -dc 0-9 <"$1")
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 30; i++)); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	[ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -f "$1"
}

# lab_wait_dns NS SERVER NAME TYPE [TRIES]: poll until SERVER answers (any rcode
# but a timeout), 0.2 s apart.
lab_wait_dns() {
	local i tries=${5:-75}
	for ((i = 0; i < tries; i++)); do
		if nsx "$1" dig +tries=1 +time=1 @"$2" "$3" "$4" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# lab_unbound_conf DIR MODULES LISTEN... : write DIR/unbound.conf for an
# Unbound that iterates from the private root. MODULES is "iterator" or
# "validator iterator"; LISTEN entries are IP or IP@PORT.
lab_unbound_conf() {
	local dir=$1 modules=$2 a
	shift 2
	mkdir -p "$dir"
	{
		echo "server:"
		for a in "$@"; do echo "	interface: $a"; done
		cat <<EOC
	interface-automatic: no
	port: 53
	do-ip4: yes
	do-ip6: yes
	do-udp: yes
	do-tcp: yes
	access-control: 0.0.0.0/0 allow
	access-control: ::/0 allow
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	logfile: "$dir/unbound.log"
	use-syslog: no
	verbosity: 1
	val-log-level: 2
	log-servfail: yes
	num-threads: 1
	so-reuseport: no
	outgoing-range: 128
	num-queries-per-thread: 64
	msg-cache-size: 4m
	rrset-cache-size: 8m
	key-cache-size: 4m
	neg-cache-size: 1m
	root-hints: "$LAB_DIR/auth/root.hints"
	local-zone: "test." nodefault
	trust-anchor-signaling: no
	qname-minimisation: yes
	module-config: "$modules"
EOC
		if [ "$modules" != iterator ]; then
			echo "	trust-anchor-file: \"$LAB_DIR/auth/anchor.unbound\""
		fi
		printf 'remote-control:\n\tcontrol-enable: no\n'
	} >"$dir/unbound.conf"
}

# lab_start_unbound DIR: start the Unbound configured in DIR inside the
# resolver namespace, in its own session so a test runner's timeout does not
# take it down; its pid goes to DIR/pid.
lab_start_unbound() {
	unbound-checkconf "$1/unbound.conf" >/dev/null || lab_die "bad unbound config $1/unbound.conf"
	(lab_spawn setsid ip netns exec "$NS_RESOLVER" unbound -d -c "$1/unbound.conf") \
		</dev/null >>"$1/stderr.log" 2>&1 &
	echo $! >"$1/pid"
}

# lab_start_r1 MODE DELAY_MS: R1 (the workload's resolver) in MODE. With
# stripping or a delay, Unbound listens on loopback and proxy.py answers on
# R1's addresses, forwarding byte for byte (and stripping DNSSEC records).
lab_start_r1() {
	local mode=$1 delay=${2:-0} dir=$LAB_DIR/r1 modules=iterator
	[ "$mode" = validating ] && modules="validator iterator"
	case $mode in validating | nonvalidating | stripping) ;; *) lab_die "unknown resolver mode '$mode'" ;; esac
	[[ $delay =~ ^[0-9]+$ ]] || lab_die "bad delay '$delay'"
	mkdir -p "$dir"
	if [ "$mode" = stripping ] || [ "$delay" -gt 0 ]; then
		lab_unbound_conf "$dir" "$modules" "$R1_BACKEND_IP@$R1_BACKEND_PORT"
		lab_start_unbound "$dir"
		local args=(--listen "$RESOLVER_IP4" --listen "$RESOLVER_IP6"
			--backend "$R1_BACKEND_IP" --backend-port "$R1_BACKEND_PORT" --delay-ms "$delay")
		[ "$mode" = stripping ] && args+=(--strip)
		(lab_spawn setsid ip netns exec "$NS_RESOLVER" "$LAB_PY" "$LAB_HOME/py/proxy.py" "${args[@]}") \
			</dev/null >>"$dir/proxy.log" 2>&1 &
		echo $! >"$dir/proxy.pid"
	else
		lab_unbound_conf "$dir" "$modules" "$RESOLVER_IP4" "$RESOLVER_IP6"
		lab_start_unbound "$dir"
	fi
	echo "$mode $delay" >"$dir/mode"
}

lab_stop_r1() {
	lab_stop "$LAB_DIR/r1/proxy.pid" python3
	lab_stop "$LAB_DIR/r1/pid" unbound
}

# lab_wait_r1 [DELAY_MS]: R1 resolves a secure name (in any mode).
lab_wait_r1() {
	local i t=$((${1:-0} / 1000 + 1))
	for ((i = 0; i < 75; i++)); do
		if nsx "$NS_WORKLOAD" dig +tries=1 +time=$t @"$RESOLVER_IP4" idp.test A 2>/dev/null | grep -q 'status: NOERROR'; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# lab_write_env: the environment file other suites source.
lab_write_env() {
	local mode delay v
	read -r mode delay <"$LAB_DIR/r1/mode"
	{
		echo "# dnsward lab environment (written by tests/lab/up; source it)"
		for v in LAB_DIR LAB_HOME NS_WORKLOAD NS_NODE NS_LAN NS_RESOLVER NS_AUTH NS_ATTACKER \
			WORKLOAD_IP4 WORKLOAD_IP6 NODE_WL_IF NODE_WL_IP4 NODE_WL_IP6 \
			NODE_UP_IF NODE_UP_IP4 NODE_UP_IP6 RESOLVER_IP4 RESOLVER_IP6 \
			UPSTREAM_IP4 UPSTREAM_IP6 ATTACKER_IP4 ATTACKER_IP6 \
			RESOLVER_AUTH_IP4 RESOLVER_AUTH_IP6 AUTH_ROOT_IP4 AUTH_ROOT_IP6 \
			AUTH_TLD_IP4 AUTH_TLD_IP6 AUTH_CHILD_IP4 AUTH_CHILD_IP6; do
			printf '%s=%q\n' "$v" "${!v}"
		done
		echo "ANCHOR_FILE=$LAB_DIR/auth/anchor.ds"
		echo "ANCHOR_UNBOUND=$LAB_DIR/auth/anchor.unbound"
		echo "ANCHOR_BIND=$LAB_DIR/auth/anchor.bind"
		echo "R1_MODE=$mode"
		echo "R1_DELAY_MS=$delay"
		echo "export LAB_DIR ANCHOR_FILE ANCHOR_UNBOUND ANCHOR_BIND"
	} >"$LAB_ENV.tmp"
	mv "$LAB_ENV.tmp" "$LAB_ENV"
}

# lab_is_up: every namespace exists and every daemon runs.
lab_is_up() {
	local ns
	[ -s "$LAB_ENV" ] || return 1
	for ns in "${LAB_NAMESPACES[@]}"; do lab_ns_exists "$ns" || return 1; done
	lab_pid_alive "$LAB_DIR/auth/nsd.pid" nsd &&
		lab_pid_alive "$LAB_DIR/r2/pid" unbound &&
		lab_pid_alive "$LAB_DIR/r1/pid" unbound || return 1
	# R1 behind the proxy (stripping or delayed) needs the proxy too.
	[ ! -e "$LAB_DIR/r1/proxy.pid" ] || lab_pid_alive "$LAB_DIR/r1/proxy.pid" python3
}
