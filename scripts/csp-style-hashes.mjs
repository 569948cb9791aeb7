// Hash the <style> elements the player's web components put in their shadow roots.
//
// media-chrome and hls-video-element style their shadow DOM with <style> elements written
// by script; a CSP without 'unsafe-inline' blocks those unless it lists their SHA-256
// hashes. Each component builds its shadow root from its static getTemplateHTML(), and the
// packages import safely outside a browser (they ship server-side shims for SSR), so the
// exact texts come from the same package versions esbuild bundles. Output: a JSON list of
// "'sha256-…'" sources, read by config/csp.py.
//
// Usage: node scripts/csp-style-hashes.mjs ENTRY OUTFILE (ENTRY: static/js/vendor-entry.js)

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error("usage: node scripts/csp-style-hashes.mjs ENTRY OUTFILE");
  process.exit(2);
}

// The bundle's packages, exactly as the entry file imports them.
const specifiers = [...readFileSync(entry, "utf8").matchAll(/^import\s+["']([^"']+)["']/gm)].map(
  (match) => match[1],
);
const STYLE = /<style\b[^>]*>([\s\S]*?)<\/style>/g;
const sources = new Set();
for (const specifier of specifiers) {
  const module = await import(specifier);
  for (const component of Object.values(module)) {
    if (typeof component?.getTemplateHTML !== "function") continue;
    for (const [, css] of component.getTemplateHTML({}, {}).matchAll(STYLE)) {
      sources.add(`'sha256-${createHash("sha256").update(css).digest("base64")}'`);
    }
  }
}
if (sources.size === 0) {
  console.error(`no <style> templates found in ${specifiers.join(", ")}`);
  process.exit(1);
}
writeFileSync(outfile, `${JSON.stringify([...sources].sort(), null, 1)}\n`);
