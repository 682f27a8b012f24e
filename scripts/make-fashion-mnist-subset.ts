/**
 * Makes the Fashion-MNIST subset embedded in kindling (data/fashion-mnist-subset/):
 * a stratified random sample of 400 training and 100 test images per class
 * (4,000 and 1,000), drawn with a fixed seed from the full set, written as
 * gzipped IDX files with the same names as the originals, plus a README with
 * the licence.
 *
 *   npx tsx scripts/make-fashion-mnist-subset.ts [DIR]
 *
 * DIR holds the four original files (default: Debian's dataset-fashion-mnist
 * package). Running it again gives the same files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as kd from '../src/node.js';

const PER_CLASS = { train: 400, test: 100 } as const;
const SEED = 20170825; // Fashion-MNIST's release date.

const dir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const out = join(import.meta.dirname, '..', 'data', 'fashion-mnist-subset');
mkdirSync(out, { recursive: true });

/** An IDX file of uint8 elements: magic 0x0000 08 <ndims>, big-endian sizes, the bytes. */
function idx(shape: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * shape.length));
  header.setUint32(0, 0x0800 + shape.length);
  shape.forEach((s, d) => header.setUint32(4 + 4 * d, s));
  const bytes = new Uint8Array(header.byteLength + data.length);
  bytes.set(new Uint8Array(header.buffer), 0);
  bytes.set(data, header.byteLength);
  return bytes;
}

const counts: string[] = [];
for (const split of ['train', 'test'] as const) {
  const names = kd.data.datasets.FASHION_MNIST_FILES[split];
  const images = kd.data.readIdx(join(dir, `${names.images}.gz`));
  const labels = kd.data.readIdx(join(dir, `${names.labels}.gz`));
  const generator = new kd.Generator(SEED + (split === 'train' ? 0 : 1));
  // Per class: a random sample of PER_CLASS[split] of its images; then all
  // picks in the order they have in the original file.
  const picked: number[] = [];
  for (let c = 0; c < 10; c++) {
    const members = [...labels.data.keys()].filter((i) => labels.data[i] === c);
    for (let i = members.length - 1; i > 0; i--) {
      const j = generator.nextInt(0, i + 1);
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    picked.push(...members.slice(0, PER_CLASS[split]));
  }
  picked.sort((a, b) => a - b);
  const pixels = new Uint8Array(picked.length * 784);
  picked.forEach((src, k) => pixels.set(images.data.subarray(src * 784, (src + 1) * 784), k * 784));
  const subsetLabels = Uint8Array.from(picked, (i) => labels.data[i]!);
  // NOTE: a fixed mtime-free gzip (level 9) so the files are byte-identical on every run.
  writeFileSync(join(out, `${names.images}.gz`), gzipSync(idx([picked.length, 28, 28], pixels), { level: 9 }));
  writeFileSync(join(out, `${names.labels}.gz`), gzipSync(idx([picked.length], subsetLabels), { level: 9 }));
  counts.push(`${split}: ${picked.length} images, ${PER_CLASS[split]} per class`);
}

writeFileSync(join(out, 'README.md'), `# Fashion-MNIST, embedded subset

A stratified random sample of [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist)
(Han Xiao, Kashif Rasul, Roland Vollgraf, *Fashion-MNIST: a Novel Image Dataset for
Benchmarking Machine Learning Algorithms*, 2017), so that kindling's examples run with no
download:

${counts.map((c) => `- ${c}`).join('\n')}

drawn with seed ${SEED} by \`scripts/make-fashion-mnist-subset.ts\` from the full set, and
stored as gzipped IDX files with the original names and layout (read them with
\`kd.data.readIdx\` or \`kd.data.datasets.FashionMNIST\`).

## Licence

The MIT License (MIT). Copyright © 2017 Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`);
console.log(`wrote ${out}: ${counts.join('; ')}`);
