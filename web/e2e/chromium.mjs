import { execFileSync } from "node:child_process";

/** Chromium's absolute path (playwright wants one): AFFTOK_CHROMIUM, else `chromium` on PATH. */
export function chromiumPath() {
  const named = process.env.AFFTOK_CHROMIUM || "chromium";
  if (named.startsWith("/")) return named;
  try {
    return execFileSync("sh", ["-c", `command -v ${named}`])
      .toString()
      .trim();
  } catch {
    console.error(
      `e2e: ${named} is not on PATH (install Debian's chromium, or set AFFTOK_CHROMIUM)`,
    );
    process.exit(2);
  }
}
