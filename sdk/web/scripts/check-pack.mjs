// Fails when the npm package would miss a file it promises: runs `npm pack --dry-run --json`
// (after `npm run build`) and looks for the README, the types and both builds.

import { execFileSync } from "node:child_process";

const REQUIRED = [
  "README.md",
  "package.json",
  "dist/index.js",
  "dist/index.d.ts",
  "dist/afftok.min.js",
];

const cwd = new URL("..", import.meta.url);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const out = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], {
  cwd,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
const [pack] = JSON.parse(out);
const files = new Set(pack.files.map((f) => f.path));
const missing = REQUIRED.filter((f) => !files.has(f));
console.log(`${pack.filename}: ${pack.entryCount} files, ${pack.size} bytes packed`);
if (missing.length) {
  console.error(
    `missing from the package: ${missing.join(", ")} (dist/ comes from \`npm run build\`)`,
  );
  process.exit(1);
}
const stray = [...files].filter((f) => !/^(README\.md|package\.json|LICENSE|dist\/.*)$/.test(f));
if (stray.length) {
  console.error(`unexpected files in the package: ${stray.join(", ")}`);
  process.exit(1);
}
