// Bearer tokens: the bot's config holds only hashes. A presented token costs the same small, fixed
// work whether it matches or not: its sha256 is looked up among the sha256 entries, and checked
// against a short keyed hint of each scrypt entry; scrypt itself runs only for a token whose hint
// matches (1 in 65 536 random tokens per entry), or, for scrypt entries written before hints existed,
// in one bounded lane that a flood cannot widen.
import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

export const ACTIONS = ["preview", "up", "refresh", "destroy", "approve", "admin"] as const;
export type Action = (typeof ACTIONS)[number];

export interface TokenEntry {
  name: string;
  /** `sha256:<hex>`, bare 64-digit hex (sha256), or `scrypt:<N>:<r>:<p>:<salt hex>:<hash hex>[:<hint hex>]`. */
  hash: string;
  /** Stage names, or "*" for every stage. */
  stages: string[];
  actions: Action[];
}

const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, keyLength: 32 };
/** Hex digits of the keyed hint stored with a scrypt hash (16 bits: nothing a 256-bit token misses). */
const HINT_HEX = 4;
/** Unhinted scrypt checks allowed to wait for the lane; more are refused without computing. */
const LEGACY_QUEUE = 2;

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function scryptHint(token: string, salt: Buffer): Buffer {
  return createHmac("sha256", salt).update(token, "utf8").digest().subarray(0, HINT_HEX / 2);
}

function scrypt(token: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(token, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A new random token (256 bits, base64url). */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

export async function hashToken(token: string, kind: "sha256" | "scrypt" = "sha256"): Promise<string> {
  if (kind === "sha256") return `sha256:${sha256Hex(token)}`;
  const { N, r, p, keyLength } = SCRYPT_DEFAULTS;
  const salt = randomBytes(16);
  const key = await scrypt(token, salt, N, r, p, keyLength);
  return `scrypt:${N}:${r}:${p}:${salt.toString("hex")}:${key.toString("hex")}:${scryptHint(token, salt).toString("hex")}`;
}

export type ParsedHash =
  | { kind: "sha256"; digest: Buffer }
  | { kind: "scrypt"; N: number; r: number; p: number; salt: Buffer; key: Buffer; hint?: Buffer };

/** Parses a stored hash; returns an error message for a malformed one. */
export function parseHash(hash: string): ParsedHash | string {
  const bare = /^[0-9a-f]{64}$/i.exec(hash) ? hash : /^sha256:([0-9a-f]{64})$/i.exec(hash)?.[1];
  if (bare) return { kind: "sha256", digest: Buffer.from(bare, "hex") };
  const m = /^scrypt:(\d+):(\d+):(\d+):([0-9a-f]{16,}):([0-9a-f]{32,})(?::([0-9a-f]{4}))?$/i.exec(hash);
  if (m) {
    const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if ((N & (N - 1)) !== 0 || N < 2) return "scrypt N must be a power of two";
    const hint = m[6] ? { hint: Buffer.from(m[6], "hex") } : {};
    return { kind: "scrypt", N, r, p, salt: Buffer.from(m[4], "hex"), key: Buffer.from(m[5], "hex"), ...hint };
  }
  return "expected sha256:<64 hex digits> or scrypt:<N>:<r>:<p>:<salt hex>:<hash hex>[:<hint hex>] (see `hive bot hash-token`)";
}

type ScryptHash = Extract<ParsedHash, { kind: "scrypt" }>;

/** Finds the entry whose hash matches a presented token, at a fixed cost for tokens that match none. */
export class TokenVerifier {
  private readonly bySha = new Map<string, { entry: TokenEntry; digest: Buffer }>();
  private readonly hinted: { entry: TokenEntry; hash: ScryptHash }[] = [];
  private readonly legacy: { entry: TokenEntry; hash: ScryptHash }[] = [];
  /** Tokens that passed scrypt, by the sha256 of the token. */
  private readonly scryptHits = new Map<string, TokenEntry>();
  private lane: Promise<unknown> = Promise.resolve();
  private laneWaiting = 0;
  /** Unhinted scrypt checks refused because the lane was full (for the logs). */
  refusedChecks = 0;

  constructor(entries: TokenEntry[]) {
    for (const entry of entries) {
      const hash = parseHash(entry.hash);
      if (typeof hash === "string") throw new Error(`token ${entry.name}: ${hash}`);
      if (hash.kind === "sha256") this.bySha.set(hash.digest.toString("hex"), { entry, digest: hash.digest });
      else (hash.hint ? this.hinted : this.legacy).push({ entry, hash });
    }
  }

  async verify(token: string | undefined): Promise<TokenEntry | undefined> {
    if (!token) return undefined;
    const digestHex = sha256Hex(token);
    const direct = this.bySha.get(digestHex);
    if (direct && timingSafeEqual(Buffer.from(digestHex, "hex"), direct.digest)) return direct.entry;
    const remembered = this.scryptHits.get(digestHex);
    if (remembered) return remembered;
    for (const { entry, hash } of this.hinted) {
      if (!timingSafeEqual(scryptHint(token, hash.salt), hash.hint!)) continue;
      if (await this.scryptMatches(token, hash)) return this.remember(digestHex, entry);
    }
    if (this.legacy.length > 0) {
      const entry = await this.legacyCheck(token);
      if (entry) return this.remember(digestHex, entry);
    }
    return undefined;
  }

  private remember(digestHex: string, entry: TokenEntry): TokenEntry {
    if (this.scryptHits.size < 1024) this.scryptHits.set(digestHex, entry);
    return entry;
  }

  private async scryptMatches(token: string, hash: ScryptHash): Promise<boolean> {
    const key = await scrypt(token, hash.salt, hash.N, hash.r, hash.p, hash.key.length);
    return timingSafeEqual(key, hash.key);
  }

  /** Unhinted scrypt entries: one check at a time, at most LEGACY_QUEUE waiting; the rest are refused. */
  private legacyCheck(token: string): Promise<TokenEntry | undefined> {
    if (this.laneWaiting >= LEGACY_QUEUE) {
      this.refusedChecks++;
      return Promise.resolve(undefined);
    }
    this.laneWaiting++;
    const run = this.lane.then(async () => {
      this.laneWaiting--;
      for (const { entry, hash } of this.legacy) if (await this.scryptMatches(token, hash)) return entry;
      return undefined;
    });
    this.lane = run.catch(() => undefined);
    return run;
  }
}

export function permits(entry: TokenEntry, action: Action, stage?: string): boolean {
  if (!entry.actions.includes(action)) return false;
  return stage === undefined || entry.stages.includes("*") || entry.stages.includes(stage);
}

export function canSeeStage(entry: TokenEntry, stage: string): boolean {
  return entry.stages.includes("*") || entry.stages.includes(stage);
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1];
}
