import pkg from "../package.json";

// Replaced by src/build.ts (`define`) in a compiled executable; absent when run from source.
declare const CHAT_BUILD_COMMIT: string | undefined;
declare const CHAT_BUILD_TARGET: string | undefined;

export const build = {
  version: pkg.version,
  commit: typeof CHAT_BUILD_COMMIT === "string" ? CHAT_BUILD_COMMIT : "source",
  target: typeof CHAT_BUILD_TARGET === "string" ? CHAT_BUILD_TARGET : `${process.platform}-${process.arch}`,
};

/** What `chat --version` prints: `chat 0.1.0 (commit 1a2b3c4d5e6f, linux-x64, bun 1.4.5)`. */
export const versionLine = () => `chat ${build.version} (commit ${build.commit}, ${build.target}, bun ${Bun.version})`;
