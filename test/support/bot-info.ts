import type { UserFromGetMe } from "grammy/types";

/**
 * A complete `getMe` result for the bot under test. Declared with the
 * `UserFromGetMe` type so that the compiler flags fields added by a newer
 * `@grammyjs/types`.
 */
export const botInfo: UserFromGetMe = {
  id: 7000000001,
  is_bot: true,
  first_name: "Pendamping",
  username: "pendamping_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

/** The bot as it appears in the `from` field of its own messages. */
export function botUser(info: UserFromGetMe = botInfo): { id: number; is_bot: true; first_name: string; username: string } {
  return { id: info.id, is_bot: true, first_name: info.first_name, username: info.username };
}
