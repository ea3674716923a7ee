#!/usr/bin/python3
"""k8s_bundle.py ARCHIVE DAEMONSET NETNS CONFIGDIR BUNDLE: an OCI runtime bundle that runs
the image in ARCHIVE (an OCI archive) the way the DaemonSet's dnsward container runs it:
the image's entrypoint with the container's args, its capabilities, read-only root, and
its volumes (the ConfigMap from CONFIGDIR, hostPath binds, emptyDir as tmpfs). NETNS (a
/run/netns path) stands in for the node's network namespace (hostNetwork). It translates
the pod spec as a CRI runtime does for the fields the DaemonSet sets; seccomp is left out."""
import json
import os
import subprocess
import sys
import tarfile

import yaml

archive, ds_file, netns, configdir, bundle = sys.argv[1:6]
os.makedirs(bundle + "/img", exist_ok=True)
with tarfile.open(archive) as t:
    t.extractall(bundle + "/img")


def blob(digest):
    return bundle + "/img/blobs/" + digest.replace(":", "/")


index = json.load(open(bundle + "/img/index.json"))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
image = json.load(open(blob(manifest["config"]["digest"])))["config"]
rootfs = bundle + "/rootfs"
os.makedirs(rootfs, exist_ok=True)
for layer in manifest["layers"]:
    with tarfile.open(blob(layer["digest"])) as t:
        t.extractall(rootfs)

ds = next(d for d in yaml.safe_load_all(open(ds_file)) if d and d["kind"] == "DaemonSet")
pod = ds["spec"]["template"]["spec"]
ctr = next(c for c in pod["containers"] if c["name"] == "dnsward")
sc = ctr["securityContext"]
caps = ["CAP_" + c for c in sc["capabilities"]["add"]]
volumes = {v["name"]: v for v in pod["volumes"]}

mounts = [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
]
# A CRI runtime mounts parents before children: sort by depth.
for vm in sorted(ctr["volumeMounts"], key=lambda m: m["mountPath"].count("/")):
    v = volumes[vm["name"]]
    ro = ["ro"] if vm.get("readOnly") else ["rw"]
    if "configMap" in v:
        mounts.append({"destination": vm["mountPath"], "type": "bind", "source": configdir,
                       "options": ["rbind", "ro"]})
    elif "hostPath" in v:
        mounts.append({"destination": vm["mountPath"], "type": "bind",
                       "source": v["hostPath"]["path"], "options": ["rbind"] + ro})
    elif "emptyDir" in v:
        mounts.append({"destination": vm["mountPath"], "type": "tmpfs", "source": "tmpfs",
                       "options": ["nosuid", "nodev", "mode=755", "size=16m"]})

# runc's default spec, then the pod's fields over it.
subprocess.run(["runc", "spec", "--bundle", bundle], check=True)
spec = json.load(open(bundle + "/config.json"))
spec["process"]["terminal"] = False
spec["process"]["args"] = image["Entrypoint"] + ctr.get("args", image.get("Cmd", []))
spec["process"]["env"] = ["PATH=/usr/sbin:/usr/bin"]
spec["process"]["user"] = {"uid": sc.get("runAsUser", 0), "gid": 0}
spec["process"]["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
spec["process"]["noNewPrivileges"] = not sc.get("allowPrivilegeEscalation", True)
spec["root"] = {"path": "rootfs", "readonly": bool(sc.get("readOnlyRootFilesystem"))}
spec["mounts"] = mounts
spec["hostname"] = "dnsward"
spec["linux"]["namespaces"] = [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
                               {"type": "network", "path": netns}]
spec["linux"].pop("seccomp", None)
json.dump(spec, open(bundle + "/config.json", "w"), indent=1)
print(" ".join(spec["process"]["args"]))
