import type OpenAI from "openai";
import type { Config } from "../config.ts";
import { modelNotAllowed } from "../errors.ts";
import type { RequestSettings } from "../config.ts";

const CACHE_MS = 5 * 60_000;

/**
 * Which models a client may pick. CHAT_MODELS, when set, is the list; otherwise whatever the upstream's
 * /v1/models lists (cached), always including the configured default. The key stays on the server.
 */
export class ModelCatalog {
  readonly #client: OpenAI;
  readonly #config: Config;
  #cache: { at: number; models: Promise<string[]> } | undefined;

  constructor(client: OpenAI, config: Config) {
    this.#client = client;
    this.#config = config;
  }

  /** The models to offer, default first. Never throws: an upstream failure offers just the default. */
  async list(): Promise<{ default: string; models: string[]; error?: string }> {
    const fallback = { default: this.#config.model, models: [this.#config.model] };
    if (this.#config.models.length > 0) return { default: this.#config.model, models: unique([this.#config.model, ...this.#config.models]) };
    if (!this.#cache || performance.now() - this.#cache.at > CACHE_MS) {
      this.#cache = { at: performance.now(), models: this.#fetch() };
    }
    try {
      return { default: this.#config.model, models: unique([this.#config.model, ...(await this.#cache.models)]) };
    } catch {
      this.#cache = undefined;
      return { ...fallback, error: "The upstream did not list its models." };
    }
  }

  /**
   * The request's settings over the server's, with max_tokens capped by CHAT_MAX_TOKENS. Answers at once
   * (no promise, no copy of the config) unless another model must be looked up in the list.
   */
  resolve(options: RequestSettings): Config | Promise<Config> {
    const config = this.#config;
    if (options.model !== undefined && options.model !== config.model) return this.#resolveListed(options, options.model);
    if (options.temperature === undefined && options.maxTokens === undefined && options.reasoningEffort === undefined) return config;
    return this.#merge(options);
  }

  async #resolveListed(options: RequestSettings, model: string): Promise<Config> {
    if (!(await this.list()).models.includes(model)) {
      throw modelNotAllowed(model);
    }
    return this.#merge(options);
  }

  #merge(options: RequestSettings): Config {
    const config = this.#config;
    const cap = config.maxTokens;
    const maxTokens = options.maxTokens === undefined ? cap : cap === undefined ? options.maxTokens : Math.min(options.maxTokens, cap);
    return {
      ...config,
      model: options.model ?? config.model,
      temperature: options.temperature ?? config.temperature,
      maxTokens,
      reasoningEffort: options.reasoningEffort ?? config.reasoningEffort,
    };
  }

  async #fetch(): Promise<string[]> {
    const ids: string[] = [];
    for await (const model of this.#client.models.list()) ids.push(model.id);
    return ids.sort();
  }
}

const unique = (xs: string[]) => [...new Set(xs)];
