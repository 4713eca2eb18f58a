/** Where the access token (CHAT_AUTH_TOKEN) is kept between visits: localStorage, shared by every tab, never a URL. */
export interface TokenStore {
  load(): string | undefined;
  /** Saves the token, or forgets it with `undefined`. */
  save(token: string | undefined): void;
}

export function localToken(key = "chat.token.v1"): TokenStore {
  return {
    load() {
      try {
        return localStorage.getItem(key) || undefined;
      } catch {
        return undefined;
      }
    },
    save(token) {
      try {
        if (token) localStorage.setItem(key, token);
        else localStorage.removeItem(key);
      } catch {
        // Storage blocked (private modes): the token lasts until the tab closes, then the page asks again.
      }
    },
  };
}

/** The header that carries the token on every API call; nothing when there is no token. */
export function bearer(token: string | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}
