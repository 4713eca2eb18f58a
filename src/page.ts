import type { BunPlugin, HTMLBundle } from "bun";
import { basename, dirname, join } from "node:path";

/**
 * The page's security headers. No inline script, no other origin: model output rendered into the page
 * cannot load a remote image (markdown exfiltration, EchoLeak CVE-2025-32711) or run code.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
};

interface File {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

/**
 * Serves the bundled client with our headers. Bun cannot add headers to an HTML-import route
 * (oven-sh/bun #17595; PR #41376 still open), so the files are held in memory and served from here:
 * - in the executable, the bundle it carries is served once on a private loopback port and copied;
 * - run from source (`bun run start`), the client is built as the executable's build does it (split
 *   into on-demand chunks, minified): Bun's run-time bundling of an HTML import makes one unsplit
 *   bundle (91 KB gzipped against 30 KB first), so the page would not be the one users get.
 */
export class Page {
  readonly #bundle: HTMLBundle;
  #files: Promise<Map<string, File>> | undefined;

  constructor(bundle: HTMLBundle) {
    this.#bundle = bundle;
  }

  /** The page for `/`, an asset by its path, or undefined. */
  async serve(pathname: string): Promise<Response | undefined> {
    this.#files ??= runsFromSource() ? buildFromSource(this.#bundle.index) : snapshot(this.#bundle);
    const file = (await this.#files).get(pathname);
    if (!file) return undefined;
    const isPage = pathname === "/";
    return new Response(file.body, {
      headers: {
        ...PAGE_HEADERS,
        "Content-Type": file.type,
        // Asset names carry a content hash; the page itself must always be revalidated.
        "Cache-Control": isPage ? "no-cache" : "public, max-age=31536000, immutable",
      },
    });
  }
}

/** The module's path in a compiled executable is in Bun's embedded file system. */
function runsFromSource(): boolean {
  return !import.meta.path.startsWith("/$bunfs/") && !/^[A-Z]:[\\/]~BUN[\\/]/i.test(import.meta.path);
}

/** The client built from its source folder, with the same options as src/build.ts gives the executable. */
async function buildFromSource(index: string): Promise<Map<string, File>> {
  // Not a literal specifier: the executable must not carry Babel and the Solid plugin, which it never runs.
  const pluginPath = join(dirname(index), "solid-plugin.ts");
  const { default: solid } = (await import(pluginPath)) as { default: BunPlugin };
  const result = await Bun.build({
    entrypoints: [index],
    target: "browser",
    splitting: true,
    minify: true,
    publicPath: "/",
    plugins: [solid],
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
  });
  if (!result.success) throw new AggregateError(result.logs, "building the client failed");
  const files = new Map<string, File>();
  for (const out of result.outputs) {
    const path = `/${basename(out.path)}`;
    files.set(path === "/index.html" ? "/" : path, { body: new Uint8Array(await out.arrayBuffer()), type: out.type });
  }
  return files;
}

async function snapshot(bundle: HTMLBundle): Promise<Map<string, File>> {
  const inner = Bun.serve({ hostname: "127.0.0.1", port: 0, development: false, routes: { "/": bundle }, fetch: () => new Response(null, { status: 404 }) });
  try {
    const files = new Map<string, File>();
    const pending = ["/"];
    while (pending.length > 0) {
      const path = pending.pop()!;
      if (files.has(path)) continue;
      const res = await fetch(new URL(path, inner.url));
      if (!res.ok) throw new Error(`bundled client: ${path} answered ${res.status}`);
      const body = new Uint8Array(await res.arrayBuffer());
      const type = res.headers.get("content-type") ?? "application/octet-stream";
      files.set(path, { body, type });
      if (/html|css|javascript/.test(type)) pending.push(...localReferences(new TextDecoder().decode(body)));
    }
    return files;
  } finally {
    void inner.stop(true);
  }
}

/**
 * Same-origin absolute paths a file loads: src/href attributes, CSS url(), the chunk files that split
 * scripts import on demand (`import("/chunk-….js")`, named only inside the JS), and fonts the JS imports
 * as files (KaTeX's `"/KaTeX_Main-Regular-<hash>.woff2"`: Bun's CSS would inline them as data: URIs, which
 * the CSP refuses).
 */
function localReferences(text: string): string[] {
  const refs: string[] = [];
  const pattern = /(?:src|href)="(\/[^"/][^"]*)"|url\(["']?(\/[^"')/][^"')]*)["']?\)|["'](\/(?:chunk-[a-z0-9]+\.(?:js|css)|[\w.-]+-[a-z0-9]{8}\.woff2))["']/g;
  for (const m of text.matchAll(pattern)) refs.push((m[1] ?? m[2] ?? m[3])!.split(/[?#]/)[0]!);
  return refs;
}
