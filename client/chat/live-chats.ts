import { createSignal } from "solid-js";
import type { Chat } from "./store.ts";

/**
 * The chat on screen and any left while an answer was still arriving: those keep streaming (and saving)
 * off screen, and are shown again as they are when their conversation is opened.
 */
export function createLiveChats(make: (id: string) => Chat) {
  // One Map, changed in place: `equals: false` makes each set a change.
  const [chats, setChats] = createSignal(new Map<string, Chat>(), { equals: false });
  /**
   * Follows conversation `id` off screen without touching the others (after a reload, an answer that was
   * arriving there when the page went away): its chat is kept, to be shown as it is if it is opened.
   */
  const follow = (id: string): Chat => {
    const map = chats();
    const chat = map.get(id) ?? make(id);
    setChats(map.set(id, chat));
    return chat;
  };
  return {
    /** The chat for conversation `id` (its live one, or a new one); other chats that have finished are let go. */
    open(id: string): Chat {
      const map = chats();
      for (const [key, c] of map) if (key !== id && !c.state.streaming) map.delete(key);
      return follow(id);
    },
    follow,
    /** Whether an answer is arriving in conversation `id` (tracked, for the sidebar). */
    answering: (id: string) => !!chats().get(id)?.state.streaming,
    /** Stops conversation `id`'s answer, if any, and forgets its chat (it is being deleted). */
    remove(id: string): void {
      chats().get(id)?.stop();
      chats().delete(id);
      setChats(chats());
    },
  };
}
