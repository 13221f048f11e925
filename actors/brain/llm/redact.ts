// Keeps API keys out of everything Gome writes: error messages from endpoints can echo a key (or part of one).
const KEY_LIKE = /\b(sk|pk|rk|key)-[A-Za-z0-9_*.-]{6,}/g;

export function redact(text: string, key: string | null | undefined): string {
  let out = text;
  if (key && key.length >= 4) out = out.split(key).join('[redacted]');
  return out.replace(KEY_LIKE, '[redacted]');
}
