import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";
import { clickKeys } from "./clicks";

/** What a test click is minted with (the form's fields, before they become the API's body). */
export interface MintTestClick {
  offer_id: number;
  country?: string;
  sub1?: string;
}

/** The body of POST /v1/sandbox/click: empty fields left out. */
export function mintBody(m: MintTestClick): Schemas["SandboxClick"] {
  const body: Schemas["SandboxClick"] = { offer_id: m.offer_id };
  const country = m.country?.trim();
  if (country) body.country = country.toUpperCase();
  const sub1 = m.sub1?.trim();
  if (sub1) body.subs = { sub1 };
  return body;
}

/** Mints a test click (POST /v1/sandbox/click): stored at once, listed as test traffic. */
export function useMintTestClick() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (m: MintTestClick) => call(api.POST("/v1/sandbox/click", { body: mintBody(m) })),
    onSuccess: () => qc.invalidateQueries({ queryKey: clickKeys.all }),
  });
}
