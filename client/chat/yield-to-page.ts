/**
 * Lets rendering and input run, then resumes: what follows starts a task of its own. A message, not
 * setTimeout: timers in a hidden tab are throttled to one a second, which would hold a long answer back
 * while its tab is in the background.
 */
export function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(undefined);
  });
}
