// The sandbox's test mode (DESIGN §16) as the web app's switch keeps it. While it is on, every
// API request carries `Afftok-Mode: test`: links come signed with a test key, the click and
// conversion lists default to test traffic, and what the user reports is test traffic. The
// switch is remembered in localStorage (per browser, followed by the other tabs); admins have
// no switch, so a switch left on by another account in this browser does nothing for them.
import { useSyncExternalStore } from "react";
import type { Role } from "../auth/session";
import { sessionState } from "../auth/session";
import type { components } from "./schema";

export type Mode = components["schemas"]["Mode"];

/** Where the switch is remembered. */
export const TEST_MODE_KEY = "afftok.testMode";

/** The header with which a session's request asks for the sandbox. */
export const MODE_HEADER = "Afftok-Mode";

/** The roles with a test-mode switch (the sandbox is for integrating: promoters, advertisers). */
export function roleHasTestMode(role: Role | null | undefined): boolean {
  return role === "promoter" || role === "advertiser";
}

/** The mode requests go in: test when the switch is on and the role has it. */
export function modeFor(switchOn: boolean, role: Role | null | undefined): Mode {
  return switchOn && roleHasTestMode(role) ? "test" : "live";
}

/**
 * Puts the mode on a request's headers: `Afftok-Mode: test` in test mode. A live request goes
 * without it (live is the API's default), and a header already set is left as it is.
 */
export function applyMode(headers: Headers, mode: Mode): void {
  if (mode === "test" && !headers.has(MODE_HEADER)) headers.set(MODE_HEADER, "test");
}

function readStored(): boolean {
  try {
    return localStorage.getItem(TEST_MODE_KEY) === "on";
  } catch {
    return false;
  }
}

let switchOn = readStored();
const listeners = new Set<() => void>();

function notify() {
  for (const l of listeners) l();
}

/** Whether the switch is on (whatever the role). */
export function testModeSwitch(): boolean {
  return switchOn;
}

/** Turns the switch on or off and remembers it; the listeners hear of a change only. */
export function setTestMode(on: boolean): void {
  if (on === switchOn) return;
  switchOn = on;
  try {
    if (on) localStorage.setItem(TEST_MODE_KEY, "on");
    else localStorage.removeItem(TEST_MODE_KEY);
  } catch {
    // Private mode without storage: the switch lasts for this page.
  }
  notify();
}

/** Hears every flip of the switch (here or in another tab). */
export function subscribeTestMode(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

if (typeof window !== "undefined") {
  // Another tab flipped it: follow, so that this tab never mixes the two modes' answers.
  window.addEventListener("storage", (e) => {
    if (e.key !== TEST_MODE_KEY && e.key !== null) return;
    const stored = readStored();
    if (stored === switchOn) return;
    switchOn = stored;
    notify();
  });
}

/** The mode of the signed-in user's requests now. */
export function requestMode(): Mode {
  const s = sessionState();
  return modeFor(switchOn, s.status === "signed-in" ? s.user.role : null);
}

/** The switch, for components (re-renders when it flips). */
export function useTestModeSwitch(): boolean {
  return useSyncExternalStore(subscribeTestMode, testModeSwitch, testModeSwitch);
}
