import { setDefaultTimeout } from "bun:test";

// Suites start servers, Redis and Chromium; on a loaded 2-core machine 5 s is too tight for hooks.
setDefaultTimeout(30_000);
