#!/usr/bin/python3
"""Generates the golden fixtures in test/fixtures/ from PyTorch 1.13.

Run with Debian's python3 and python3-torch (see DESIGN.md):

    /usr/bin/python3 scripts/make_fixtures.py            # every family
    /usr/bin/python3 scripts/make_fixtures.py ops optim  # some families

Each module scripts/fixtures/<family>.py defines `make()`, returning a dict
{fixture_name: json-able data}; each fixture is written to
test/fixtures/<fixture_name>.json. The output is deterministic (seeded), so
re-running it changes nothing unless the script changed.
"""
import importlib
import json
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures')
sys.path.insert(0, HERE)

import torch  # noqa: E402

torch.set_num_threads(1)


def main(argv):
    import fixtures

    families = argv or sorted(m.name for m in pkgutil.iter_modules(fixtures.__path__) if m.name != 'common')
    os.makedirs(OUT, exist_ok=True)
    for fam in families:
        mod = importlib.import_module(f'fixtures.{fam}')
        for name, data in mod.make().items():
            path = os.path.join(OUT, f'{name}.json')
            with open(path, 'w') as f:
                json.dump(data, f, separators=(',', ':'), allow_nan=False)
                f.write('\n')
            print(f'wrote test/fixtures/{name}.json')


if __name__ == '__main__':
    print(f'torch {torch.__version__}')
    main(sys.argv[1:])
