import { useQuery } from "@tanstack/react-query";
import { api, call } from "../client";

export const meKey = ["me"] as const;

/** The caller, as GET /v1/me answers. */
export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: () => call(api.GET("/v1/me")) });
}
