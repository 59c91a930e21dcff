import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sessionState, updateUser } from "../../auth/session";
import { api, call, type Schemas } from "../client";
import { ApiError } from "../errors";
import { meKey } from "./me";

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
      call(api.POST("/v1/auth/password/change", { body })),
  });
}

/** Mails the caller a new verification link (one a minute). */
export function useResendVerification() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.POST("/v1/auth/email/resend")),
    onError: (e) => {
      // Verified meanwhile (in another tab, or by a reset link): show it.
      if (e instanceof ApiError && e.code === "already_verified") {
        void client.invalidateQueries({ queryKey: meKey });
      }
    },
  });
}

/** Asks for a password reset mail; the answer is the same whether the account exists or not. */
export function useForgotPassword() {
  return useMutation({
    mutationFn: (email: string) => call(api.POST("/v1/auth/password/forgot", { body: { email } })),
  });
}

/** Sets a new password with a reset link's token; every session of the account ends. */
export function useResetPassword() {
  return useMutation({
    mutationFn: (body: Schemas["ResetRequest"]) =>
      call(api.POST("/v1/auth/password/reset", { body })),
  });
}

/** Verifies the email with a verification link's token (signed in or not). */
export function useVerifyEmail() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (token: string) => call(api.POST("/v1/auth/email/verify", { body: { token } })),
    onSuccess: (user) => {
      const s = sessionState();
      if (s.status === "signed-in" && s.user.id === user.id) {
        updateUser(user);
        void client.invalidateQueries({ queryKey: meKey });
      }
    },
  });
}
