// Paths used by tests: the checkout root, the quickstart, and the shared seed manifests. The seeds sit
// in the team's shared folder beside the checkout; users clone the project alone, so every test that
// reads them skips (with `seedSkip` as the reason) when the folder is not there.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const seedManifests = join(repoRoot, '..', 'shared', 'seeds', '001-manifests');
export const quickstart = join(repoRoot, 'examples', 'quickstart');

/** false when the seed manifests are present; else the reason a seed test is skipped. */
export const seedSkip: string | false = existsSync(seedManifests)
  ? false
  : `needs the seed manifests at ${seedManifests} (the team's shared folder beside the checkout); a clone of the project alone skips this test`;
