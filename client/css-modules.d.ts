/** Bun's bundler scopes `*.module.css` class names and exports the generated names by their source names. */
declare module "*.module.css" {
  const classes: Readonly<Record<string, string>>;
  export default classes;
}
