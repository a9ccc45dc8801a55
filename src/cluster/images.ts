// Which container images standalone mode can realize in-process, recognised by repository name
// (any registry, any tag or digest).

export type ImageRole = 'simulator' | 'testupstream' | 'epp' | 'unknown';

/** The repository path of an image reference without registry host, tag or digest. */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0] ?? image;
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > lastSlash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  // A first component with a dot or colon, or "localhost", is a registry host.
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost')) parts.shift();
  return parts.join('/');
}

export function classifyImage(image: string): ImageRole {
  const repo = imageRepository(image);
  const last = repo.split('/').pop() ?? repo;
  if (last === 'llm-d-inference-sim') return 'simulator';
  if (last === 'ai-gateway-testupstream') return 'testupstream';
  if (repo.endsWith('gateway-api-inference-extension/epp') || last === 'llm-d-inference-scheduler' || last === 'llm-d-router') return 'epp';
  return 'unknown';
}
