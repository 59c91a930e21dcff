// The assistant (DESIGN §14): its insights from the caller's own numbers (GET
// /v1/assistant/overview, /suggestions, /analysis, /tips, each in the UI's language), the
// bring-your-own-key provider (PUT/GET/DELETE /v1/assistant/provider) and the chat (POST
// /v1/assistant/chat, answered as server-sent events, read with authedFetch: EventSource
// cannot POST).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { readEvents } from "../../lib/sse";
import { api, authedFetch, call, type Schemas } from "../client";
import { ApiError, networkError, toApiError } from "../errors";
import { chatReducer, conversationFor, type Turn } from "./assistantChat";

export type Lang = "en" | "ar";

/**
 * The overview's level. The generated schema gives `Overview.level` the points' `LevelView`
 * (two API types share the name, so the document holds one of them): the answer's real shape.
 */
export interface AssistantLevel {
  level: string;
  lifetime_points: number;
  next_level?: string | null;
  points_to_next?: number | null;
  progress: number;
}

/** A finding (the schema's `FindingView` is the fraud insight's: the names collide too). */
export interface Finding {
  code: string;
  severity: string;
  text: string;
  figures: Figures;
  recommendation: string;
}

/** The numbers behind a text: counts and shares as numbers, amounts as decimal strings. */
export type Figures = Record<string, unknown>;

export type Overview = Omit<Schemas["Overview"], "level"> & { level?: AssistantLevel | null };
export type PeriodView = Schemas["PeriodView"];
export type Analysis = Omit<Schemas["AnalysisAnswer"], "findings"> & { findings: Finding[] };
export type Suggestions = Schemas["SuggestionsAnswer"];
export type Suggestion = Schemas["SuggestionView"];
export type Tips = Schemas["TipsAnswer"];
export type Tip = Schemas["TipView"];
export type Provider = Schemas["ProviderView"];
export type ProviderInput = { base_url: string; model: string; api_key: string };

export const assistantKeys = {
  all: ["assistant"] as const,
  insights: ["assistant", "insights"] as const,
  overview: (lang: Lang) => ["assistant", "insights", "overview", lang] as const,
  suggestions: (lang: Lang) => ["assistant", "insights", "suggestions", lang] as const,
  analysis: (lang: Lang) => ["assistant", "insights", "analysis", lang] as const,
  tips: (lang: Lang) => ["assistant", "insights", "tips", lang] as const,
  provider: ["assistant", "provider"] as const,
};

/** Today, 7 and 30 days with their changes, the level and the best offer (in `lang`). */
export function useOverview(lang: Lang) {
  return useQuery({
    queryKey: assistantKeys.overview(lang),
    queryFn: async () =>
      (await call(
        api.GET("/v1/assistant/overview", { params: { query: { lang } } }),
      )) as unknown as Overview,
  });
}

/** Offers to join, best fit first (promoters; `enabled` false for other roles). */
export function useSuggestions(lang: Lang, enabled: boolean) {
  return useQuery({
    queryKey: assistantKeys.suggestions(lang),
    queryFn: () =>
      call(api.GET("/v1/assistant/suggestions", { params: { query: { lang, limit: 10 } } })),
    enabled,
  });
}

/** Findings over the last 30 days, each with its figures and a recommendation. */
export function useAnalysis(lang: Lang) {
  return useQuery({
    queryKey: assistantKeys.analysis(lang),
    queryFn: async () =>
      (await call(
        api.GET("/v1/assistant/analysis", { params: { query: { lang } } }),
      )) as unknown as Analysis,
  });
}

/** The tips the caller's numbers trigger. */
export function useTips(lang: Lang) {
  return useQuery({
    queryKey: assistantKeys.tips(lang),
    queryFn: () => call(api.GET("/v1/assistant/tips", { params: { query: { lang } } })),
  });
}

/** After joining a suggested offer: the suggestions (it leaves them) and the rest, again. */
export function useRefreshInsights() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: assistantKeys.insights });
}

/** The stored chat provider, or null when there is none (the API's 404). */
export function useProvider() {
  return useQuery({
    queryKey: assistantKeys.provider,
    queryFn: async (): Promise<Provider | null> => {
      try {
        return await call(api.GET("/v1/assistant/provider"));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
}

/** Stores or replaces the provider; the answer (never the key) is shown at once. */
export function useSaveProvider() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: ProviderInput) => call(api.PUT("/v1/assistant/provider", { body: input })),
    onSuccess: (provider) => client.setQueryData(assistantKeys.provider, provider),
  });
}

/** Deletes the provider and its key. */
export function useDeleteProvider() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.DELETE("/v1/assistant/provider")),
    onSuccess: () => client.setQueryData(assistantKeys.provider, null),
    onSettled: () => client.invalidateQueries({ queryKey: assistantKeys.provider }),
  });
}

/**
 * A conversation with the stored provider: `ask` sends the conversation so far and the
 * question, and the answer grows as its events arrive; `stop` aborts it. Leaving the page
 * stops an answer in progress.
 */
export function useChat(lang: Lang) {
  const [turns, dispatch] = useReducer(chatReducer, [] as Turn[]);
  const [busy, setBusy] = useState(false);
  const turnsRef = useRef(turns);
  turnsRef.current = turns;
  const running = useRef<AbortController | null>(null);

  useEffect(() => () => running.current?.abort(), []);

  const ask = useCallback(
    async (question: string) => {
      if (running.current) return;
      const controller = new AbortController();
      running.current = controller;
      setBusy(true);
      const messages = conversationFor(turnsRef.current, question);
      dispatch({ type: "ask", text: question });
      try {
        const response = await authedFetch("/v1/assistant/chat", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify({ messages, lang }),
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          const body = await response.json().catch(() => undefined);
          dispatch({ type: "refused", error: toApiError(response.status, body, response.headers) });
          return;
        }
        await readEvents(response.body, (event) => dispatch({ type: "event", event }));
        dispatch({ type: "ended" });
      } catch (e) {
        dispatch(
          controller.signal.aborted
            ? { type: "stopped" }
            : { type: "refused", error: networkError(e) },
        );
      } finally {
        running.current = null;
        setBusy(false);
      }
    },
    [lang],
  );

  const stop = useCallback(() => running.current?.abort(), []);
  const reset = useCallback(() => {
    running.current?.abort();
    dispatch({ type: "reset" });
  }, []);

  return { turns, busy, ask, stop, reset };
}
