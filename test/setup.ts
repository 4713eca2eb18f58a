import { setDefaultTimeout } from "bun:test";

// Suites start servers, Redis and Chromium; on a loaded 2-core machine 5 s is too tight for hooks.
// Bun 1.4.5 applies this only to the FIRST test file of a run (checked with two files), and bunfig has
// no timeout key: every hook and slow test therefore also states its own timeout.
setDefaultTimeout(30_000);
