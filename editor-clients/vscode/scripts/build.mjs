// esbuild: the extension bundle (dist/extension.js, `vscode` external) and, with --tests, the
// node:test bundles under out/ (Node 20 cannot run TypeScript directly).
//   node scripts/build.mjs [--production] [--tests]
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');

const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    absWorkingDir: root,
};

await esbuild.build({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
});

if (tests) {
    const unit = readdirSync(path.join(root, 'test', 'unit'))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `test/unit/${f}`);
    await esbuild.build({
        ...common,
        entryPoints: [...unit, 'test/e2e.test.ts'],
        outdir: 'out/test',
        outbase: 'test',
        // Unit tests cover modules that never import `vscode`; fail loudly if one starts to.
        external: [],
        sourcemap: 'inline',
    });
}
