/** One message of the conversation as the upstream receives it (the seed's shape). */
export type Role = "user" | "assistant" | "system";
export interface ChatMessage {
  role: Role;
  content: string;
}
