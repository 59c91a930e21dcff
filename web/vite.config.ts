import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The control plane serves dist/ at / (AFFTOK_WEB_DIR); `npm run dev` proxies the API to a
// control plane on AFFTOK_API (default http://127.0.0.1:8080) so the app runs same-origin.
const api = process.env.AFFTOK_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { "/v1": api, "/docs": api, "/openapi.json": api },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
