/**
 * Bundles browser code with esbuild for the browser tests (test/browser/)
 * and `npm run example:browser`, refusing any Node built-in (esbuild's
 * browser platform cannot resolve them, and no import may be left external),
 * and reports each output's size.
 */
import { build } from 'esbuild';

/** One bundle's output file and its size in bytes (minified: what a site would ship). */
export interface BundleSize {
  readonly file: string;
  readonly bytes: number;
}

/** Bundles each entry (name -> source file) into `outdir/<name>.js` as a browser ES module. */
export async function bundleForBrowser(entries: Record<string, string>, outdir: string): Promise<BundleSize[]> {
  const result = await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
  });
  const sizes: BundleSize[] = [];
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    const external = out.imports.filter((i) => i.external);
    if (external.length > 0) throw new Error(`${file} leaves imports unbundled: ${external.map((i) => i.path).join(', ')}`);
    if (file.endsWith('.js')) sizes.push({ file, bytes: out.bytes });
  }
  return sizes;
}
