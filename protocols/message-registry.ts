// Message types a custom role registers (their schemas live in the role's file): the codec validates them like the
// built-in ones, and a type nobody registered is still unknown (dead-lettered). A role owns the types under its name:
// "critic.verdict" belongs to the role "critic", so two roles cannot claim one type and no role can shadow a built-in.
import type { z } from 'zod';
import { isMessageType } from './messages.ts';

interface Registered { owner: string; schema: z.ZodType }

const registry = new Map<string, Registered>();

/** A role's own message type: "<role>.<name>", lower-case words joined by dots and dashes. */
export const CUSTOM_TYPE = /^[a-z][a-z-]*(\.[a-z][a-z0-9-]*)+$/;

/** Is `type` one the role `owner` may register: "<owner>.<name>" in lower case? */
export function isOwnType(owner: string, type: string): boolean {
  return type.startsWith(`${owner}.`) && CUSTOM_TYPE.test(type);
}

export class MessageTypeRefused extends Error {
  constructor(readonly owner: string, readonly type: string, reason: string, readonly fix: string) {
    super(`role "${owner}" cannot register message type "${type}": ${reason} — fix: ${fix}`);
    this.name = 'MessageTypeRefused';
  }
}

/**
 * Registers a role's message types with their payload schemas. Registering the same owner's types again replaces
 * them (a role file loaded again); another owner's type, a built-in type or a type outside "<owner>." is refused.
 */
export function registerMessageTypes(owner: string, schemas: Readonly<Record<string, z.ZodType>>): string[] {
  const types = Object.keys(schemas);
  for (const type of types) {
    if (isMessageType(type)) {
      throw new MessageTypeRefused(owner, type, 'it is a built-in message type', `name the role's own types "${owner}.<name>"`);
    }
    if (!isOwnType(owner, type)) {
      throw new MessageTypeRefused(owner, type, `a role's own types are named "${owner}.<name>" in lower case`, `rename it, e.g. "${owner}.${type.split('.').pop()!.toLowerCase().replace(/[^a-z0-9-]/g, '-') || 'message'}"`);
    }
    const had = registry.get(type);
    if (had && had.owner !== owner) throw new MessageTypeRefused(owner, type, `role "${had.owner}" registered it already`, 'give each role its own type names');
    const schema = schemas[type];
    if (!schema || typeof (schema as { safeParse?: unknown }).safeParse !== 'function') {
      throw new MessageTypeRefused(owner, type, 'its schema is not a zod schema', 'give each type a schema built with the z the role factory is given, e.g. z.object({ … })');
    }
  }
  for (const [type, r] of registry) if (r.owner === owner && !types.includes(type)) registry.delete(type);
  for (const type of types) registry.set(type, { owner, schema: schemas[type]! });
  return types;
}

/** The payload schema of a registered custom type, or undefined. */
export function customSchema(type: unknown): z.ZodType | undefined {
  return typeof type === 'string' ? registry.get(type)?.schema : undefined;
}

/** The role that registered a custom type, or undefined. */
export function customTypeOwner(type: string): string | undefined {
  return registry.get(type)?.owner;
}

/** Forgets a role's types (tests; a run that unloads its roles). */
export function unregisterMessageTypes(owner: string): void {
  for (const [type, r] of registry) if (r.owner === owner) registry.delete(type);
}
