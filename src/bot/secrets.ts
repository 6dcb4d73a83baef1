// Secret values the bot itself knows — the stack passphrase and provider credentials in its
// environment — so that they can be masked in run output, events, results and the audit log even
// when a program or the CLI prints them.
import { readFileSync } from "node:fs";

/** Environment variables whose value is a secret (by name). */
const SECRET_NAME = /(PASSPHRASE|PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|ACCESS_KEY|API_KEY|CLIENT_KEY|AUTH_KEY)/i;
/** Variables that name a file holding a secret (the file's content is the secret, not the path). */
const SECRET_FILE = /(PASSPHRASE|PASSWORD|SECRET|TOKEN|CREDENTIAL|KEY)_FILE$/i;

/** The secret values in `env`: variables named like secrets, files named by *_FILE ones, and `extra` names. */
export function environmentSecrets(env: NodeJS.ProcessEnv, extra: string[] = []): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_FILE.test(name)) {
      try {
        const content = readFileSync(value, "utf8");
        values.push(content, content.trim());
      } catch {
        // an unreadable file is the CLI's problem to report
      }
    } else if (SECRET_NAME.test(name) || extra.includes(name)) {
      values.push(value);
    }
  }
  return values.filter((v) => v.trim().length > 0);
}
