import { Show, createEffect, createResource, createSignal, on, onCleanup } from "solid-js";
import { localToken } from "./chat/auth.ts";
import { localPersistence } from "./chat/persistence.ts";
import { fetchStatus } from "./chat/status.ts";
import { createChat } from "./chat/store.ts";
import Composer from "./components/Composer.tsx";
import EmptyState from "./components/EmptyState.tsx";
import Header from "./components/Header.tsx";
import MessageList from "./components/MessageList.tsx";
import Notice from "./components/Notice.tsx";
import TokenPrompt from "./components/TokenPrompt.tsx";
import styles from "./App.module.css";

/** The page: header, the conversation (or a greeting), and the composer (or the access-token prompt). */
export default function App() {
  const tokens = localToken();
  const [token, setToken] = createSignal(tokens.load());
  // Why a token this browser had kept stopped working (the server's token changed).
  const [refused, setRefused] = createSignal<string>();
  const [status, { refetch, mutate }] = createResource(async () => {
    const s = await fetchStatus({ token: token() });
    if (s.unauthorized && token()) {
      setRefused("The saved access token was not accepted; it may have changed. Enter the current one.");
      tokens.save(undefined);
      setToken(undefined);
    }
    return s;
  });
  const chat = createChat({ persistence: localPersistence(), token, onUnauthorized: () => void refetch() });
  onCleanup(() => chat.stop());

  const locked = () => status()?.unauthorized === true;
  const ready = () => status()?.ready === true;
  const model = () => status()?.model || undefined;

  // An answer that was streaming when the page went away is picked up again once the server may be asked.
  createEffect(
    on(
      () => status() !== undefined && !locked(),
      (open) => {
        if (open) void chat.resume();
      },
    ),
  );

  /** Tries a token on the server: kept when accepted, otherwise the server's reason is shown. */
  async function unlock(candidate: string): Promise<string | undefined> {
    const s = await fetchStatus({ token: candidate });
    if (s.unauthorized) return s.problem ?? "The access token is wrong.";
    tokens.save(candidate);
    setToken(candidate);
    setRefused(undefined);
    mutate(s);
    return undefined;
  }

  return (
    <div class={styles.app}>
      <Header model={model()} canClear={chat.state.messages.length > 0} onNewChat={() => chat.clear()} />
      <Show when={status() && !status()!.ready && !locked()}>
        <Notice problem={status()!.problem ?? "The server is not ready to chat."} onCheckAgain={() => void refetch()} />
      </Show>
      <Show when={chat.state.messages.length > 0} fallback={<EmptyState model={model()} ready={ready()} />}>
        <MessageList state={chat.state} onRetry={() => void chat.retry()} />
      </Show>
      <Show
        when={locked()}
        fallback={
          <Composer
            disabled={!ready()}
            streaming={chat.state.streaming}
            onSend={(text) => void chat.send(text)}
            onStop={() => chat.stop()}
          />
        }
      >
        <TokenPrompt error={refused()} onUnlock={unlock} />
      </Show>
    </div>
  );
}
