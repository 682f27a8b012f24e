"""The PyTorch side of `npm run bench`: reads one JSON request per line
({"bench", "param", "runs", "warmup", "threads"}), runs that workload, and
prints one JSON line with the time of each run in ms. The workloads mirror
bench/models.ts."""
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
    if bench == "adamw-step":
        return adamw_step(param)
    raise ValueError(bench)


def peak(batch, steps):
    step = mlp_step(batch)
    for _ in range(steps):
        step()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
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
