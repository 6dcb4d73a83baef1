// Ansible's hashing filters: `hash` (hashlib's hex digest of the UTF-8 text) and `password_hash` (the crypt(3)
// SHA-256/SHA-512 schemes as passlib writes them, with Ansible's default rounds). The crypt scheme follows
// Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" specification.
import { createHash, getHashes } from "node:crypto";

export class CryptError extends Error {}

/** Python hashlib names → node's. */
function nodeAlgorithm(name: string): string | null {
  const n = name.toLowerCase().replace(/^sha3_/, "sha3-");
  const node = n === "blake2b" ? "blake2b512" : n === "blake2s" ? "blake2s256" : n;
  return getHashes().includes(node) ? node : null;
}

/** `hash(algorithm='sha1')`. */
export function hashText(value: unknown, algorithm: unknown = "sha1"): string {
  const algo = nodeAlgorithm(String(algorithm));
  if (algo === null) throw new CryptError(`unknown hash algorithm "${String(algorithm)}"`);
  return createHash(algo).update(String(value), "utf8").digest("hex");
}

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

interface Scheme {
  readonly id: string;
  readonly hash: "sha256" | "sha512";
  /** Ansible's rounds when none are given (written out, as passlib does for anything but 5000). */
  readonly defaultRounds: number;
  /** Groups of digest bytes encoded together, most significant first. */
  readonly order: readonly (readonly number[])[];
}

/** The spec's byte order: groups of three taken a third of the digest apart, rotated one step each time. */
function byteOrder(length: number, rotateLeft: (i: number) => number): number[][] {
  const third = Math.floor(length / 3);
  const groups: number[][] = [];
  for (let i = 0; i < third; i++) {
    const g = [i, i + third, i + 2 * third];
    const r = rotateLeft(i) % 3;
    groups.push([...g.slice(r), ...g.slice(0, r)]);
  }
  return groups;
}

const SCHEMES: Record<string, Scheme> = {
  sha512: { id: "6", hash: "sha512", defaultRounds: 656000, order: [...byteOrder(63, (i) => i), [63]] },
  sha256: { id: "5", hash: "sha256", defaultRounds: 535000, order: [...byteOrder(30, (i) => (3 - (i % 3)) % 3), [31, 30]] },
};

function digest(algo: string, ...parts: Buffer[]): Buffer {
  const h = createHash(algo);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `len` bytes of `block` repeated. */
function stretch(block: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += block.length) block.copy(out, i, 0, Math.min(block.length, len - i));
  return out;
}

function encode(bytes: Buffer, order: readonly (readonly number[])[]): string {
  let out = "";
  for (const group of order) {
    let w = 0;
    for (const i of group) w = (w << 8) | bytes[i];
    // A group of n bytes gives n + 1 characters, least significant six bits first.
    for (let c = 0; c <= group.length; c++) {
      out += ITOA64[w & 63];
      w >>>= 6;
    }
  }
  return out;
}

function shaCrypt(s: Scheme, password: Buffer, salt: Buffer, rounds: number): Buffer {
  const algo = s.hash;
  const b = digest(algo, password, salt, password);
  const a = createHash(algo).update(password).update(salt).update(stretch(b, password.length));
  for (let n = password.length; n > 0; n >>= 1) a.update(n & 1 ? b : password);
  let c = a.digest();
  const p = stretch(digest(algo, ...Array<Buffer>(password.length).fill(password)), password.length);
  const sx = stretch(digest(algo, ...Array<Buffer>(16 + c[0]).fill(salt)), salt.length);
  for (let i = 0; i < rounds; i++) {
    const h = createHash(algo);
    h.update(i & 1 ? p : c);
    if (i % 3) h.update(sx);
    if (i % 7) h.update(p);
    h.update(i & 1 ? c : p);
    c = h.digest();
  }
  return c;
}

const cache = new Map<string, string>();

/**
 * `password_hash(hashtype='sha512', salt=None, rounds=None)`. Without a salt Ansible picks a random one on every
 * run; hive derives it from the password instead, so the value (and what it configures) stays the same run
 * after run.
 */
export function passwordHash(password: unknown, hashtype: unknown = "sha512", salt?: unknown, rounds?: unknown): string {
  const name = String(hashtype ?? "sha512").replace(/_crypt$/, "");
  const s = SCHEMES[name];
  if (!s) throw new CryptError(`hash type "${String(hashtype)}" is not supported by hive; supported: sha512, sha256`);
  const pw = Buffer.from(String(password), "utf8");
  let saltText: string;
  if (salt === undefined || salt === null || salt === "") {
    saltText = [...createHash("sha256").update("hive password_hash salt\0").update(pw).digest()].slice(0, 16).map((x) => ITOA64[x & 63]).join("");
  } else {
    saltText = String(salt);
    if (!/^[./0-9A-Za-z]*$/.test(saltText)) throw new CryptError(`invalid characters in ${s.hash}_crypt salt: only ./0-9A-Za-z are allowed`);
    if (saltText.length > 16) throw new CryptError(`salt too large (${s.hash}_crypt requires <= 16 chars)`);
  }
  let r = s.defaultRounds;
  if (rounds !== undefined && rounds !== null) {
    r = Number(rounds);
    if (!Number.isInteger(r) || r < 1000 || r > 999999999) throw new CryptError(`rounds must be an integer from 1000 to 999999999, got ${String(rounds)}`);
  }
  const key = `${s.id}\0${saltText}\0${r}\0${String(password)}`;
  let out = cache.get(key);
  if (out === undefined) {
    const hash = encode(shaCrypt(s, pw, Buffer.from(saltText, "ascii"), r), s.order);
    out = `$${s.id}$${r === 5000 ? "" : `rounds=${r}$`}${saltText}$${hash}`;
    cache.set(key, out);
  }
  return out;
}
