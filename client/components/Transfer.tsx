import { type ComponentProps, lazy } from "solid-js";
import type TransferPanel from "./TransferPanel.tsx";

// Its own chunk (with the export and import code), fetched as the sidebar first renders: the buttons sit
// at the bottom of the sidebar, and most visits never use them, so they are no part of the first paint.
const Panel = lazy(() => import("./TransferPanel.tsx"));

/** Export and import buttons under the conversation list. */
export default function Transfer(props: ComponentProps<typeof TransferPanel>) {
  return <Panel {...props} />;
}
