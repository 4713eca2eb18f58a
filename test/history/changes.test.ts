import { describe, expect, test } from "bun:test";
import { type Change, type ChangeBus, ChangeFeed } from "../../src/history/changes.ts";

/** Instances on one bus: each hears what the others announce (as Postgres NOTIFY does, not its own). */
function bus() {
  const instances: ((owner: string, change: Change) => void)[] = [];
  return (): ChangeBus => {
    let mine: ((owner: string, change: Change) => void) | undefined;
    return {
      announce: (owner, change) => instances.filter((d) => d !== mine).forEach((d) => d(owner, change)),
      listen: (deliver) => void instances.push((mine = deliver)),
    };
  };
}

describe("the change feed", () => {
  test("a change reaches that owner's listeners only, once each, and stops reaching one that unsubscribed", () => {
    const feed = new ChangeFeed();
    const alice: Change[] = [];
    const bob: Change[] = [];
    const stop = feed.subscribe("alice", (c) => alice.push(c));
    feed.subscribe("bob", (c) => bob.push(c));
    feed.publish("alice", { id: "c1", updatedAt: 1 });
    stop();
    feed.publish("alice", { id: "c2", updatedAt: 2 });
    expect(alice).toEqual([{ id: "c1", updatedAt: 1 }]);
    expect(bob).toEqual([]);
    expect(feed.size).toBe(1);
  });

  test("with a bus, a change saved through one instance reaches the owner's pages on the others, once", () => {
    const join = bus();
    const [a, b] = [new ChangeFeed(join()), new ChangeFeed(join())];
    const onA: Change[] = [];
    const onB: Change[] = [];
    a.subscribe("alice", (c) => onA.push(c));
    b.subscribe("alice", (c) => onB.push(c));
    a.publish("alice", { id: "c1", removed: true });
    b.publish("alice", { id: "c2", updatedAt: 5, by: "phone" });
    expect(onA).toEqual([{ id: "c1", removed: true }, { id: "c2", updatedAt: 5, by: "phone" }]);
    expect(onB).toEqual(onA);
  });
});
