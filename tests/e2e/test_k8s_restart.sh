#!/usr/bin/env bash
# The container image run the way the DaemonSet runs it (tests/e2e/k8s_bundle.py turns the
# image and daemonset.yaml into an OCI bundle for runc: the image's entrypoint with the
# container's args, its four capabilities, read-only root, the policy from a mounted
# directory, /sys and bpffs from the host, the lab node's network namespace standing in
# for hostNetwork), readiness through the DaemonSet's probe command; a rolling update:
# SIGTERM leaves the programs attached and pinned, the next pod adopts the pins and
# replaces the program in place with no sample showing the link unprotected; a forged
# reply for a protected name, which reaches the workload without dnsward, is dropped
# before, between and during the pods and after.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
cd "$ROOT" || exit 1

for t in runc buildah; do
	command -v "$t" >/dev/null || { skip k8s_restart "$t not installed (make deps)"; finish; }
done
[ "$(id -u)" = 0 ] || { skip k8s_restart "needs root"; finish; }
img=$(make -s --no-print-directory image 2>"$DW_TMP/image.log" | tail -1)
[ -f "$img" ] && pass image_builds_from_scratch || { fail image_builds_from_scratch "$(tail -3 "$DW_TMP/image.log")"; finish; }

dw_lab_up --resolver nonvalidating
CTR=dnsward-k8s-$$
k8s_cleanup() {
	runc kill "$CTR" KILL >/dev/null 2>&1
	runc delete -f "$CTR" >/dev/null 2>&1
	dw_cleanup
}
trap k8s_cleanup EXIT

# The ConfigMap's directory: the lab policy with in-container paths.
cfgdir=$DW_TMP/configmap && mkdir -p "$cfgdir"
cp "$ANCHOR_FILE" "$cfgdir/anchor.ds"
dw_config "$DW_TMP/lab.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test, failure: closed}"
sed -e "s|file: $ANCHOR_FILE|file: /etc/dnsward/anchor.ds|" -e 's|^events: .*|events: {output: stdout}|' \
	-e 's|^control: .*|control: {socket: /run/dnsward/control.sock, mode: "0600"}|' \
	"$DW_TMP/lab.yaml" >"$cfgdir/dnsward.yaml"
probe=$(/usr/bin/python3 -c '
import sys, yaml
ds = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "DaemonSet")
c = next(c for c in ds["spec"]["template"]["spec"]["containers"] if c["name"] == "dnsward")
print(" ".join(c["readinessProbe"]["exec"]["command"]))' deploy/kubernetes/daemonset.yaml)

# pod_start N: a new pod from a fresh bundle; pod_ready waits (bounded) for the probe.
pod_start() {
	rm -rf "$DW_TMP/bundle$1"
	args=$(/usr/bin/python3 tests/e2e/k8s_bundle.py "$img" deploy/kubernetes/daemonset.yaml \
		"/run/netns/$NS_NODE" "$cfgdir" "$DW_TMP/bundle$1") || return 1
	runc delete -f "$CTR" >/dev/null 2>&1
	runc run -d --bundle "$DW_TMP/bundle$1" "$CTR" >"$DW_TMP/pod$1.log" 2>&1
}
pod_ready() {
	local i
	for i in $(seq 1 100); do
		# shellcheck disable=SC2086
		runc exec "$CTR" $probe >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
pod_stop() {
	local i
	runc kill "$CTR" TERM
	for i in $(seq 1 100); do
		runc state "$CTR" 2>/dev/null | grep -q '"status": "stopped"' && return 0
		sleep 0.1
	done
	return 1
}
xdp_id() { ip -n "$NS_NODE" -d link show dev "$NODE_UP_IF" | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}'; }
forged_ldap() { forged_race ldap.idp.test A --answer 203.0.113.66; }
real=$(dw_auth_answer ldap.idp.test A | awk '{print $3}')

# Control: without dnsward the attacker wins the race.
"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
out=$(forged_ldap)
grep -q '203.0.113.66' <<<"$out" && pass attack_works_without_dnsward ||
	fail attack_works_without_dnsward "$(tr '\n' ' ' <<<"$out")"
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

pod_start 1 && pod_ready || { fail pod_ready "$(tail -3 "$DW_TMP/pod1.log" | tr '\n' ' ')"; finish; }
grep -q "running:" "$DW_TMP/pod1.log" && [ "$args" = "/usr/sbin/dnsward run --config /etc/dnsward/dnsward.yaml --keep-pinned" ] &&
	pass pod_runs_entrypoint_with_mounted_config || fail pod_runs_entrypoint_with_mounted_config "$args"
got=$(dw_answer ldap.idp.test A)
[ "$got" = "$(dw_auth_answer ldap.idp.test A)" ] && pass pod_delivers_validated || fail pod_delivers_validated "got '$got'"
"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
out=$(forged_ldap)
grep -q "$real" <<<"$out" && ! grep -q '203.0.113.66' <<<"$out" && pass pod_drops_forged ||
	fail pod_drops_forged "$(tr '\n' ' ' <<<"$out")"

# Rolling update, first half: the old pod gets SIGTERM and leaves its pins.
id1=$(xdp_id)
pod_stop || fail pod_stops_on_sigterm "still running"
if [ -e "$DW_PIN/dnsward_verdicts" ] && [ -n "$id1" ] && [ "$(xdp_id)" = "$id1" ] &&
	grep -q 'programs stay attached and pinned' "$DW_TMP/pod1.log"; then
	pass sigterm_leaves_pins_and_program
else
	fail sigterm_leaves_pins_and_program "xdp '$id1'->'$(xdp_id)' pins: $(ls "$DW_PIN" 2>&1 | wc -l)"
fi
out=$(forged_ldap)
! grep -q '203.0.113.66' <<<"$out" && pass forged_dropped_between_pods ||
	fail forged_dropped_between_pods "$(tr '\n' ' ' <<<"$out")"

# Second half: the new pod adopts the pins; a sampler watches the link meanwhile, and a
# forged reply races the start.
: >"$DW_TMP/samples"
(for i in $(seq 1 400); do
	[ -e "$DW_TMP/stop-sampling" ] && break
	echo "x$(xdp_id)" >>"$DW_TMP/samples"
	sleep 0.02
done) &
sampler=$!
pod_start 2
out=$(forged_ldap)
pod_ready; ready=$?
touch "$DW_TMP/stop-sampling" && wait $sampler
id2=$(xdp_id)
n=$(wc -l <"$DW_TMP/samples") empty=$(grep -cx 'x' "$DW_TMP/samples")
[ $ready = 0 ] && grep -q 'maps reused' "$DW_TMP/pod2.log" && pass next_pod_adopts_pins ||
	fail next_pod_adopts_pins "$(grep -m2 -E 'pins under|error' "$DW_TMP/pod2.log" | tr '\n' ' ')"
[ "$n" -gt 10 ] && [ "$empty" = 0 ] && [ -n "$id2" ] && [ "$id2" != "$id1" ] && pass program_replaced_in_place_no_window ||
	fail program_replaced_in_place_no_window "samples $n, unattached $empty, xdp $id1->$id2"
echo "xdp program $id1 -> $id2, $n samples during the start, $empty unattached" >&2
! grep -q '203.0.113.66' <<<"$out" && pass forged_dropped_during_adoption ||
	fail forged_dropped_during_adoption "$(tr '\n' ' ' <<<"$out")"
out=$(forged_ldap)
grep -q "$real" <<<"$out" && ! grep -q '203.0.113.66' <<<"$out" && pass forged_dropped_after_adoption ||
	fail forged_dropped_after_adoption "$(tr '\n' ' ' <<<"$out")"
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1
got=$(dw_answer www.idp.test A)
[ "$got" = "$(dw_auth_answer www.idp.test A)" ] && pass adopted_pod_validates_new_names || fail adopted_pod_validates_new_names "got '$got'"
finish
