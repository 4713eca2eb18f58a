import { SolidPlugin } from "@dschz/bun-plugin-solid";

/** Solid's JSX → DOM expressions, for the browser only (no SSR, no hydration markers). */
export default SolidPlugin({ generate: "dom", hydratable: false, sourceMaps: false });
