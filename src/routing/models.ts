// `GET /v1/models` and `GET /v1/models/{id}`, answered by the gateway from its configuration: the
// models named by Exact `x-ai-eg-model` matches of the AI routes on the listener, scoped by the
// route's hostnames (reference §3), in the OpenAI list shape.
import { hostnameCovers } from './hostnames.ts';
import type { ListenerRuntime, ModelEntry } from '../runtime/snapshot.ts';

function visible(listener: ListenerRuntime, host: string, allowed?: ReadonlySet<string>): ModelEntry[] {
  return listener.models.filter((m) => (m.hostnames.length === 0 || m.hostnames.some((h) => hostnameCovers(h, host))) && (!allowed || allowed.has(m.id)));
}

function modelObject(m: ModelEntry): Record<string, unknown> {
  return { id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy };
}

/** `allowed`: the models the caller may use (undefined: all). */
export function modelsList(listener: ListenerRuntime, host: string, allowed?: ReadonlySet<string>): unknown {
  return { object: 'list', data: visible(listener, host, allowed).map(modelObject) };
}

/** The model object for `GET /v1/models/{id}` (the openai SDK's models.retrieve), or undefined. */
export function modelById(listener: ListenerRuntime, host: string, id: string): unknown {
  const m = visible(listener, host).find((x) => x.id === id);
  return m && modelObject(m);
}
