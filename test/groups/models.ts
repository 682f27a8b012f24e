/** Small models the groups tests share. */
import { BatchNorm2d, Conv2d, Embedding, LayerNorm, nn, Tensor } from './lib.js';

/** A transformer-shaped toy: embedding, a ModuleList of blocks, a head. */
export class Block extends nn.Module {
  norm = new LayerNorm(4);
  fc = new nn.Linear(4, 4);
}

export class Net extends nn.Module {
  embed = new Embedding(10, 4);
  blocks = new nn.ModuleList([new Block(), new Block(), new Block()]);
  head = new nn.Linear(4, 2);
}

/** The seed's first answer: `base` and `classifier` as Sequentials (small sizes). */
export class SeedSequential extends nn.Module {
  base = new nn.Sequential(new nn.Linear(1, 8), new nn.ReLU(), new nn.Linear(8, 6), new nn.ReLU());
  classifier = new nn.Sequential(new nn.Linear(6, 5), new nn.ReLU(), new nn.Linear(5, 3));
}

/** A small CNN with BatchNorm (detectron2-style settings). */
export class SmallCNN extends nn.Module {
  stem = new nn.Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4), new nn.ReLU());
  body = new nn.Sequential(new Conv2d(4, 4, 3, { bias: false }), new BatchNorm2d(4), new nn.ReLU());
  fc = new nn.Linear(4, 2);
}

/** Two layers sharing one weight (tied embeddings). */
export class Tied extends nn.Module {
  embed = new Embedding(6, 4);
  head = new nn.Linear(4, 6, { bias: false });
  constructor() {
    super();
    this.head.weight = this.embed.weight;
  }
}

export function names(params: readonly (readonly [string, Tensor])[]): string[] {
  return params.map(([n]) => n);
}

/** mmsegmentation's naming: `head` is not a module here, `decode_head` is. */
export class Segmenter extends nn.Module {
  backbone = new nn.Linear(2, 2);
  decode_head = new nn.Linear(2, 2);
  auxiliary_head = new nn.Linear(2, 2);
}
