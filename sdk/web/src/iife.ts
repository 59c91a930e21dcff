// The entry of dist/afftok.min.js: configure from this script tag and install window.afftok.

import { type GlobalEnv, install } from "./global.js";

try {
  install(window as unknown as GlobalEnv, document.currentScript);
} catch {
  // Never break the host page.
}
