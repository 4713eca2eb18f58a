/** A file imported `with { type: "file" }`: the bundler copies it beside the chunks and gives its URL. */
declare module "*.woff2" {
  const url: string;
  export default url;
}

/** A stylesheet imported `with { type: "text" }`: its text, installed by hand (see markdown/katex.ts). */
declare module "*.min.css" {
  const text: string;
  export default text;
}
