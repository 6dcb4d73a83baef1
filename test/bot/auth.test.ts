import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { bearerToken, generateToken, hashToken, parseHash, permits, TokenVerifier, type TokenEntry } from "../../src/bot/auth";

const entry = (name: string, hash: string, over: Partial<TokenEntry> = {}): TokenEntry => ({ name, hash, stages: ["staging"], actions: ["preview"], ...over });

test("hashToken sha256 is the hex digest of the token", async () => {
  assert.equal(await hashToken("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("parseHash accepts sha256 (prefixed or bare) and scrypt, and explains anything else", () => {
  const hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  assert.equal((parseHash(`sha256:${hex}`) as { kind: string }).kind, "sha256");
  assert.equal((parseHash(hex) as { kind: string }).kind, "sha256");
  assert.equal((parseHash(`scrypt:16384:8:1:${"ab".repeat(16)}:${"cd".repeat(32)}`) as { kind: string }).kind, "scrypt");
  assert.equal(parseHash(`scrypt:1000:8:1:${"ab".repeat(16)}:${"cd".repeat(32)}`), "scrypt N must be a power of two");
  assert.equal(
    parseHash("md5:abc"),
    "expected sha256:<64 hex digits> or scrypt:<N>:<r>:<p>:<salt hex>:<hash hex>[:<hint hex>] (see `hive bot hash-token`)",
  );
});

test("TokenVerifier finds the matching entry for sha256 and scrypt hashes and nothing for others", async () => {
  const a = generateToken();
  const b = generateToken();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  const verifier = new TokenVerifier([entry("a", await hashToken(a)), entry("b", await hashToken(b, "scrypt"))]);
  assert.equal((await verifier.verify(a))?.name, "a");
  assert.equal((await verifier.verify(b))?.name, "b");
  assert.equal((await verifier.verify(b))?.name, "b", "remembered scrypt result");
  assert.equal(await verifier.verify(b + "x"), undefined);
  assert.equal(await verifier.verify(""), undefined);
  assert.equal(await verifier.verify(undefined), undefined);
  const bare = createHash("sha256").update(a).digest("hex");
  assert.equal((await new TokenVerifier([entry("bare", bare)]).verify(a))?.name, "bare");
  assert.throws(() => new TokenVerifier([entry("bad", "nope")]), /^Error: token bad: expected sha256/);
});

test("permits checks the action and the stage ('*' is every stage)", () => {
  const e = entry("e", "", { stages: ["staging"], actions: ["preview", "approve"] });
  assert.equal(permits(e, "preview", "staging"), true);
  assert.equal(permits(e, "preview", "production"), false);
  assert.equal(permits(e, "up", "staging"), false);
  assert.equal(permits(entry("x", "", { stages: ["*"], actions: ["admin"] }), "admin", "anything"), true);
});

test("bearerToken", () => {
  assert.equal(bearerToken("Bearer abc.def"), "abc.def");
  assert.equal(bearerToken("bearer  abc "), "abc");
  assert.equal(bearerToken("Basic abc"), undefined);
  assert.equal(bearerToken("Bearer a b"), undefined);
  assert.equal(bearerToken(undefined), undefined);
});
