import type { ReactNode } from "react";

/**
 * A table that scrolls sideways on a narrow screen. The scrolling box takes the keyboard
 * focus (so it can be scrolled without a mouse) and is a named region for screen readers.
 */
export function TableWrap({
  label,
  className,
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <section
      className={className ? `table-wrap ${className}` : "table-wrap"}
      aria-label={label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
      tabIndex={0}
    >
      {children}
    </section>
  );
}
