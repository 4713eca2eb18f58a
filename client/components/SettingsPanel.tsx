import { For, Show, createEffect } from "solid-js";
import { DEFAULT_IMAGE_MAX_SIDE, MIN_IMAGE_SIDE } from "../chat/attachment-files.ts";
import { type ModelList, REASONING_EFFORTS, type Settings } from "../chat/settings.ts";
import type { ReasoningEffort } from "../chat/stream.ts";
import styles from "./SettingsPanel.module.css";
import { CloseIcon } from "./icons.tsx";

/**
 * The conversation's settings in a modal dialog: model (from `GET /api/models`), system prompt,
 * temperature, max tokens, reasoning effort and the size attached images are scaled to. Every change applies at once to the next message. A native modal
 * `<dialog>` keeps focus inside and closes on Esc; focus then goes back to where it came from.
 * Loaded the first time the settings open (./SettingsDialog.tsx).
 */
export default function SettingsPanel(props: {
  open: boolean;
  settings: Settings;
  /** Undefined while loading. */
  models: ModelList | undefined;
  onChange: (patch: Partial<Settings>) => void;
  onClose: () => void;
  /** Where focus returns when the dialog closes (the button that opened it). */
  returnFocus?: () => HTMLElement | undefined;
}) {
  let dialog!: HTMLDialogElement;

  createEffect(() => {
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  });

  const temperature = () => props.settings.temperature;
  const offered = () => {
    const list = props.models?.models ?? [];
    const chosen = props.settings.model;
    return chosen && !list.includes(chosen) ? [...list, chosen] : list;
  };

  return (
    <dialog
      ref={dialog}
      class={styles.dialog}
      aria-labelledby="settings-title"
      aria-describedby="settings-help"
      onClose={() => {
        props.onClose();
        props.returnFocus?.()?.focus();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the dialog element itself.
        if (e.target === dialog) dialog.close();
      }}
    >
      <form
        class={styles.panel}
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          dialog.close();
        }}
      >
        <header class={styles.head}>
          <div>
            <h2 id="settings-title" class={styles.title}>
              Settings
            </h2>
            <p id="settings-help" class={styles.help}>
              For this conversation. Changes apply to the next message.
            </p>
          </div>
          <button type="button" class={styles.close} aria-label="Close settings" onClick={() => dialog.close()}>
            <CloseIcon />
          </button>
        </header>

        <div class={styles.field}>
          <label class={styles.label} for="settings-model">
            Model
          </label>
          <select
            id="settings-model"
            class={styles.control}
            disabled={!props.models}
            value={props.settings.model ?? ""}
            onChange={(e) => props.onChange({ model: e.currentTarget.value || undefined })}
          >
            <option value="">
              {props.models ? `Server default${props.models.default ? ` (${props.models.default})` : ""}` : "Loading models…"}
            </option>
            <For each={offered().filter((m) => m !== props.models?.default)}>{(m) => <option value={m}>{m}</option>}</For>
          </select>
          <Show when={props.models?.error}>
            <p class={styles.note}>{props.models!.error}</p>
          </Show>
        </div>

        <div class={styles.field}>
          <label class={styles.label} for="settings-system">
            System prompt
          </label>
          <textarea
            id="settings-system"
            class={`${styles.control} ${styles.textarea}`}
            rows={3}
            placeholder="How the model should answer, e.g. “Be brief. Answer in English.”"
            value={props.settings.system ?? ""}
            onInput={(e) => props.onChange({ system: e.currentTarget.value.trim() ? e.currentTarget.value : undefined })}
          />
        </div>

        <div class={styles.field}>
          <div class={styles.labelRow}>
            <label class={styles.label} for="settings-temperature">
              Temperature
            </label>
            <span class={styles.value} classList={{ [styles.unset!]: temperature() === undefined }} data-temperature>
              {temperature() === undefined ? "Default" : temperature()!.toFixed(1)}
            </span>
            <Show when={temperature() !== undefined}>
              <button type="button" class={styles.reset} onClick={() => props.onChange({ temperature: undefined })}>
                Use default
              </button>
            </Show>
          </div>
          <input
            id="settings-temperature"
            class={styles.range}
            classList={{ [styles.unset!]: temperature() === undefined }}
            type="range"
            min="0"
            max="2"
            step="0.1"
            value={temperature() ?? 1}
            aria-valuetext={temperature() === undefined ? "Model default" : temperature()!.toFixed(1)}
            onInput={(e) => props.onChange({ temperature: Number(e.currentTarget.value) })}
          />
          <div class={styles.scale} aria-hidden="true">
            <span>Precise</span>
            <span>Creative</span>
          </div>
        </div>

        <div class={styles.field}>
          <label class={styles.label} for="settings-max-tokens">
            Max tokens per answer
          </label>
          <input
            id="settings-max-tokens"
            class={styles.control}
            type="number"
            min="1"
            step="1"
            inputmode="numeric"
            placeholder="Default"
            value={props.settings.maxTokens ?? ""}
            onInput={(e) => {
              const input = e.currentTarget;
              const n = input.valueAsNumber;
              const valid = input.value === "" || (Number.isInteger(n) && n >= 1);
              input.setAttribute("aria-invalid", String(!valid));
              if (valid) props.onChange({ maxTokens: input.value === "" ? undefined : n });
            }}
          />
        </div>

        <div class={styles.field}>
          <label class={styles.label} for="settings-reasoning-effort">
            Reasoning effort
          </label>
          <select
            id="settings-reasoning-effort"
            class={styles.control}
            aria-describedby="settings-reasoning-help"
            value={props.settings.reasoningEffort ?? ""}
            onChange={(e) => props.onChange({ reasoningEffort: (e.currentTarget.value || undefined) as ReasoningEffort | undefined })}
          >
            <option value="">Model default</option>
            <For each={REASONING_EFFORTS}>{(effort) => <option value={effort}>{effort[0]!.toUpperCase() + effort.slice(1)}</option>}</For>
          </select>
          <p id="settings-reasoning-help" class={styles.hint}>
            For models that think before answering. Not every model takes every level.
          </p>
        </div>

        <div class={styles.field}>
          <label class={styles.label} for="settings-image-side">
            Largest image side (px)
          </label>
          <input
            id="settings-image-side"
            class={styles.control}
            type="number"
            min={MIN_IMAGE_SIDE}
            step="1"
            inputmode="numeric"
            placeholder={String(DEFAULT_IMAGE_MAX_SIDE)}
            aria-describedby="settings-image-help"
            value={props.settings.imageMaxSide ?? ""}
            onInput={(e) => {
              const input = e.currentTarget;
              const n = input.valueAsNumber;
              const valid = input.value === "" || (Number.isInteger(n) && n >= MIN_IMAGE_SIDE);
              input.setAttribute("aria-invalid", String(!valid));
              if (valid) props.onChange({ imageMaxSide: input.value === "" ? undefined : n });
            }}
          />
          <p id="settings-image-help" class={styles.hint}>
            Attached images are scaled down in the browser to this before they are sent.
          </p>
        </div>

        <footer class={styles.foot}>
          <button
            type="button"
            class={styles.secondary}
            onClick={() =>
              props.onChange({
                model: undefined,
                system: undefined,
                temperature: undefined,
                maxTokens: undefined,
                reasoningEffort: undefined,
                imageMaxSide: undefined,
              })
            }
          >
            Reset all
          </button>
          <button type="submit" class={styles.primary}>
            Done
          </button>
        </footer>
      </form>
    </dialog>
  );
}
