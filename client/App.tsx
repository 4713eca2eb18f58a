import { Show, createEffect, createResource, createSignal, lazy, on, onCleanup } from "solid-js";
import { localToken } from "./chat/auth.ts";
import { createConversationList } from "./chat/conversations.ts";
import { idbStorage, localLegacy } from "./chat/idb-storage.ts";
import { createLiveChats } from "./chat/live-chats.ts";
import { fetchModels } from "./chat/settings.ts";
import { fetchStatus } from "./chat/status.ts";
import { type Chat, createChat } from "./chat/store.ts";
import Composer from "./components/Composer.tsx";
import EmptyState from "./components/EmptyState.tsx";
import Header from "./components/Header.tsx";
import MessageList from "./components/MessageList.tsx";
import Notice from "./components/Notice.tsx";
import SettingsDialog from "./components/SettingsDialog.tsx";
import Sidebar from "./components/Sidebar.tsx";
import Transfer from "./components/Transfer.tsx";
import TokenPrompt from "./components/TokenPrompt.tsx";
import styles from "./App.module.css";

// Asked once per browser, so not in the first paint.
const UploadOffer = lazy(() => import("./components/UploadOffer.tsx"));

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
  // Files the storage could not keep, said each time (a new array each time).
  const [dropped, setDropped] = createSignal<string[]>();
  const list = createConversationList({
    storage: idbStorage(),
    legacy: localLegacy(),
    channel: new BroadcastChannel("chat-conversations"),
    busy: (id) => chats.answering(id),
    onDropped: (_, names) => setDropped(names),
    // Changed in another tab (not one answering here: the list keeps ours) or deleted there: read again.
    onRemote: (id) => changedElsewhere(id),
  });
  /** An answer is being written into conversation `id` for another device (the server's copy says so). */
  const arrivingElsewhere = (id: string) => !!list.get(id)?.messages.some((m) => m.status === "streaming" && m.streamId);
  /** Conversation `id` changed in another tab or on another device (or was deleted there): shown as it now is. */
  const changedElsewhere = (id: string) => {
    chats.remove(id);
    if (id !== activeId()) return;
    if (list.get(id)) setCurrent(chats.open(id));
    else openConversation(newest());
  };
  const [activeId, setActiveId] = createSignal<string>();
  // Until the saved conversations are read, an empty chat that keeps nothing.
  const [current, setCurrent] = createSignal<Chat>(createChat({ token }));
  const chats = createLiveChats((id) =>
    createChat({ conversationId: id, persistence: list.persistence(id), token, onUnauthorized: () => void refetch() }),
  );
  /** Shows conversation `id`. An answer still arriving in the one left goes on arriving there. */
  const openConversation = (id: string) => {
    if (id === activeId() && list.get(id)) return;
    setActiveId(id);
    stored("chat.active.v1", id);
    setCurrent(chats.open(id));
  };
  /** A new conversation with the settings of the one on screen, unless that one is still empty. */
  const newConversation = () => {
    const c = list.get(activeId() ?? "");
    if (c && c.messages.length === 0) return;
    openConversation(list.add({ messages: [], settings: { ...current().state.settings } }).id);
  };
  const newest = () => list.state.items[0]?.id ?? list.create().id;
  const removeConversation = (id: string) => {
    chats.remove(id);
    list.remove(id);
    if (id === activeId()) openConversation(newest());
  };
  const [loaded] = createResource(async () => {
    await list.load();
    const saved = stored("chat.active.v1");
    openConversation(saved && list.get(saved) ? saved : newest());
    return true;
  });
  onCleanup(() => current().stop());
  // Beside the conversation it starts as it was left; over it (a phone) it starts closed.
  const [sidebarOpen, setSidebarOpen] = createSignal(wide() && stored("chat.sidebar.v1") !== "closed");
  createEffect(on(sidebarOpen, (open) => wide() && stored("chat.sidebar.v1", open ? null : "closed"), { defer: true }));

  const locked = () => status()?.unauthorized === true;
  const ready = () => status()?.ready === true;
  const serverModel = () => status()?.model || undefined;
  // The conversation's own model, when it chose one other than the server's default.
  const chosenModel = () => {
    const m = current().state.settings.model;
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
  let searchBox: HTMLInputElement | undefined;

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.isComposing) return;
    const target = e.target instanceof HTMLElement ? e.target : undefined;
    // The settings dialog handles its own keys (Esc closes it, and must not also stop the answer).
    if (target?.closest("dialog")) return;
    if (e.key === "Escape" && sidebarOpen() && !wide() && target?.closest("#sidebar, header")) {
      // On a phone the open sidebar covers the page: Esc closes it (and does not stop the answer).
      e.preventDefault();
      setSidebarOpen(false);
    } else if (e.key === "Escape" && current().state.streaming) {
      e.preventDefault();
      current().stop();
    } else if ((e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.code === "KeyO") {
      e.preventDefault();
      newConversation();
      composerBox?.focus();
    } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === "k") {
      e.preventDefault();
      setSidebarOpen(true);
      searchBox?.focus();
    } else if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(target)) {
      e.preventDefault();
      composerBox?.focus();
    }
  };
  document.addEventListener("keydown", onKeyDown);
  onCleanup(() => document.removeEventListener("keydown", onKeyDown));

  // An answer that was streaming when the page went away is picked up again once the server may be asked:
  // the one on screen, and each other conversation's, off screen (the sidebar shows it arriving).
  const canAsk = () => status() !== undefined && !locked() && loaded() === true;
  createEffect(
    on([canAsk, current], ([open, chat]) => {
      if (open) void chat.resume();
    }),
  );
  createEffect(
    on(canAsk, (open) => {
      if (!open) return;
      for (const c of list.state.items) {
        const arriving = c.messages.some((m) => m.status === "streaming" && m.streamId);
        if (arriving && c.id !== activeId()) void chats.follow(c.id).resume();
      }
    }),
  );

  // With history on the server (the default), the server's copy is the truth and this browser's the cache:
  // started once the server may be asked, in its own chunk (the first paint does not wait for it).
  const [offer, setOffer] = createSignal<{ count: number; choose: (upload: boolean) => void }>();
  let syncing = false;
  let sync: { stop(): void } | undefined;
  onCleanup(() => sync?.stop());
  createEffect(
    on(canAsk, (open) => {
      if (!open || syncing || !status()?.history) return;
      syncing = true;
      void import("./chat/server-sync.ts").then(({ startServerSync }) =>
        startServerSync({
          list,
          token,
          busy: (id) => chats.answering(id),
          onRemote: changedElsewhere,
          onOffer: (count, choose) => setOffer({ count, choose }),
        }).then((started) => (sync = started)),
      ).catch(() => {
        // The server could not be asked: this browser's copy goes on; the next load tries again.
        syncing = false;
      });
    }),
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
      <Sidebar
        open={sidebarOpen()}
        items={list.state.items}
        activeId={activeId()}
        answering={(id) => chats.answering(id) || arrivingElsewhere(id)}
        onOpen={(id) => {
          openConversation(id);
          if (!wide()) setSidebarOpen(false);
        }}
        onRename={(id, title) => list.rename(id, title)}
        onRemove={removeConversation}
        onClose={() => setSidebarOpen(false)}
        searchRef={(el) => (searchBox = el)}
        footer={
          <Transfer
            current={list.get(activeId() ?? "")}
            onImport={(imported) => {
              openConversation(list.add(imported).id);
              if (!wide()) setSidebarOpen(false);
            }}
          />
        }
      />
      <div class={styles.main}>
      <Header
        sidebarOpen={sidebarOpen()}
        onToggleSidebar={() => setSidebarOpen((v) => !v)}
        model={model()}
        chosen={chosenModel() !== undefined}
        canClear={current().state.messages.length > 0}
        onNewChat={() => {
          newConversation();
          if (!wide()) setSidebarOpen(false);
        }}
        onSettings={openSettings}
        settingsRef={(el) => (settingsButton = el)}
      />
      <Show when={status() && !status()!.ready && !locked()}>
        <Notice problem={status()!.problem ?? "The server is not ready to chat."} onCheckAgain={() => void refetch()} />
      </Show>
      <Show when={offer()}>
        {(o) => (
          <UploadOffer
            count={o().count}
            onChoose={(upload) => {
              // Read before the banner goes: its accessor is stale once `offer` is cleared.
              const { choose } = o();
              setOffer(undefined);
              choose(upload);
            }}
          />
        )}
      </Show>
      <Show when={current().state.messages.length > 0} fallback={<EmptyState model={model()} ready={ready()} />}>
        <MessageList
          state={current().state}
          onRetry={() => void current().retry()}
          onEdit={(id, text) => void current().edit(id, text)}
          onSelect={(id) => current().select(id)}
        />
      </Show>
      <Show
        when={locked()}
        fallback={
          <Composer
            disabled={!ready()}
            streaming={current().state.streaming}
            onSend={(text, files) => void current().send(text, files)}
            onStop={() => current().stop()}
            inputRef={(el) => (composerBox = el)}
            imageMaxSide={current().state.settings.imageMaxSide}
            dropped={dropped()}
          />
        }
      >
        <TokenPrompt error={refused()} onUnlock={unlock} />
      </Show>
      </div>
      <SettingsDialog
        open={settingsOpen()}
        settings={current().state.settings}
        models={models.loading ? undefined : models()}
        onChange={(patch) => current().updateSettings(patch)}
        onClose={() => setSettingsOpen(false)}
        returnFocus={() => settingsButton}
      />
    </div>
  );
}

/** Wide enough for the sidebar to sit beside the conversation (narrower, it opens over it). */
function wide(): boolean {
  return window.matchMedia("(min-width: 760px)").matches;
}

/**
 * What this browser remembers between visits: which conversation was on screen (so a reload, mid-answer
 * too, opens the same one) and whether the wide sidebar was collapsed. `null` forgets. Where storage is
 * blocked nothing is kept, and a reload starts from the defaults.
 */
function stored(key: "chat.active.v1" | "chat.sidebar.v1", value?: string | null): string | null | undefined {
  try {
    if (value === undefined) return localStorage.getItem(key);
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    return undefined;
  }
}

/** Whether keys pressed here are someone typing (so "/" is a character, not a shortcut). */
function typing(el: HTMLElement | undefined): boolean {
  return !!el && (el.isContentEditable || !!el.closest("input, textarea, select"));
}
