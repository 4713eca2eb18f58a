import { render } from "solid-js/web";

function App() {
  return <main>Chat</main>;
}

render(() => <App />, document.getElementById("root")!);
