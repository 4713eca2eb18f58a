import { type ComponentProps, Show, createMemo, lazy } from "solid-js";
import type SettingsPanel from "./SettingsPanel.tsx";

// Its own chunk: most visits never open the settings, so they are no part of the first paint.
const Panel = lazy(() => import("./SettingsPanel.tsx"));

/** The settings dialog, fetched the first time it opens and kept from then on. */
export default function SettingsDialog(props: ComponentProps<typeof SettingsPanel>) {
  const opened = createMemo((was: boolean) => was || props.open, false);
  return (
    <Show when={opened()}>
      <Panel {...props} />
    </Show>
  );
}
