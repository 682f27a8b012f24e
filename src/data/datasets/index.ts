/** `kd.data.datasets`: ready-made datasets. */
export { FashionMNIST, FASHION_MNIST_FILES } from './fashion-mnist.js';
export type { FashionMNISTOptions, FashionMNISTFiles } from './fashion-mnist.js';
