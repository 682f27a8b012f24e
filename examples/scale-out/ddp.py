#!/usr/bin/python3
"""The PyTorch side of the scale-out example: continue a kindling checkpoint
under DistributedDataParallel (gloo, 2 processes on this machine), then save
a checkpoint in the same layout for kindling to continue.

    python3 examples/scale-out/ddp.py <dir>   # reads <dir>/kindling.pt, writes <dir>/ddp.pt

The checkpoint is an ordinary torch.save file (see docs/io.md): the model's
state_dict, the optimizer's state_dict in PyTorch's layout whose groups also
carry `param_names` (and kindling's `name`), the scheduler's state in
kindling's camelCase layout, `step` and `extra`.
"""
import datetime
import json
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP

WORLD_SIZE = 2
STEPS = 15


def make_model():
    # The same model as makeModel() in train.ts, so the parameter names agree (0.weight, 0.bias, ...).
    return torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(), torch.nn.Linear(32, 3))


def batch(step, rank):
    # The toy task of train.ts (its own random stream); each rank takes half of a 64-sample batch.
    g = torch.Generator().manual_seed(5000 + step)
    x = torch.randn(64, 4, generator=g)
    y = ((x[:, 0] + x[:, 1]) > 0).long() + ((x[:, 2] - x[:, 3]) > 0.5).long()
    half = 64 // WORLD_SIZE
    return x[rank * half:(rank + 1) * half], y[rank * half:(rank + 1) * half]


def rebuild_optimizer(model, saved):
    """The optimizer of the checkpoint: its class, and each group's parameters (by name) and hyperparameters."""
    named = dict(model.named_parameters())
    opt_state = saved['optimizer']
    groups = []
    for g in opt_state['param_groups']:
        group = {k: v for k, v in g.items() if k not in ('params', 'param_names')}
        group['params'] = [named[n] for n in g['param_names']]
        groups.append(group)
    opt = getattr(torch.optim, saved['optimizer_class'])(groups)
    # Restores the per-parameter state (momentum buffers ...) by position; the groups keep param_names and name.
    opt.load_state_dict(opt_state)
    return opt


def worker(rank, directory, port):
    torch.set_num_threads(1)
    # A timeout turns a rank that never arrives (or a stuck collective) into an error instead of a hang.
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=WORLD_SIZE,
                            timeout=datetime.timedelta(seconds=120))
    saved = torch.load(os.path.join(directory, 'kindling.pt'))
    model = make_model()
    model.load_state_dict(saved['model'])
    ddp = DDP(model)
    opt = rebuild_optimizer(model, saved)
    sched_state = dict(saved['scheduler'])
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=sched_state['stepSize'], gamma=sched_state['gamma'], last_epoch=sched_state['lastEpoch'] - 1)
    # NOTE: 1.13's scheduler constructor takes one step itself (fixed in later PyTorch); put the saved lrs back.
    for g, lr in zip(opt.param_groups, sched_state['lastLr']):
        g['lr'] = lr
    sched._last_lr = list(sched_state['lastLr'])

    start = saved['step']
    losses = []
    for step in range(start, start + STEPS):
        x, y = batch(step, rank)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(ddp(x), y)
        loss.backward()  # DDP averages the gradients of both processes here
        opt.step()
        sched.step()
        total = loss.detach().clone()
        dist.all_reduce(total)
        losses.append(total.item() / WORLD_SIZE)

    if rank == 0:
        sched_state.update(lastEpoch=sched.last_epoch, lastLr=sched.get_last_lr(), stepCount=sched_state['stepCount'] + STEPS)
        torch.save({
            'kindling_checkpoint': 1,
            'model': model.state_dict(),
            'optimizer': opt.state_dict(),
            'optimizer_class': saved['optimizer_class'],
            'scheduler': sched_state,
            'rng': saved['rng'],
            'step': start + STEPS,
            'extra': {'worldSize': WORLD_SIZE, 'losses': losses},
        }, os.path.join(directory, 'ddp.pt'))
        print(json.dumps({'step': start + STEPS, 'losses': losses,
                          'groups': [{'name': g.get('name'), 'lr': g['lr'], 'params': g['param_names']} for g in opt.param_groups]}))
    dist.destroy_process_group()


def main():
    directory = sys.argv[1]
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.spawn(worker, args=(directory, port), nprocs=WORLD_SIZE, join=True)


if __name__ == '__main__':
    main()
