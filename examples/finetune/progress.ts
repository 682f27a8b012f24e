/**
 * What the job shows while it trains: on a terminal, a cli-progress bar per
 * epoch with loss, accuracy, images/s and each group's lr; elsewhere (CI
 * logs, a pipe), one plain line per epoch with the same numbers.
 */
import cliProgress from 'cli-progress';

/** The numbers shown for an epoch so far. */
export interface EpochNumbers {
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  lrs: Record<string, number>;
  /** The last evaluation's accuracy (at the end of the epoch), and on what ('test', 'val'). */
  evalAccuracy?: number | undefined;
  evalName?: string | undefined;
}

/** Shows the progress of epochs; `Progress.for(stream)` picks the bar or the plain lines. */
export interface Progress {
  startEpoch(label: string, epoch: number, epochs: number, steps: number, done: number): void;
  update(step: number, numbers: EpochNumbers): void;
  endEpoch(numbers: EpochNumbers): void;
  stop(): void;
}

/** `1e-3` style, short: lrs span orders of magnitude. */
export function fmtLr(lr: number): string {
  return lr === 0 ? '0' : lr.toExponential(1).replace('.0e', 'e');
}

/**
 * Each distinct lr once, with the groups that have it:
 * `default 3e-3, backbone 3e-4` rather than four numbers for four groups.
 */
export function fmtLrs(lrs: Record<string, number>): string {
  const byValue = new Map<string, string[]>();
  for (const [group, lr] of Object.entries(lrs)) {
    // A group without decay has its twin's lr: name the twin once.
    const name = group.endsWith('+noDecay') ? group.slice(0, -'+noDecay'.length) : group;
    const key = fmtLr(lr);
    const names = byValue.get(key) ?? [];
    if (!names.includes(name)) byValue.set(key, [...names, name]);
  }
  return [...byValue].map(([lr, names]) => `${names.join('|')} ${lr}`).join(', ');
}

function numbers(n: EpochNumbers): string {
  const evalText = n.evalAccuracy === undefined ? '' : `  ${n.evalName ?? 'eval'} acc ${(100 * n.evalAccuracy).toFixed(1)}%`;
  return `loss ${n.loss.toFixed(4)}  acc ${(100 * n.accuracy).toFixed(1)}%${evalText}  ${Math.round(n.imagesPerSecond)} img/s  lr ${fmtLrs(n.lrs)}`;
}

/** One line per epoch, for logs. */
class PlainProgress implements Progress {
  private head = '';
  constructor(private readonly out: NodeJS.WritableStream) {}
  startEpoch(label: string, epoch: number, epochs: number): void {
    this.head = `${label}  epoch ${epoch}/${epochs}`;
  }
  update(): void {}
  endEpoch(n: EpochNumbers): void {
    this.out.write(`${this.head}  ${numbers(n)}\n`);
  }
  stop(): void {}
}

/** A cli-progress bar per epoch, left on screen with its final numbers. */
class BarProgress implements Progress {
  private bar: cliProgress.SingleBar | null = null;
  constructor(private readonly out: NodeJS.WritableStream) {}
  startEpoch(label: string, epoch: number, epochs: number, steps: number, done: number): void {
    this.bar = new cliProgress.SingleBar({
      format: `${label} ${epoch}/${epochs} {bar} {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | lr {lrs}`,
      barsize: 20,
      hideCursor: true,
      stream: this.out,
      fps: 5,
    }, cliProgress.Presets.shades_classic);
    this.bar.start(steps, done, { loss: '-', acc: '-', ips: '-', lrs: '-' });
  }
  update(step: number, n: EpochNumbers): void {
    this.bar?.update(step, { loss: n.loss.toFixed(4), acc: `${(100 * n.accuracy).toFixed(1)}%`, ips: Math.round(n.imagesPerSecond), lrs: fmtLrs(n.lrs) });
  }
  endEpoch(n: EpochNumbers): void {
    this.bar?.stop();
    this.bar = null;
    if (n.evalAccuracy !== undefined) this.out.write(`  ${n.evalName ?? 'eval'} accuracy ${(100 * n.evalAccuracy).toFixed(1)}%\n`);
  }
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** The bar on a terminal, plain lines otherwise. */
export function progressFor(out: NodeJS.WriteStream): Progress {
  return out.isTTY ? new BarProgress(out) : new PlainProgress(out);
}
