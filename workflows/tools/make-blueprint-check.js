// Structural self-check of Make (make.com) scenario blueprints. Make has no offline validator; this
// catches what a hand edit most often breaks before anyone imports the file:
//   - the file is JSON with name, flow[] and metadata.version === 1;
//   - every module (also inside routes[] and onerror[]) has an integer id, unique in the blueprint,
//     a "app:Module" name and a version;
//   - every {{N.field}} mapping refers to a module that runs earlier on the same path;
//   - custom webhooks ship "hook": null (a hook id belongs to one Make account).
// Run: node make-blueprint-check.js FILE... ; exit 1 on any problem.
'use strict';
const fs = require('fs');

function checkFile(file) {
  const problems = [];
  let bp;
  try {
    bp = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return [`not JSON: ${e.message}`];
  }
  if (typeof bp.name !== 'string' || bp.name === '') problems.push('missing "name"');
  if (!Array.isArray(bp.flow) || bp.flow.length === 0) problems.push('missing or empty "flow"');
  if (!bp.metadata || bp.metadata.version !== 1) problems.push('metadata.version must be 1');
  if (problems.length) return problems;

  const seen = new Set();
  // walk visits modules in execution order; `before` holds the ids that ran earlier on this path.
  const walk = (flow, before, where) => {
    const ran = new Set(before);
    for (const m of flow) {
      const label = `${where} module ${m && m.id}`;
      if (!m || !Number.isInteger(m.id) || m.id < 1) { problems.push(`${where}: module without a positive integer id`); continue; }
      if (seen.has(m.id)) problems.push(`${label}: duplicate id`);
      seen.add(m.id);
      if (typeof m.module !== 'string' || !/^[\w-]+:\w+$/.test(m.module)) problems.push(`${label}: bad "module" ${JSON.stringify(m.module)}`);
      if (!Number.isInteger(m.version)) problems.push(`${label}: missing integer "version"`);
      if (m.module === 'gateway:CustomWebHook' && (!m.parameters || m.parameters.hook !== null)) {
        problems.push(`${label}: ship "parameters.hook": null (the user adds their own webhook)`);
      }
      // A module may map itself only in its onerror handlers; the filter in front of it and its
      // mapper see the modules before it.
      const own = JSON.stringify({ mapper: m.mapper, parameters: m.parameters, filter: m.filter });
      for (const [, expr] of own.matchAll(/\{\{(.*?)\}\}/g)) {
        for (const [, ref] of expr.matchAll(/(?<![\w.])(\d+)\.(?=[A-Za-z_`])/g)) {
          if (!ran.has(Number(ref))) problems.push(`${label}: {{${ref}.…}} refers to a module that has not run before it`);
        }
      }
      if (Array.isArray(m.onerror)) walk(m.onerror, new Set([...ran, m.id]), `${label} onerror`);
      ran.add(m.id);
      if (Array.isArray(m.routes)) m.routes.forEach((r, i) => walk((r && r.flow) || [], ran, `${label} route ${i}`));
    }
  };
  walk(bp.flow, new Set(), 'flow');
  return problems;
}

let bad = 0;
for (const file of process.argv.slice(2)) {
  const problems = checkFile(file);
  for (const p of problems) console.log(`${file}: ${p}`);
  bad += problems.length;
}
if (process.argv.length < 3) { console.log('usage: make-blueprint-check.js FILE...'); process.exit(2); }
console.log(bad ? `${bad} problem(s)` : 'ok');
process.exit(bad ? 1 : 0);
