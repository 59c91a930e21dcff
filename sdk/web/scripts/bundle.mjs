// The script-tag build, dist/afftok.min.js: an IIFE bundled from src/iife.ts. Run as a script,
// it empties dist/ and writes the file (`tsc -p tsconfig.build.json` then writes the ES module
// build beside it); the tests import `iifeOptions` to run the same bundle in jsdom.

import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));

/** esbuild's options for dist/afftok.min.js. */
export const iifeOptions = {
  absWorkingDir: root,
  entryPoints: ["src/iife.ts"],
  outfile: "dist/afftok.min.js",
  bundle: true,
  format: "iife",
  minify: true,
  // Old enough for every browser with fetch keepalive or sendBeacon (see README).
  target: "es2017",
  banner: { js: `/*! ${pkg.name} ${pkg.version} | ${pkg.license} */` },
  legalComments: "none",
  logLevel: "warning",
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(`${root}/dist`, { recursive: true, force: true });
  await build(iifeOptions);
}
