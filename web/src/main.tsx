import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router";
import { followTestMode, queryClient } from "./api/queryClient";
import { subscribeTestMode } from "./api/testMode";
import { router } from "./app/router";
import { sessionState, startSession, subscribe } from "./auth/session";
import { setupI18n } from "./i18n";
import "./styles/app.css";

void startSession();

// Signing out (here or in another tab) forgets every cached answer with personal data.
let wasSignedIn = false;
subscribe(() => {
  const signedIn = sessionState().status === "signed-in";
  if (wasSignedIn && !signedIn) queryClient.clear();
  wasSignedIn = signedIn;
});

// Test mode on or off: the cached answers are the other mode's.
followTestMode(queryClient, subscribeTestMode);

const root = document.getElementById("root");
// The session's refresh and the language's texts load side by side; the app renders once the
// texts are there.
void setupI18n().then(() => {
  if (!root) return;
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
});

if ("serviceWorker" in navigator && import.meta.env.PROD) {
  window.addEventListener("load", () => {
    void navigator.serviceWorker.register("/sw.js").catch(() => undefined);
  });
}
