import { type ComponentProps, lazy } from "solid-js";
import type TokenForm from "./TokenForm.tsx";

// Its own chunk: only a server started with CHAT_AUTH_TOKEN asks, once per browser.
const Form = lazy(() => import("./TokenForm.tsx"));

/** The access-token prompt, fetched when the server asks for a token. */
export default function TokenPrompt(props: ComponentProps<typeof TokenForm>) {
  return <Form {...props} />;
}
