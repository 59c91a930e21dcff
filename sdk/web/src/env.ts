// The browser globals the SDK touches, as one interface so tests can hand in fakes.

/** The part of a fetch `Response` the SDK reads. */
export interface ResponseLike {
  status: number;
  json(): Promise<unknown>;
}

/** The browser globals the SDK uses: `globalThis` in a page, a fake in tests. Any may be absent. */
export interface Env {
  location?: { search?: string; protocol?: string } | undefined;
  document?: { cookie: string } | undefined;
  fetch?: ((url: string, init: RequestInit) => Promise<ResponseLike>) | undefined;
  navigator?:
    | { sendBeacon?: ((url: string, data: URLSearchParams) => boolean) | undefined }
    | undefined;
  console?: { warn(...args: unknown[]): void } | undefined;
}
