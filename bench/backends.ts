/**
 * The seed model's training step on each of kindling's backends (native,
 * wasm, js) and in jax-js (its WebAssembly device, jit-compiled), side by
 * side: rounds alternate between the implementations so they see the same
 * machine load. Part of `npm run bench` (`--only=seed-backends`).
 *
 * jax-js is a devDependency used only here (installed with --ignore-scripts);
 * it gets the same layer sizes, SGD with momentum 0.9 and the two groups'
 * learning rates, written the way its documentation writes training steps
 * (valueAndGrad inside jit, explicit reference counting).
 */
import * as kd from '../src/node.js';
import { mlpStep } from './models.js';

/** One implementation's step at one batch size. */
interface Runner {
  readonly impl: string;
  step(): Promise<void> | void;
}

const BATCHES = [1, 32, 256];
/** The seed model's layers (bench/models.ts SeedModel), and the lr of each: base 1e-2, classifier 1e-3. */
const LAYERS: readonly (readonly [number, number, number])[] = [[1, 512, 1e-2], [512, 264, 1e-2], [264, 128, 1e-3], [128, 964, 1e-3]];

function kindling(backend: 'native' | 'wasm' | 'js', batch: number): Runner {
  kd.setBackend(backend);
  const w = mlpStep(batch);
  return {
    impl: `kindling-${backend}`,
    step() {
      kd.setBackend(backend);
      w.step();
    },
  };
}

type Jax = typeof import('@jax-js/jax');
type JaxArray = import('@jax-js/jax').Array;

async function loadJax(): Promise<Jax | string> {
  try {
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) return `its wasm device did not start (devices: ${devices.join(', ')})`;
    jax.defaultDevice('wasm');
    return jax;
  } catch (e) {
    return (e as Error).message.split('\n')[0] ?? String(e);
  }
}

function jaxSeed(jax: Jax, batch: number): Runner {
  const { numpy: np, nn, tree } = jax;
  type Arr = JaxArray;
  type Layer = { w: Arr; b: Arr };
  const g = new kd.Generator(0);
  const uniform = (n: number, bound: number): Float32Array =>
    kd.rand([n], { generator: g }).mul(2 * bound).sub(bound).dataSync() as Float32Array;
  let params: Layer[] = LAYERS.map(([i, o]) => ({
    w: np.array(uniform(i * o, 1 / Math.sqrt(i))).reshape([i, o]),
    b: np.array(uniform(o, 1 / Math.sqrt(i))),
  }));
  let momentum: Layer[] = LAYERS.map(([i, o]) => ({ w: np.zeros([i, o]), b: np.zeros([o]) }));
  const x = np.array(uniform(batch, 1)).reshape([batch, 1]);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 37) % 964);
  const target = nn.oneHot(np.array(labels, { dtype: np.int32 }), 964);

  const loss = (p: Layer[], xs: Arr, y: Arr): Arr => {
    let h = xs;
    p.forEach((l, i) => {
      h = np.add(np.matmul(h, l.w), l.b);
      if (i < p.length - 1) h = nn.relu(h);
    });
    return np.negative(np.mean(np.sum(np.multiply(nn.logSoftmax(h, -1), y), -1)));
  };
  const step = jax.jit((p: Layer[], m: Layer[], xs: Arr, y: Arr) => {
    const [value, grads] = jax.valueAndGrad(loss)(tree.ref(p), xs, y);
    const m2 = m.map((mi, i) => ({
      w: np.add(np.multiply(mi.w, 0.9), grads[i]!.w.ref),
      b: np.add(np.multiply(mi.b, 0.9), grads[i]!.b.ref),
    }));
    const p2 = p.map((pi, i) => ({
      w: np.subtract(pi.w, np.multiply(m2[i]!.w.ref, LAYERS[i]![2])),
      b: np.subtract(pi.b, np.multiply(m2[i]!.b.ref, LAYERS[i]![2])),
    }));
    tree.dispose(grads);
    return [value, p2, m2] as [Arr, Layer[], Layer[]];
  });
  return {
    impl: 'jax-js-wasm',
    async step() {
      const [value, p2, m2] = step(params, momentum, x.ref, target.ref);
      params = p2;
      momentum = m2;
      // Reading the loss waits for the step to finish.
      await value.data();
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs the comparison and emits one line per implementation and batch, then the ratios to native. */
export async function seedBackends(quick: boolean, emit: (o: Record<string, unknown>) => void): Promise<void> {
  const jax = await loadJax();
  if (typeof jax === 'string') emit({ bench: 'seed-backends', impl: 'jax-js-wasm', skipped: `jax-js did not run: ${jax}` });
  const previous = kd.backendInfo().backend;
  const backends = kd.backendInfo().nativeAvailable ? (['native', 'wasm', 'js'] as const) : (['wasm', 'js'] as const);
  const rounds = quick ? 3 : 5;
  for (const batch of BATCHES) {
    const runners: Runner[] = backends.map((b) => kindling(b, batch));
    if (typeof jax !== 'string') runners.push(jaxSeed(jax, batch));
    const times = new Map<string, number[]>(runners.map((r) => [r.impl, []]));
    for (const r of runners) for (let i = 0; i < 3; i++) await r.step(); // warm-up (jit, caches)
    for (let round = 0; round < rounds; round++) {
      for (const r of runners) {
        // Slow implementations (js at batch 256: ~0.5 s) get fewer runs per round.
        const t0 = performance.now();
        await r.step();
        const first = performance.now() - t0;
        times.get(r.impl)!.push(first);
        const more = Math.max(0, Math.min(9, Math.floor(300 / Math.max(first, 1))));
        for (let i = 0; i < more; i++) {
          const t = performance.now();
          await r.step();
          times.get(r.impl)!.push(performance.now() - t);
        }
      }
    }
    const ms = new Map([...times].map(([impl, ts]) => [impl, median(ts)]));
    for (const [impl, ts] of times) emit({ bench: 'seed-backends', impl, param: batch, ms: +ms.get(impl)!.toFixed(3), runs: ts.length });
    const native = ms.get('kindling-native');
    const wasm = ms.get('kindling-wasm')!;
    emit({
      ratio: 'seed-backends', param: batch,
      ...(native === undefined ? {} : { wasmOverNative: +(wasm / native).toFixed(2) }),
      jsOverWasm: +(ms.get('kindling-js')! / wasm).toFixed(2),
      ...(ms.has('jax-js-wasm') ? { wasmOverJaxJs: +(wasm / ms.get('jax-js-wasm')!).toFixed(2) } : {}),
    });
  }
  kd.setBackend(previous);
}
