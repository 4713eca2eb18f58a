/**
 * True inside an executable made by `bun build --compile` (src/build.ts): its modules live in Bun's
 * embedded file system, `/$bunfs/…` on Linux and macOS, `B:/~BUN/…` on Windows. False from source.
 */
export const compiled = Bun.main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/i.test(Bun.main);
