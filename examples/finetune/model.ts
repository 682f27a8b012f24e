/**
 * The job's model: a small CNN whose backbone is a stack of three blocks
 * (two convolution blocks, then a fully connected one) and whose head is one
 * linear layer, so that the groups toolkit finds the blocks for layer-wise
 * lr decay by itself.
 */
import { nn, type Tensor } from '../../src/node.js';

/** Convolution (3×3, same size), batch norm, ReLU, 2×2 max pooling. */
class ConvBlock extends nn.Sequential {
  constructor(inChannels: number, outChannels: number) {
    super(new nn.Conv2d(inChannels, outChannels, 3, { padding: 1 }), new nn.BatchNorm2d(outChannels), new nn.ReLU(), new nn.MaxPool2d(2));
  }
}

/** 1×28×28 → 16×14×14 → 32×7×7 → 128 features. */
export class Backbone extends nn.Sequential {
  constructor() {
    super(
      new ConvBlock(1, 16),
      new ConvBlock(16, 32),
      new nn.Sequential(new nn.Flatten(), new nn.Linear(32 * 7 * 7, 128), new nn.ReLU()),
    );
  }
}

/** The backbone and a linear head over `classes` classes. */
export class Net extends nn.Module {
  backbone = new Backbone();
  head: nn.Linear;

  constructor(classes: number) {
    super();
    this.head = new nn.Linear(128, classes);
  }

  forward(x: Tensor): Tensor {
    return this.head.forward(this.backbone.forward(x));
  }
}
