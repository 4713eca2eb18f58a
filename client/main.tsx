import { render } from "solid-js/web";
import App from "./App.tsx";
import { warmTemplates } from "./components/warm-templates.tsx";

render(() => <App />, document.getElementById("root")!);
warmTemplates();

// Offline shell and install (src/service-worker.ts), registered once the page has loaded and settled;
// not in development (`bun run dev`), where Bun's live bundle with hot reload is served.
if (process.env.NODE_ENV === "production" && "serviceWorker" in navigator) addEventListener("load", () => setTimeout(() => navigator.serviceWorker.register("/sw.js").catch(() => {}), 1000));
