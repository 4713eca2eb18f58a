import { Show, createEffect, createResource, createSignal, on, onCleanup } from "solid-js";
import { localToken } from "./chat/auth.ts";
import { localPersistence } from "./chat/persistence.ts";
import { fetchModels } from "./chat/settings.ts";
import { fetchStatus } from "./chat/status.ts";
import { createChat } from "./chat/store.ts";
import Composer from "./components/Composer.tsx";
import EmptyState from "./components/EmptyState.tsx";
import Header from "./components/Header.tsx";
import MessageList from "./components/MessageList.tsx";
import Notice from "./components/Notice.tsx";
import SettingsDialog from "./components/SettingsDialog.tsx";
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
  const serverModel = () => status()?.model || undefined;
  // The conversation's own model, when it chose one other than the server's default.
  const chosenModel = () => {
    const m = chat.state.settings.model;
    return m && m !== serverModel() ? m : undefined;
  };
  const model = () => chosenModel() ?? serverModel();

  // Models are asked for each time the settings open (the server caches the upstream's list).
  const [settingsOpen, setSettingsOpen] = createSignal(false);
  const [opened, setOpened] = createSignal(0);
  const [models] = createResource(
    () => opened() || undefined,
    () => fetchModels({ token: token() }),
  );
  const openSettings = () => {
    setOpened((n) => n + 1);
    setSettingsOpen(true);
  };
  let settingsButton: HTMLButtonElement | undefined;
  let composerBox: HTMLTextAreaElement | undefined;

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.isComposing) return;
    const target = e.target instanceof HTMLElement ? e.target : undefined;
    // The settings dialog handles its own keys (Esc closes it, and must not also stop the answer).
    if (target?.closest("dialog")) return;
    if (e.key === "Escape" && chat.state.streaming) {
      e.preventDefault();
      chat.stop();
    } else if ((e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.code === "KeyO") {
      e.preventDefault();
      chat.clear();
      composerBox?.focus();
    } else if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(target)) {
      e.preventDefault();
      composerBox?.focus();
    }
  };
  document.addEventListener("keydown", onKeyDown);
  onCleanup(() => document.removeEventListener("keydown", onKeyDown));

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
      <Header
        model={model()}
        chosen={chosenModel() !== undefined}
        canClear={chat.state.messages.length > 0}
        onNewChat={() => chat.clear()}
        onSettings={openSettings}
        settingsRef={(el) => (settingsButton = el)}
      />
      <Show when={status() && !status()!.ready && !locked()}>
        <Notice problem={status()!.problem ?? "The server is not ready to chat."} onCheckAgain={() => void refetch()} />
      </Show>
      <Show when={chat.state.messages.length > 0} fallback={<EmptyState model={model()} ready={ready()} />}>
        <MessageList state={chat.state} onRetry={() => void chat.retry()} onEdit={(id, text) => void chat.edit(id, text)} />
      </Show>
      <Show
        when={locked()}
        fallback={
          <Composer
            disabled={!ready()}
            streaming={chat.state.streaming}
            onSend={(text) => void chat.send(text)}
            onStop={() => chat.stop()}
            inputRef={(el) => (composerBox = el)}
          />
        }
      >
        <TokenPrompt error={refused()} onUnlock={unlock} />
      </Show>
      <SettingsDialog
        open={settingsOpen()}
        settings={chat.state.settings}
        models={models.loading ? undefined : models()}
        onChange={(patch) => chat.updateSettings(patch)}
        onClose={() => setSettingsOpen(false)}
        returnFocus={() => settingsButton}
      />
    </div>
  );
}

/** Whether keys pressed here are someone typing (so "/" is a character, not a shortcut). */
function typing(el: HTMLElement | undefined): boolean {
  return !!el && (el.isContentEditable || !!el.closest("input, textarea, select"));
}
