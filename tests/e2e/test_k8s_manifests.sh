#!/usr/bin/env bash
# deploy/kubernetes: every manifest the kustomization lists, and kustomize's rendering of
# it when kubectl is there, validate against the Kubernetes OpenAPI schemas (the npm
# package kubernetes-models, pinned, installed once into build/k8s-validate); the
# validator rejects a broken DaemonSet (so the check can fail); the DaemonSet runs
# the daemon the way the image and docs say (hostNetwork, the unit's four capabilities,
# --keep-pinned, probes on the control socket, bpffs and /sys mounts, one pod at a time).
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
K8S=$ROOT/deploy/kubernetes
CACHE=$BUILD/k8s-validate
MODELS_VERSION=5.1.0
YAML_VERSION=2.9.1

command -v node >/dev/null && command -v npm >/dev/null || { skip k8s_manifests "node and npm not installed"; finish; }
if [ ! -f "$CACHE/node_modules/kubernetes-models/package.json" ] ||
	! grep -q "\"version\": \"$MODELS_VERSION\"" "$CACHE/node_modules/kubernetes-models/package.json"; then
	mkdir -p "$CACHE" && echo '{"name":"k8s-validate","private":true}' >"$CACHE/package.json"
	if ! (cd "$CACHE" && timeout 300 npm install --no-audit --no-fund --cache "$CACHE/npm-cache" \
		"kubernetes-models@$MODELS_VERSION" "yaml@$YAML_VERSION") >"$CACHE/npm.log" 2>&1; then
		skip k8s_manifests "npm install kubernetes-models failed (registry unreachable?): $(tail -1 "$CACHE/npm.log")"
		finish
	fi
fi
cp tests/e2e/k8s_validate.mjs "$CACHE/"
validate() { (cd "$CACHE" && timeout 60 node k8s_validate.mjs "$@"); }

resources=$(awk '/^resources:/ {r = 1; next} r && /^  - / {print $2; next} r {exit}' "$K8S/kustomization.yaml")
for f in $resources; do
	[ -f "$K8S/$f" ] || { fail "k8s_schema_$f" "listed in kustomization.yaml, missing"; continue; }
	out=$(validate "$K8S/$f") && pass "k8s_schema_$f" || fail "k8s_schema_$f" "$out"
done
kinds=$(cd "$K8S" && cat $resources 2>/dev/null | awk '/^kind:/ {print $2}' | sort | tr '\n' ' ')
[ "$kinds" = "ConfigMap DaemonSet Namespace ServiceAccount " ] && pass k8s_kustomization_lists_every_kind ||
	fail k8s_kustomization_lists_every_kind "$kinds"

if command -v kubectl >/dev/null; then
	if rendered=$(timeout 60 kubectl kustomize "$K8S" 2>&1) && out=$(validate - <<<"$rendered") &&
		[ "$(grep -c '^ok ' <<<"$out")" -eq 4 ]; then
		pass k8s_kustomize_build_validates
	else
		fail k8s_kustomize_build_validates "$(tail -3 <<<"${out:-$rendered}")"
	fi
else
	skip k8s_kustomize_build_validates "kubectl not installed"
fi

# The check can fail: a wrong type and a bad quantity are caught.
out=$(sed -e 's/hostNetwork: true/hostNetwork: "yes"/' "$K8S/daemonset.yaml" | validate -)
[ $? -ne 0 ] && grep -q 'hostNetwork must be boolean' <<<"$out" && pass k8s_validator_rejects_broken_daemonset ||
	fail k8s_validator_rejects_broken_daemonset "$out"

ds=$K8S/daemonset.yaml
caps=$(grep -A3 'capabilities:' "$ds" | sed -n 's/.*add: \[\(.*\)\]/\1/p')
unit=$(sed -n 's/^CapabilityBoundingSet=//p' deploy/systemd/dnsward.service | sed 's/CAP_//g; s/ /, /g')
[ "$caps" = "$unit" ] && grep -q 'drop: \[ALL\]' "$ds" && grep -q 'privileged: false' "$ds" &&
	pass k8s_capabilities_match_unit || fail k8s_capabilities_match_unit "daemonset '$caps' unit '$unit'"
grep -q 'hostNetwork: true' "$ds" && grep -q 'args: \[run, --config, /etc/dnsward/dnsward.yaml, --keep-pinned\]' "$ds" &&
	grep -q 'mountPath: /sys/fs/bpf' "$ds" && grep -q 'mountPath: /sys, readOnly: true' "$ds" &&
	grep -q 'mountPath: /etc/dnsward, readOnly: true' "$ds" && grep -q 'maxSurge: 0' "$ds" &&
	[ "$(grep -c 'command: \[/usr/sbin/dnsward, status, --socket, /run/dnsward/control.sock\]' "$ds")" -eq 2 ] &&
	pass k8s_daemonset_runs_daemon_as_documented || fail k8s_daemonset_runs_daemon_as_documented "see $ds"
finish
