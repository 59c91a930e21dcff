import { Component, type ReactNode } from "react";

/** Shows `fallback` when the chart (its chunk, or uPlot) fails, instead of the whole page. */
export class ChartBoundary extends Component<
  { fallback: ReactNode; children: ReactNode },
  { failed: boolean }
> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}
