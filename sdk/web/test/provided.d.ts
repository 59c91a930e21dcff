// What test/bundle.setup.mjs provides to the tests.

export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** The source of dist/afftok.min.js, bundled in memory. */
    bundle: string;
  }
}
