// k8s_validate.mjs FILE...: every YAML document of each FILE ("-" is stdin) is checked
// against the Kubernetes OpenAPI schema of its apiVersion and kind by the kubernetes-models
// class for it. Prints "ok KIND NAME" or "invalid KIND NAME: WHY" per document; exits 1
// when any document is invalid or has a kind with no model.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// apiVersion "apps/v1" -> kubernetes-models/apps/v1/DaemonSet; "v1" -> kubernetes-models/v1/...
function modelPath(apiVersion, kind) {
	return `kubernetes-models/${apiVersion}/${kind}`;
}

let bad = 0;
for (const file of process.argv.slice(2)) {
	const text = readFileSync(file === "-" ? 0 : file, "utf8");
	for (const doc of parseAllDocuments(text)) {
		if (doc.errors.length) {
			console.log(`invalid ${file}: ${doc.errors[0].message}`);
			bad++;
			continue;
		}
		const obj = doc.toJS();
		if (!obj) continue;
		const what = `${obj.kind} ${obj.metadata?.name ?? "?"}`;
		let Model;
		try {
			const mod = await import(modelPath(obj.apiVersion, obj.kind));
			Model = mod[obj.kind] ?? mod.default;
		} catch (e) {
			console.log(`invalid ${what}: no model for ${obj.apiVersion} ${obj.kind}`);
			bad++;
			continue;
		}
		try {
			new Model(obj).validate();
			console.log(`ok ${what}`);
		} catch (e) {
			console.log(`invalid ${what}: ${String(e.message ?? e).replace(/\s+/g, " ")}`);
			bad++;
		}
	}
}
process.exit(bad ? 1 : 0);
