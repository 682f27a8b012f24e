"""The PyTorch side of `npm run bench`: reads one JSON request per line
({"bench", "param", "runs", "warmup", "threads"}), runs that workload, and
prints one JSON line with the time of each run in ms. The workloads mirror
bench/models.ts. `torch_bench.py profile BENCH PARAM STEPS THREADS` prints the
per-phase and per-op profile of a training step (bench/op-profile.ts);
`torch_bench.py peak BATCH STEPS THREADS` the peak memory of the MLP step."""
import json
import resource
import sys
import time

import torch
from torch import nn


class SeedModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Sequential(nn.Linear(1, 512), nn.ReLU(), nn.Linear(512, 264), nn.ReLU())
        self.classifier = nn.Sequential(nn.Linear(264, 128), nn.ReLU(), nn.Linear(128, 964))

    def forward(self, x):
        return self.classifier(self.base(x))


def mlp_step(batch):
    torch.manual_seed(0)
    model = SeedModel()
    opt = torch.optim.SGD([{"params": model.base.parameters()},
                           {"params": model.classifier.parameters(), "lr": 1e-3}], lr=1e-2, momentum=0.9)
    x = torch.randn(batch, 1)
    y = torch.randint(0, 964, (batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def cnn_step(batch):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return step


class VggCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.head(self.features(x))


def vgg_step(batch):
    torch.manual_seed(0)
    model = VggCnn()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    loss_fn = nn.CrossEntropyLoss()
    return Phased(opt, lambda: loss_fn(model(x), y))


# bench/models.ts TRANSFORMER
D_MODEL, NHEAD, DIM_FF, LAYERS, SEQ, CLASSES = 256, 4, 1024, 3, 32, 10


class TransformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(D_MODEL, NHEAD, dim_feedforward=DIM_FF, activation="gelu", batch_first=True)
            for _ in range(LAYERS)])
        self.head = nn.Linear(D_MODEL, CLASSES)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x.mean(1))


def transformer_step(batch):
    torch.manual_seed(0)
    model = TransformerClassifier()
    groups = [{"params": model.layers[i].parameters(), "lr": 1e-3 * 0.8 ** (LAYERS - i)} for i in range(LAYERS)]
    groups.append({"params": model.head.parameters()})
    opt = torch.optim.AdamW(groups, lr=1e-3, weight_decay=0.01)
    x = torch.randn(batch, SEQ, D_MODEL)
    y = torch.randint(0, CLASSES, (batch,))
    loss_fn = nn.CrossEntropyLoss()
    return Phased(opt, lambda: loss_fn(model(x), y))


class Phased:
    """A training step in its three phases (bench/models.ts PhasedWorkload)."""

    def __init__(self, opt, loss):
        self.opt = opt
        self.loss = loss

    def forward(self):
        self.opt.zero_grad(set_to_none=True)
        return self.loss()

    def backward(self, loss):
        loss.backward()

    def optimizer_step(self):
        self.opt.step()

    def __call__(self):
        self.backward(self.forward())
        self.optimizer_step()


def adamw_step(total, groups=50):
    torch.manual_seed(0)
    per = total // groups
    specs = []
    for i in range(groups):
        p = nn.Parameter(torch.randn(per))
        p.grad = torch.randn(per)
        specs.append({"params": [p], "lr": 1e-3 * (1 + i / groups)})
    opt = torch.optim.AdamW(specs, lr=1e-3, weight_decay=1e-2)
    return opt.step


def sgemm(n):
    torch.manual_seed(0)
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    return lambda: a @ b


def make(bench, param):
    if bench == "sgemm":
        return sgemm(param)
    if bench == "mlp-step":
        return mlp_step(param)
    if bench == "cnn-step":
        return cnn_step(param)
    if bench == "vgg-step":
        return vgg_step(param)
    if bench == "transformer-step":
        return transformer_step(param)
    if bench == "adamw-step":
        return adamw_step(param)
    raise ValueError(bench)


def peak(batch, steps):
    step = mlp_step(batch)
    for _ in range(steps):
        step()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def profile(bench, param, steps):
    """Per-phase medians (ms) and self CPU time per op kind (ms per step), as bench/op-profile.ts."""
    w = make(bench, param)
    for _ in range(5):
        w()
    phases = {"forward": [], "backward": [], "optimizer": []}
    for _ in range(steps):
        t0 = time.perf_counter()
        loss = w.forward()
        t1 = time.perf_counter()
        w.backward(loss)
        t2 = time.perf_counter()
        w.optimizer_step()
        t3 = time.perf_counter()
        phases["forward"].append((t1 - t0) * 1000)
        phases["backward"].append((t2 - t1) * 1000)
        phases["optimizer"].append((t3 - t2) * 1000)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            w()
    ops = {e.key: e.self_cpu_time_total / 1000 / steps for e in prof.key_averages()}
    return {"phases": {k: sorted(v)[len(v) // 2] for k, v in phases.items()},
            "ops": dict(sorted(ops.items(), key=lambda kv: -kv[1])[:25])}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "profile":
        torch.set_num_threads(int(sys.argv[5]))
        print(json.dumps(profile(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))), flush=True)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "peak":
        torch.set_num_threads(int(sys.argv[4]))
        print(json.dumps({"mb": peak(int(sys.argv[2]), int(sys.argv[3]))}), flush=True)
        return
    print(json.dumps({"ready": True, "version": torch.__version__}), flush=True)
    # Workloads persist across requests, so run.ts can interleave rounds of
    # kindling and PyTorch runs of the same case (both then see the same load).
    cache = {}
    for line in sys.stdin:
        req = json.loads(line)
        torch.set_num_threads(req["threads"])
        key = (req["bench"], req["param"])
        if key not in cache:
            cache.clear()
            cache[key] = make(req["bench"], req["param"])
        step = cache[key]
        for _ in range(req["warmup"]):
            step()
        times = []
        for _ in range(req["runs"]):
            t = time.perf_counter()
            step()
            times.append((time.perf_counter() - t) * 1000)
        print(json.dumps({"times": times}), flush=True)


if __name__ == "__main__":
    main()
