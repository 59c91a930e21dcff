import { useMutation, useQueryClient } from "@tanstack/react-query";
import { refreshSession, updateUser } from "../../auth/session";
import { api, call, type Schemas } from "../client";
import { ApiError } from "../errors";
import { meKey } from "./me";

/**
 * Sends a signed-in call under /v1/auth/, refreshing the session once if the access token
 * has expired: the client replays other paths by itself after a 401, not /v1/auth/ ones.
 */
async function signedIn<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && (await refreshSession())) return send();
    throw e;
  }
}

/** Renames the caller (and an advertiser's company); the session's user follows. */
export function useUpdateMe() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["UpdateMe"]) => call(api.PATCH("/v1/me", { body })),
    onSuccess: (me) => {
      client.setQueryData(meKey, me);
      updateUser(me.user);
    },
  });
}

/**
 * Changes the caller's password. The API ends the account's other sessions and keeps this
 * one (the session of the refresh cookie).
 */
export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      signedIn(() => call(api.POST("/v1/auth/password/change", { body }))),
  });
}
