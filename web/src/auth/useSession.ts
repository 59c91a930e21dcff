import { useSyncExternalStore } from "react";
import { type SessionState, sessionState, subscribe } from "./session";

export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, sessionState, sessionState);
}

/** The signed-in user; only for pages under RequireAuth. */
export function useUser() {
  const s = useSession();
  if (s.status !== "signed-in") throw new Error("useUser outside a signed-in page");
  return s.user;
}
