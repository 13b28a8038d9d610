// Vendored copy of ../shared/tools/n8n-workflow-check.js (the project's shared tools, outside this repo),
// kept here so scripts/check-workflows.sh works where ../shared is absent. Unchanged below this header;
// scripts/check-workflows.sh prefers the shared copy when it exists.
// Offline check of n8n workflow JSON files against n8n's own node descriptions (see ../reference/workflows.md §2.7).
// Setup (npm registry only):  npm pack n8n-nodes-base@2.8.1 && tar xzf n8n-nodes-base-2.8.1.tgz
//                             npm install n8n-workflow@2.8.0
// Run: node workflows-n8n-check.js package/dist/types/nodes.json wf1.json [wf2.json ...]
// Exit 1 on: unknown type/typeVersion, parameter issues (e.g. missing required), keys the resolver
// drops (unknown/misplaced parameters), connections naming unknown nodes.
const fs = require('fs');
const { NodeHelpers } = require('n8n-workflow');
const descs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let bad = 0;
for (const file of process.argv.slice(3)) {
  const wf = JSON.parse(fs.readFileSync(file, 'utf8'));
  const names = new Set(wf.nodes.map((n) => n.name));
  for (const node of wf.nodes) {
    const short = node.type.replace(/^n8n-nodes-base\./, '');
    const d = descs.find((x) => x.name === short && [].concat(x.version).includes(node.typeVersion));
    if (!d) { console.log(`${file}: ${node.name}: unknown ${node.type}@${node.typeVersion}`); bad++; continue; }
    const desc = { ...d, name: node.type };
    const params = NodeHelpers.getNodeParameters(desc.properties, node.parameters, true, false, node, desc) || {};
    const issues = NodeHelpers.getNodeParametersIssues(desc.properties, { ...node, parameters: params }, desc);
    const dropped = Object.keys(node.parameters).filter((k) => !(k in params));
    if (issues || dropped.length) {
      console.log(`${file}: ${node.name}:`, issues ? JSON.stringify(issues) : '', dropped.length ? `dropped keys: ${dropped}` : '');
      bad++;
    }
  }
  for (const [src, c] of Object.entries(wf.connections)) {
    if (!names.has(src)) { console.log(`${file}: connection from unknown node ${src}`); bad++; }
    for (const outs of Object.values(c)) for (const out of outs || []) for (const e of out || [])
      if (!names.has(e.node)) { console.log(`${file}: connection to unknown node ${e.node}`); bad++; }
  }
}
console.log(bad ? `${bad} problem(s)` : 'ok');
process.exit(bad ? 1 : 0);
