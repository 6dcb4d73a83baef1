// Bearer tokens: the bot's config holds only hashes; presented tokens are hashed and compared in
// constant time against every entry.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

export const ACTIONS = ["preview", "up", "refresh", "destroy", "approve", "admin"] as const;
export type Action = (typeof ACTIONS)[number];

export interface TokenEntry {
  name: string;
  /** `sha256:<hex>`, bare 64-digit hex (sha256), or `scrypt:<N>:<r>:<p>:<salt hex>:<hash hex>`. */
  hash: string;
  /** Stage names, or "*" for every stage. */
  stages: string[];
  actions: Action[];
}

const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, keyLength: 32 };

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
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
  return `scrypt:${N}:${r}:${p}:${salt.toString("hex")}:${key.toString("hex")}`;
}

export type ParsedHash =
  | { kind: "sha256"; digest: Buffer }
  | { kind: "scrypt"; N: number; r: number; p: number; salt: Buffer; key: Buffer };

/** Parses a stored hash; returns an error message for a malformed one. */
export function parseHash(hash: string): ParsedHash | string {
  const bare = /^[0-9a-f]{64}$/i.exec(hash) ? hash : /^sha256:([0-9a-f]{64})$/i.exec(hash)?.[1];
  if (bare) return { kind: "sha256", digest: Buffer.from(bare, "hex") };
  const m = /^scrypt:(\d+):(\d+):(\d+):([0-9a-f]{16,}):([0-9a-f]{32,})$/i.exec(hash);
  if (m) {
    const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if ((N & (N - 1)) !== 0 || N < 2) return "scrypt N must be a power of two";
    return { kind: "scrypt", N, r, p, salt: Buffer.from(m[4], "hex"), key: Buffer.from(m[5], "hex") };
  }
  return "expected sha256:<64 hex digits> or scrypt:<N>:<r>:<p>:<salt hex>:<hash hex> (see `hive bot hash-token`)";
}

/**
 * Finds the entry whose hash matches the presented token. Every entry is checked (no early exit) and
 * each comparison is constant-time, so timing tells nothing about which entry or prefix matched.
 * scrypt results are remembered per sha256 of the token, so a valid token pays scrypt once.
 */
export class TokenVerifier {
  private readonly parsed: { entry: TokenEntry; hash: ParsedHash }[];
  private readonly scryptHits = new Map<string, TokenEntry>();

  constructor(entries: TokenEntry[]) {
    this.parsed = entries.map((entry) => {
      const hash = parseHash(entry.hash);
      if (typeof hash === "string") throw new Error(`token ${entry.name}: ${hash}`);
      return { entry, hash };
    });
  }

  async verify(token: string | undefined): Promise<TokenEntry | undefined> {
    if (!token) return undefined;
    const digestHex = sha256Hex(token);
    const cached = this.scryptHits.get(digestHex);
    if (cached) return cached;
    const digest = Buffer.from(digestHex, "hex");
    let found: TokenEntry | undefined;
    for (const { entry, hash } of this.parsed) {
      let match: boolean;
      if (hash.kind === "sha256") {
        match = timingSafeEqual(digest, hash.digest);
      } else {
        const key = await scrypt(token, hash.salt, hash.N, hash.r, hash.p, hash.key.length);
        match = timingSafeEqual(key, hash.key);
        if (match) this.scryptHits.set(digestHex, entry);
      }
      if (match && !found) found = entry;
    }
    return found;
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
