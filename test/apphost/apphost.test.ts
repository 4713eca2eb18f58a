import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type FakeOpenAI, fakeText, startFakeOpenAI } from "../support/fake-openai.ts";
import { captureOutput } from "../support/process-output.ts";
import { postChat, readSse, userSays } from "../support/sse.ts";

const root = join(import.meta.dir, "..", "..");
const dotnet = Bun.which("dotnet");
// .ci/run builds apphost.cs before `bun test`; here `dotnet run` then only checks it is up to date.
// Without that (a first run on a new machine) it restores and builds too: about 20 s more here.
const TIMEOUT_MS = 300_000;

// Every process the AppHost starts inherits its environment, DCP's detached daemon included,
// so this marker finds them all, whatever their process group.
const marker = `apphost-test-${crypto.randomUUID()}`;

function processesWithMarker(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "latin1").includes(marker)) continue;
      found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ").trim()}`);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function killAll(signal: NodeJS.Signals): void {
  for (const line of processesWithMarker()) {
    try {
      process.kill(Number(line.split(" ")[0]), signal);
    } catch {}
  }
}

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** Polls `probe` until it returns a value; errors count as "not yet". */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>, context: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${ms / 1000} s\n${context()}`);
    await Bun.sleep(250);
  }
}

/** SIGTERM to the AppHost's process group, then waits for DCP to stop everything it started. */
async function stopAppHost(proc: Bun.Subprocess): Promise<{ exited: boolean; left: string[]; seconds: number }> {
  const t0 = performance.now();
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, s);
    } catch {}
  };
  signal("SIGTERM");
  const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(30_000).then(() => false)]);
  if (!exited) signal("SIGKILL");
  // DCP runs detached; it notices that the AppHost is gone and stops the chat and the dashboard.
  await until("no process left", 30_000, async () => processesWithMarker().length === 0 || undefined, () => "").catch(() => {});
  return { exited, left: processesWithMarker(), seconds: (performance.now() - t0) / 1000 };
}

type Traces = {
  data: { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string }[] }[] }[] };
};

/** Span names the dashboard holds for service "chat", once it has the request span. */
async function chatSpanNames(dashboardUrl: string): Promise<string[] | undefined> {
  const body = (await (await fetch(`${dashboardUrl}/api/telemetry/traces`)).json()) as Traces;
  const names = body.data.resourceSpans
    .filter((rs) => rs.resource.attributes.some((a) => a.key === "service.name" && a.value.stringValue === "chat"))
    .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
  return names.includes("POST /api/chat") ? names : undefined;
}

let fake: FakeOpenAI | undefined;
afterAll(() => {
  fake?.stop();
  killAll("SIGKILL"); // only if a failed test left something behind
});

if (!dotnet && !process.env.CI) {
  test.skip("apphost.cs (skipped: `dotnet` is not on PATH; CI=true makes this a failure instead)", () => {});
} else {
  test(
    "apphost.cs runs the chat from source: healthy, streams an answer, traces reach the dashboard, stops with no strays",
    async () => {
      fake = startFakeOpenAI();
      const [dashboard, otlpGrpc, otlpHttp, resources, chatPort] = [1, 2, 3, 4, 5].map(freePort);
      const dashboardUrl = `http://127.0.0.1:${dashboard}`;
      const chatUrl = `http://127.0.0.1:${chatPort}`;

      const started = performance.now();
      // `--no-launch-profile`: everything apphost.run.json would set comes from here, on free ports.
      const proc = Bun.spawn([dotnet ?? "dotnet", "run", "--no-launch-profile", "--file", "apphost.cs"], {
        cwd: root,
        detached: true, // its own process group, so one signal reaches dotnet and the AppHost
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        env: {
          ...process.env,
          APPHOST_TEST_MARKER: marker,
          DOTNET_ENVIRONMENT: "Development",
          ASPNETCORE_URLS: dashboardUrl,
          ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL: `http://127.0.0.1:${otlpGrpc}`,
          ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL: `http://127.0.0.1:${otlpHttp}`,
          ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL: `http://127.0.0.1:${resources}`,
          ASPIRE_ALLOW_UNSECURED_TRANSPORT: "true",
          // Lets the test read /api/telemetry without the browser token.
          ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS: "true",
          "Parameters__openai-api-key": "sk-test",
          "Parameters__openai-base-url": fake.baseURL,
          CHAT_PORT: String(chatPort),
        },
      });
      const captured = captureOutput("the AppHost", proc);
      const output = () => (proc.exitCode === null ? captured.text() : `${captured.text()}\n[exited with ${proc.exitCode}]`);

      let stopped: Awaited<ReturnType<typeof stopAppHost>>;
      try {
        await until(
          "the chat to answer /healthz through Aspire's endpoint",
          180_000,
          async () => {
            if (proc.exitCode !== null) return "exited";
            return (await fetch(`${chatUrl}/healthz`)).ok ? "healthy" : undefined;
          },
          output,
        ).then((state) => {
          if (state === "exited") throw new Error(`AppHost exited before the chat was healthy:\n${output()}`);
        });
        console.log(`apphost: chat healthy ${((performance.now() - started) / 1000).toFixed(1)} s after \`dotnet run\``);
        // The stray check at the end means something only if the marker finds the chat now.
        const running = processesWithMarker();
        expect(running.some((p) => p.includes("--hot src/main.ts"))).toBe(true);
        expect(running.some((p) => p.includes("/dcp "))).toBe(true);

        const answer = await readSse(await postChat(chatUrl, userSays("hi")));
        expect(answer.error).toBeUndefined();
        expect(answer.text).toBe(fakeText());
        expect(answer.done).toBe(true);

        // The app's spans reached the dashboard over OTLP/HTTP protobuf, under the resource's name.
        const spans = await until("the chat's spans in the dashboard", 30_000, () => chatSpanNames(dashboardUrl), output);
        expect(spans).toContain("POST /api/chat");
      } finally {
        stopped = await stopAppHost(proc);
        console.log(`apphost: stopped in ${stopped.seconds.toFixed(1)} s`);
      }
      expect(stopped.exited).toBe(true);
      expect(stopped.left).toEqual([]);
    },
    TIMEOUT_MS,
  );
}
