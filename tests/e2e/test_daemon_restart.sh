#!/usr/bin/env bash
# kill -9 and restart: the pinned program keeps enforcing cached verdicts,
# misses follow the failure mode once the heartbeat is stale, and a restart
# reuses the pins (same maps, same digest key) so cached answers pass at once,
# without a new punt. SIGTERM then detaches and removes every pin.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/r.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test, failure: closed}"
dw_setup_start "$DW_TMP/r.yaml"
want=$(dw_auth_answer www.idp.test A)
got=$(dw_answer www.idp.test A)
# Every thread (loop and validation workers) keeps only CAP_NET_ADMIN,
# CAP_NET_RAW, CAP_SYS_ADMIN and CAP_BPF: capabilities are per thread.
caps=$(cat /proc/"$DW_PID"/task/*/status | awk '/^CapEff/ {print $2}' | sort -u)
nthreads=$(ls /proc/"$DW_PID"/task | wc -l)
[ "$caps" = 0000008000203000 ] && [ "$nthreads" -gt 1 ] && pass every_thread_drops_capabilities ||
	fail every_thread_drops_capabilities "threads=$nthreads CapEff: $(echo $caps)"
[ "$got" = "$want" ] && pass cached_before_kill || fail cached_before_kill "got '$got'"

dw_stop KILL
sleep 0.2
got=$(dw_answer www.idp.test A)
[ "$got" = "$want" ] && pass cached_verdict_passes_after_kill9 ||
	fail cached_verdict_passes_after_kill9 "got '$got'"
sleep 2.5 # past heartbeat_timeout (2s)
got=$(dw_answer ldap.idp.test A)
[ "$got" = TIMEOUT ] && pass miss_fails_closed_after_kill9 || fail miss_fails_closed_after_kill9 "got '$got'"
[ -e "$DW_PIN/dnsward_verdicts" ] && pass pins_survive_kill9 || fail pins_survive_kill9 "no pins"

dw_start "$DW_TMP/r.yaml" || { fail restart "$DW_START_ERR"; finish; }
grep -q 'maps reused' "$DW_LOG" && pass restart_reuses_pins || fail restart_reuses_pins "$(head -3 "$DW_LOG")"
p0=$(dw_stat punts_received)
got=$(dw_answer www.idp.test A)
p1=$(dw_stat punts_received)
[ "$got" = "$want" ] && [ "$p0" = "$p1" ] && pass cached_answer_kept_across_restart ||
	fail cached_answer_kept_across_restart "got '$got' punts $p0->$p1"
got=$(dw_answer ldap.idp.test A)
[ "$got" = "$(dw_auth_answer ldap.idp.test A)" ] && pass recovers_after_restart ||
	fail recovers_after_restart "got '$got'"

dw_stop TERM
if [ ! -e "$DW_PIN" ] && ! ip netns exec "$NS_NODE" ip link show "$NODE_UP_IF" | grep -q xdp; then
	pass sigterm_detaches_and_unpins
else
	fail sigterm_detaches_and_unpins "$(ls "$DW_PIN" 2>&1 | tr '\n' ' ')"
fi
finish
