import { useEffect, useRef } from "react";

/**
 * Infinite scroll: calls `onVisible` when the returned element comes near the viewport, while
 * `enabled`. `round` (e.g. the number of pages loaded) re-arms the observer, so a sentinel
 * still in view after a short page asks again. Without IntersectionObserver nothing happens
 * and the page's "Load more" button does the work.
 */
export function useSentinel<E extends Element>(
  onVisible: () => void,
  enabled: boolean,
  round: number,
) {
  const ref = useRef<E>(null);
  const callback = useRef(onVisible);
  useEffect(() => {
    callback.current = onVisible;
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` re-arms on purpose.
  useEffect(() => {
    const el = ref.current;
    if (!enabled || !el || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) callback.current();
      },
      { rootMargin: "0px 0px 400px 0px" },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [enabled, round]);
  return ref;
}
