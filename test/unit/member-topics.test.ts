import { generateKeyPair, privateKeyFromRaw } from "@libp2p/crypto/keys";
import type { Message, TopicValidatorFn } from "@libp2p/gossipsub";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import { TypedEventEmitter, type PeerId } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { getBytes, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { MemberTopics, RecentSet, type DeliverVerdict, type JoinOptions } from "../../src/network/member-topics.js";
import type { MemberTopicVerdict, NetworkEvents } from "../../src/network/network-events.js";
import { dkgTopic, signingTopic } from "../../src/network/topics.js";
import { silentLogger } from "../../src/util/logger.js";

const key = (n: number): string => "0x" + n.toString(16).padStart(64, "0");
const alice = new Wallet(key(1));
const bob = new Wallet(key(2));
const carol = new Wallet(key(3));
const peerOf = (w: Wallet): PeerId => peerIdFromPrivateKey(privateKeyFromRaw(getBytes(w.privateKey)));
const TOPIC = dkgTopic(1n, 7n);

/** Just enough of libp2p + gossipsub for the service: validators, subscriptions, publish. */
function fakeLibp2p() {
  const subscribed = new Set<string>();
  const topicValidators = new Map<string, TopicValidatorFn>();
  const published: Array<[string, Uint8Array]> = [];
  const pubsub = {
    topicValidators,
    subscribe: (t: string) => void subscribed.add(t),
    unsubscribe: (t: string) => void subscribed.delete(t),
    getTopics: () => [...subscribed],
    getSubscribers: () => [],
    publish: async (t: string, data: Uint8Array) => {
      published.push([t, data]);
      return { recipients: [] };
    },
  };
  const libp2p = { status: "started", peerId: peerOf(alice), services: { pubsub } };
  return { libp2p: libp2p as never, subscribed, topicValidators, published };
}

function setup(opts: Partial<JoinOptions> = {}, duplicateMemory?: number) {
  const fake = fakeLibp2p();
  const verdicts: MemberTopicVerdict[] = [];
  const events = new TypedEventEmitter<NetworkEvents>();
  events.addEventListener("member-topic:verdict", (e) => verdicts.push(e.detail));
  const svc = new MemberTopics({ libp2p: fake.libp2p, logger: silentLogger, events }, duplicateMemory !== undefined ? { duplicateMemory } : {});
  const delivered: Array<[Uint8Array, string]> = [];
  const handle = svc.join(TOPIC, {
    members: () => new Set([alice.address, bob.address]),
    maxBytes: 100,
    deliver: (data, from) => {
      delivered.push([data, from]);
      return "accept";
    },
    ...opts,
  });
  const validate = (from: PeerId, data: Uint8Array, type: "signed" | "unsigned" = "signed"): TopicValidatorResult => {
    const v = fake.topicValidators.get(TOPIC);
    if (v === undefined) throw new Error("no validator");
    const msg = (type === "signed" ? { type, from, data, topic: TOPIC, sequenceNumber: 1n, signature: new Uint8Array(64), key: from.publicKey } : { type, data, topic: TOPIC }) as Message;
    return v(from, msg) as TopicValidatorResult;
  };
  const reasons = () => verdicts.map((v) => `${v.kind}:${v.verdict}:${v.reason}`);
  return { svc, handle, fake, verdicts, reasons, delivered, validate };
}

describe("RecentSet", () => {
  it("holds at most its capacity, forgetting the least recently used key first", () => {
    const r = new RecentSet(2);
    r.add("a");
    r.add("b");
    expect(r.has("a")).toBe(true); // a is now the most recent
    r.add("c"); // evicts b
    expect(r.has("b")).toBe(false);
    expect(r.has("a")).toBe(true);
    expect(r.has("c")).toBe(true);
    for (let i = 0; i < 10_000; i++) r.add(`flood-${i}`);
    expect(r.size).toBe(2);
  });
});

describe("MemberTopics validator", () => {
  it("subscribes at start, not before, and unsubscribes at stop", async () => {
    const { svc, fake } = setup();
    expect(fake.subscribed.has(TOPIC)).toBe(false);
    await svc.start();
    expect(fake.subscribed.has(TOPIC)).toBe(true);
    expect(fake.topicValidators.has(TOPIC)).toBe(true);
    await svc.stop();
    expect(fake.subscribed.has(TOPIC)).toBe(false);
    expect(fake.topicValidators.has(TOPIC)).toBe(false);
  });

  it("checks operator key, membership, size and duplicates before the handler, in that order", async () => {
    const { svc, validate, reasons, delivered } = setup();
    await svc.start();
    const ed = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
    expect(validate(ed, Uint8Array.of(1))).toBe(TopicValidatorResult.Reject);
    expect(validate(peerOf(alice), Uint8Array.of(1), "unsigned")).toBe(TopicValidatorResult.Reject);
    expect(validate(peerOf(carol), Uint8Array.of(1))).toBe(TopicValidatorResult.Reject);
    expect(validate(peerOf(carol), new Uint8Array(101))).toBe(TopicValidatorResult.Reject); // a non-member is told not_member first
    expect(validate(peerOf(bob), new Uint8Array(101))).toBe(TopicValidatorResult.Reject);
    expect(validate(peerOf(bob), new Uint8Array(100))).toBe(TopicValidatorResult.Accept);
    expect(validate(peerOf(bob), new Uint8Array(100))).toBe(TopicValidatorResult.Ignore);
    expect(validate(peerOf(alice), new Uint8Array(100))).toBe(TopicValidatorResult.Accept); // same bytes, another sender
    expect(reasons()).toEqual([
      "dkg:reject:not_operator_key",
      "dkg:reject:not_operator_key",
      "dkg:reject:not_member",
      "dkg:reject:not_member",
      "dkg:reject:oversize",
      "dkg:accept:ok",
      "dkg:ignore:duplicate",
      "dkg:accept:ok",
    ]);
    expect(delivered.map(([, from]) => from)).toEqual([bob.address, alice.address]);
  });

  it("maps the handler's verdicts, and lets a message the handler did not accept come again", async () => {
    let answer: DeliverVerdict = "ignore";
    const { svc, validate, reasons } = setup({ deliver: () => answer });
    await svc.start();
    const data = Uint8Array.of(9, 9);
    expect(validate(peerOf(bob), data)).toBe(TopicValidatorResult.Ignore);
    answer = "reject";
    expect(validate(peerOf(bob), data)).toBe(TopicValidatorResult.Reject);
    answer = "accept";
    expect(validate(peerOf(bob), data)).toBe(TopicValidatorResult.Accept);
    expect(validate(peerOf(bob), data)).toBe(TopicValidatorResult.Ignore);
    expect(reasons()).toEqual(["dkg:ignore:handler_ignore", "dkg:reject:handler_reject", "dkg:accept:ok", "dkg:ignore:duplicate"]);
  });

  it("never throws: a throwing handler or member list is ignored as internal_error", async () => {
    let members = (): ReadonlySet<string> => new Set([bob.address]);
    const { svc, validate, reasons } = setup({
      members: () => members(),
      deliver: () => {
        throw new Error("bug");
      },
    });
    await svc.start();
    expect(validate(peerOf(bob), Uint8Array.of(1))).toBe(TopicValidatorResult.Ignore);
    expect(validate(peerOf(bob), Uint8Array.of(1))).toBe(TopicValidatorResult.Ignore); // not remembered as a duplicate
    members = () => {
      throw new Error("store closed");
    };
    expect(validate(peerOf(bob), Uint8Array.of(1))).toBe(TopicValidatorResult.Ignore);
    expect(reasons()).toEqual(["dkg:ignore:internal_error", "dkg:ignore:internal_error", "dkg:ignore:internal_error"]);
  });

  it("forgets the oldest payloads once its duplicate memory is full", async () => {
    const { svc, validate, delivered } = setup({}, 2);
    await svc.start();
    const [a, b, c] = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    for (const d of [a, b, c, a]) validate(peerOf(bob), d);
    expect(delivered.map(([d]) => d[0])).toEqual([1, 2, 3, 1]);
  });

  it("labels a signing topic's verdicts and refuses publishes it would reject itself", async () => {
    const { svc, fake, verdicts } = setup();
    await svc.start();
    const topic = signingTopic(1n, new Uint8Array(20).fill(1));
    const h = svc.join(topic, { members: () => new Set([bob.address]), maxBytes: 10, deliver: () => "accept" });
    expect(h.kind).toBe("signing");
    expect((await h.publish(new Uint8Array(10))).ok).toBe(true);
    expect((await h.publish(new Uint8Array(11))).ok).toBe(false);
    expect(fake.published.map(([t, d]) => [t, d.length])).toEqual([[topic, 10]]);
    const v = fake.topicValidators.get(topic)!;
    // A signed message as gossipsub's StrictSign hands it over: with its sequence number and signature.
    const signed = { type: "signed", from: peerOf(bob), data: Uint8Array.of(1), topic, sequenceNumber: 1n, signature: new Uint8Array(64) } as unknown as Message;
    expect(v(peerOf(bob), signed)).toBe(TopicValidatorResult.Accept);
    expect(verdicts).toEqual([{ kind: "signing", verdict: "accept", reason: "ok" }]);
  });
});
