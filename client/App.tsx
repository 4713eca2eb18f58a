import { Show, createResource, onCleanup } from "solid-js";
import { localPersistence } from "./chat/persistence.ts";
import { fetchStatus } from "./chat/status.ts";
import { createChat } from "./chat/store.ts";
import Composer from "./components/Composer.tsx";
import EmptyState from "./components/EmptyState.tsx";
import Header from "./components/Header.tsx";
import MessageList from "./components/MessageList.tsx";
import Notice from "./components/Notice.tsx";
import styles from "./App.module.css";

/** The page: header, the conversation (or a greeting), and the composer. */
export default function App() {
  const [status, { refetch }] = createResource(fetchStatus);
  const chat = createChat({ persistence: localPersistence() });
  onCleanup(() => chat.stop());

  const ready = () => status()?.ready === true;
  const model = () => status()?.model || undefined;

  return (
    <div class={styles.app}>
      <Header model={model()} canClear={chat.state.messages.length > 0} onNewChat={() => chat.clear()} />
      <Show when={status() && !status()!.ready}>
        <Notice problem={status()!.problem ?? "The server is not ready to chat."} onCheckAgain={() => void refetch()} />
      </Show>
      <Show when={chat.state.messages.length > 0} fallback={<EmptyState model={model()} ready={ready()} />}>
        <MessageList state={chat.state} onRetry={() => void chat.retry()} />
      </Show>
      <Composer
        disabled={!ready()}
        streaming={chat.state.streaming}
        onSend={(text) => void chat.send(text)}
        onStop={() => chat.stop()}
      />
    </div>
  );
}
