import type { Config } from "../config.ts";
import { isLoopback } from "../config.ts";
import { type ChatError, hostNotAllowed, originNotAllowed, unauthorized, unsupportedMediaType } from "../errors.ts";
import { findOwner, setOwner } from "./owners.ts";


/**
 * DNS rebinding (Ollama CVE-2024-28224): a page on evil.example re-resolves its own name to 127.0.0.1
 * and talks to us as "same origin". Its requests still carry `Host: evil.example`, so while we are
 * bound to loopback only loopback names (and configured ones) are served.
 */
export function checkHost(req: Request, config: Config): ChatError | undefined {
  const policy = hostPolicy(config);
  if (!policy.loopback) return undefined;
  const header = req.headers.get("host") ?? "";
  // A client sends the same Host on every request: once allowed, one lookup instead of the parsing.
  if (policy.allowed.has(header)) return undefined;
  const host = hostname(header);
  if (isLoopback(host) || host.endsWith(".localhost") || config.security.allowedHosts.includes(host)) {
    if (policy.allowed.size < MAX_REMEMBERED_HOSTS) policy.allowed.add(header);
    return undefined;
  }
  return hostNotAllowed(host);
}

// Only allowed values are remembered, and only a few: a client inventing names fills nothing.
const MAX_REMEMBERED_HOSTS = 64;
const hostPolicies = new WeakMap<Config, { loopback: boolean; allowed: Set<string> }>();

function hostPolicy(config: Config): { loopback: boolean; allowed: Set<string> } {
  let policy = hostPolicies.get(config);
  if (!policy) hostPolicies.set(config, (policy = { loopback: isLoopback(config.host), allowed: new Set() }));
  return policy;
}

/**
 * Cross-site POST (llama.cpp #25606): any web page can make the browser POST to localhost, spending
 * the API key. Browsers always send Origin on cross-origin POSTs; curl and SDKs send none and pass.
 */
export function checkOrigin(req: Request, config: Config): ChatError | undefined {
  const origin = req.headers.get("origin");
  if (origin !== null) {
    const own = (req.headers.get("host") ?? "").toLowerCase();
    const parsed = URL.parse(origin);
    const sameOrigin = parsed !== null && parsed.host.toLowerCase() === own;
    if (!sameOrigin && !config.security.allowedOrigins.includes(origin.toLowerCase())) {
      return originNotAllowed(origin);
    }
  }
  return undefined;
}

/** Only simple content types (form, text) skip the browser's CORS preflight: anything else is refused. */
export function checkJson(req: Request): ChatError | undefined {
  const header = req.headers.get("content-type") ?? "";
  if (header === "application/json") return undefined;
  const type = header.split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    return unsupportedMediaType();
  }
  return undefined;
}

/**
 * With CHAT_AUTH_TOKEN (or CHAT_AUTH_TOKENS_FILE) set, every API call needs `Authorization: Bearer
 * <token>`, and the token names the request's owner (security/owners.ts).
 */
export function checkAuth(req: Request, config: Config): ChatError | undefined {
  const { owners } = config.security;
  if (owners.length === 0) return undefined;
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1]?.trim() ?? "";
  const owner = given ? findOwner(owners, given) : undefined;
  if (owner === undefined) return unauthorized(given !== "");
  setOwner(req, owner);
  return undefined;
}


function hostname(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  return h.replace(/:\d+$/, "");
}
