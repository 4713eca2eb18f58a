import { type ComponentProps, lazy } from "solid-js";
import type Thinking from "./Thinking.tsx";

// Its own chunk: only answers of reasoning models need it, so it is no part of the first paint. It is
// fetched once the page is idle, so the first thought of the first such answer does not wait for it.
const Block = lazy(() => import("./Thinking.tsx"));
if (typeof requestIdleCallback === "function") requestIdleCallback(() => void Block.preload(), { timeout: 5000 });

/** An answer's thinking, above it (./Thinking.tsx). */
export default function ThoughtBlock(props: ComponentProps<typeof Thinking>) {
  return <Block {...props} />;
}
