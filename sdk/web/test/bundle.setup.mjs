// Vitest global setup (in Node, where esbuild runs): bundles dist/afftok.min.js in memory with
// the build's own options and provides it to test/bundle.test.ts as `bundle`.

import { build } from "esbuild";
import { iifeOptions } from "../scripts/bundle.mjs";

export default async function setup(project) {
  const result = await build({ ...iifeOptions, write: false });
  project.provide("bundle", result.outputFiles[0].text);
}
