import fs from 'node:fs';

/** The Go original's example file (fixtures/go-example.yaml). */
export const GO_EXAMPLE = fs.readFileSync(new URL('./fixtures/go-example.yaml', import.meta.url), 'utf8');
