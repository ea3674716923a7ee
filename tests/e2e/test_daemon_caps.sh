#!/usr/bin/env bash
# The daemon started with only the four capabilities it keeps in its bounding
# set and without CAP_SETPCAP (as under the systemd unit, here through
# setpriv): it says once that the bounding set is left to the service manager,
# logs no per-capability warning, and enforces (a bogus reply is dropped, a
# secure one delivered). Started with every capability it says nothing about
# the bounding set.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

command -v setpriv >/dev/null || { skip daemon_caps "setpriv missing"; finish; }
REAL=$DNSWARD

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/caps.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}
  - {name: bogus.test}"

# Without dnsward the bogus reply reaches the workload (the resolver does not validate).
[ -n "$(dw_answer www.bogus.test A | grep -v TIMEOUT)" ] && pass bogus_delivered_without_dnsward ||
	fail bogus_delivered_without_dnsward "no answer at all"

cat >"$DW_TMP/dnsward-unit-caps" <<EOT
#!/bin/sh
exec setpriv --bounding-set=-all,+bpf,+sys_admin,+net_admin,+net_raw --inh-caps=-all "$REAL" "\$@"
EOT
chmod +x "$DW_TMP/dnsward-unit-caps"
DNSWARD=$DW_TMP/dnsward-unit-caps
dw_setup_start "$DW_TMP/caps.yaml"
sleep 1 # the validation workers and the chain prober drop their capabilities at start
n=$(grep -c 'caps:' "$DW_LOG")
if [ "$n" = 1 ] && grep -q 'caps: no CAP_SETPCAP: the bounding set is left to the service manager' "$DW_LOG" &&
	! grep -q 'drop capability' "$DW_LOG"; then
	pass one_line_for_the_bounding_set
else
	fail one_line_for_the_bounding_set "$n caps lines: $(grep 'caps:' "$DW_LOG" | head -n 3 | tr '\n' ' ')"
fi
got=$(dw_answer www.bogus.test A)
want=$(dw_auth_answer www.idp.test A)
[ "$got" = TIMEOUT ] && [ "$(dw_answer www.idp.test A)" = "$want" ] && [ -n "$want" ] &&
	pass enforces_with_four_capabilities || fail enforces_with_four_capabilities "bogus '$got'"
dw_stop

DNSWARD=$REAL
dw_setup_start "$DW_TMP/caps.yaml"
sleep 1
n=$(grep -c 'caps:' "$DW_LOG")
[ "$n" = 0 ] && pass silent_with_every_capability ||
	fail silent_with_every_capability "$(grep 'caps:' "$DW_LOG" | head -n 3 | tr '\n' ' ')"
finish
