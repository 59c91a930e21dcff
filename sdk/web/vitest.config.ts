import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "jsdom",
    // An https landing page, so the real document.cookie keeps Secure cookies.
    environmentOptions: { jsdom: { url: "https://shop.example/landing" } },
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/bundle.setup.mjs"],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
