// Paths used by tests: the checkout root and the shared seed manifests beside it (CI clones the repo
// with shared/ next to it, as on developer machines).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const seedManifests = join(repoRoot, '..', 'shared', 'seeds', '001-manifests');
export const quickstart = join(repoRoot, 'examples', 'quickstart');
