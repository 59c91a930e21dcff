// Prints the gzipped size of dist/afftok.min.js and fails above the budget (3 KiB).

import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 3072;
const file = new URL("../dist/afftok.min.js", import.meta.url);

let source;
try {
  source = readFileSync(file);
} catch {
  console.error("dist/afftok.min.js is missing: run `npm run build` first");
  process.exit(1);
}
const gzipped = gzipSync(source, { level: 9 }).length;
console.log(
  `dist/afftok.min.js: ${source.length} bytes, ${gzipped} bytes gzipped (budget ${BUDGET})`,
);
if (gzipped > BUDGET) {
  console.error(`dist/afftok.min.js is over its budget by ${gzipped - BUDGET} bytes gzipped`);
  process.exit(1);
}
