import { describe, expect, it } from "vitest";
import type { MailAction, MessageView } from "../../ipc/bindings";
import { messageFixture, threadDetailFixture, threadFixture } from "../../test/fixtures";
import { applyToThread, markUnreadAction, starToggleAction, summaryFrom } from "./threadActions";

const m = (id: number, flags: { flagged?: boolean; unread?: boolean } = {}): MessageView => messageFixture(id, flags);

describe("star toggle", () => {
  it.each<[string, MessageView[], MailAction | null]>([
    ["nothing starred: star the latest", [m(1), m(2), m(3)], { kind: "set_flagged", message_ids: [3], flagged: true }],
    ["one starred: unstar it", [m(1, { flagged: true }), m(2)], { kind: "set_flagged", message_ids: [1], flagged: false }],
    [
      "several starred: unstar them all",
      [m(1, { flagged: true }), m(2), m(3, { flagged: true })],
      { kind: "set_flagged", message_ids: [1, 3], flagged: false },
    ],
    ["no messages: nothing to do", [], null],
  ])("%s", (_, messages, expected) => {
    expect(starToggleAction(messages)).toEqual(expected);
  });
});

describe("mark unread", () => {
  it.each<[string, MessageView[], MailAction | null]>([
    ["marks the latest message unread", [m(1), m(2)], { kind: "set_seen", message_ids: [2], seen: false }],
    ["no messages: nothing to do", [], null],
  ])("%s", (_, messages, expected) => {
    expect(markUnreadAction(messages)).toEqual(expected);
  });
});

describe("the cached thread after an action", () => {
  const thread = threadDetailFixture(7, [m(1, { unread: true }), m(2, { unread: true, flagged: true })]);
  const state = (action: MailAction) =>
    applyToThread(thread, action).messages.map((x) => `${x.id}:${x.unread ? "u" : "r"}${x.flagged ? "*" : ""}`);

  it.each<[MailAction, string[]]>([
    [{ kind: "mark_thread_read", thread_id: 7 }, ["1:r", "2:r*"]],
    [{ kind: "mark_thread_read", thread_id: 8 }, ["1:u", "2:u*"]],
    [{ kind: "set_seen", message_ids: [2], seen: true }, ["1:u", "2:r*"]],
    [{ kind: "set_flagged", message_ids: [1], flagged: true }, ["1:u*", "2:u*"]],
    [{ kind: "set_flagged", message_ids: [2], flagged: false }, ["1:u", "2:u"]],
    [{ kind: "archive", message_ids: [1, 2] }, ["1:u", "2:u*"]],
  ])("%j", (action, expected) => {
    expect(state(action)).toEqual(expected);
  });

  it("the list row follows the messages", () => {
    const read = applyToThread(thread, { kind: "set_flagged", message_ids: [2], flagged: false });
    const row = summaryFrom(threadFixture(7, { unread_count: 2, flagged: true }), read);
    expect([row.unread_count, row.flagged]).toEqual([2, false]);
  });
});
