import { render } from "solid-js/web";
import App from "./App.tsx";
import { warmTemplates } from "./components/warm-templates.tsx";

render(() => <App />, document.getElementById("root")!);
warmTemplates();
