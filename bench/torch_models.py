"""PyTorch versions of the models in bench/model-cases.ts, timed the same way (Adam, random data,
same batch), for the comparison column of `npm run bench`.

    python3 bench/torch_models.py --model mlp --batch 128 [--rounds 3] [--seconds 3] [--steps N] [--threads 2]

Prints one JSON line: {"model", "samples_per_sec" (median round, wall clock), "samples_per_cpu_sec" (CPU time of
all threads), "rounds": [[wall, cpu], ...], "steps", "torch"}.
"""
import resource
import json
import statistics
import time

import torch
from torch import nn
from reference_args import parse_reference_args


class LastStep(nn.Module):
    """LSTM returning the last step's output (Keras LSTM with return_sequences=False)."""

    def __init__(self, inp, units, layers):
        super().__init__()
        self.lstm = nn.LSTM(inp, units, num_layers=layers, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[:, -1, :]


class GruLastStep(nn.Module):
    """GRU returning the last step's output; PyTorch's GRU is Keras's reset_after=True."""

    def __init__(self, inp, units, layers):
        super().__init__()
        self.gru = nn.GRU(inp, units, num_layers=layers, batch_first=True)

    def forward(self, x):
        out, _ = self.gru(x)
        return out[:, -1, :]


class Conv1dText(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(2000, 64)
        self.conv = nn.Conv1d(64, 64, 5)
        self.out = nn.Linear(64, 2)

    def forward(self, x):
        h = torch.relu(self.conv(self.emb(x).transpose(1, 2)))  # (N, 64, 96)
        return self.out(h.amax(dim=2))


class TransformerSeq(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(2000, 64)
        self.mha = nn.MultiheadAttention(64, 2, batch_first=True)  # 2 heads of 32
        self.ln1 = nn.LayerNorm(64, eps=1e-6)
        self.ff = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64))
        self.ln2 = nn.LayerNorm(64, eps=1e-6)
        self.out = nn.Linear(64, 2)

    def forward(self, x):
        h = self.emb(x)
        h, _ = self.mha(h, h, h, need_weights=False)
        h = self.ln2(self.ff(self.ln1(h)))
        return self.out(h.mean(dim=1))


def build(name):
    """(model, make_x(n), make_y(n), loss) for a model name of bench/model-cases.ts."""
    ce = nn.CrossEntropyLoss()
    classes = lambda n, k: torch.randint(0, k, (n,))
    if name == 'mlp':
        m = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        return m, lambda n: torch.rand(n, 784), lambda n: classes(n, 10), ce
    if name == 'cnn':
        m = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 5 * 5, 10))
        return m, lambda n: torch.rand(n, 1, 28, 28), lambda n: classes(n, 10), ce
    if name == 'lstm':
        m = nn.Sequential(LastStep(16, 32, 3), nn.Linear(32, 10))
        return m, lambda n: torch.rand(n, 8, 16), lambda n: classes(n, 10), ce
    if name == 'embedding-lstm':
        m = nn.Sequential(nn.Embedding(1024, 256), LastStep(256, 128, 1), nn.Dropout(0.5), nn.Linear(128, 1))
        bce = nn.BCEWithLogitsLoss()
        return m, lambda n: torch.randint(0, 1024, (n, 40)), lambda n: torch.randint(0, 2, (n, 1)).float(), bce
    if name == 'gru':
        m = nn.Sequential(GruLastStep(16, 32, 3), nn.Linear(32, 10))
        return m, lambda n: torch.rand(n, 8, 16), lambda n: classes(n, 10), ce
    if name == 'conv1d-text':
        return Conv1dText(), lambda n: torch.randint(0, 2000, (n, 100)), lambda n: classes(n, 2), ce
    if name == 'transformer':
        return TransformerSeq(), lambda n: torch.randint(0, 2000, (n, 64)), lambda n: classes(n, 2), ce
    raise SystemExit(f'unknown model {name}')


def round_rate(model, opt, loss_fn, xs, ys, batch, steps):
    """(samples per wall second, samples per CPU second of all threads)."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    for s in range(steps):
        x = xs[s * batch:(s + 1) * batch]
        y = ys[s * batch:(s + 1) * batch]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()  # one read-back per step, like kerats' trainer
    return steps * batch / (time.perf_counter() - t0), steps * batch / (time.process_time() - c0)


def blas_info():
    """The BLAS library this torch process really uses. Debian's python3-torch is built against
    the generic libblas.so.3 and gets whichever implementation that name points to: the reference
    BLAS of libblas3 ('generic', several times slower for Linear/LSTM layers) or OpenBLAS once
    libopenblas0 is installed. Read from the libraries mapped after a matmul; else the build config."""
    torch.mm(torch.ones(4, 4), torch.ones(4, 4))
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
    except OSError:
        libs = set()
    if any('openblas' in p.lower() for p in libs):
        return 'openblas'
    if any('mkl' in p.lower() for p in libs):
        return 'mkl'
    if libs:
        return 'generic'
    cfg = torch.__config__.show()
    for part in cfg.replace('\n', ',').split(','):
        if 'BLAS_INFO=' in part:
            return part.split('=', 1)[1].strip()
    return 'unknown'


def main():
    a = parse_reference_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model, make_x, make_y, loss_fn = build(a.model)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    warm, _ = round_rate(model, opt, loss_fn, make_x(2 * a.batch), make_y(2 * a.batch), a.batch, 2)
    steps = a.steps or max(2, min(200, round(a.seconds * warm / a.batch)))
    xs, ys = make_x(steps * a.batch), make_y(steps * a.batch)
    rates = [round_rate(model, opt, loss_fn, xs, ys, a.batch, steps) for _ in range(a.rounds)]
    print(json.dumps({'model': a.model, 'samples_per_sec': statistics.median(r[0] for r in rates),
                      'samples_per_cpu_sec': statistics.median(r[1] for r in rates), 'rounds': rates,
                      'steps': steps, 'torch': torch.__version__, 'blas': blas_info(),
                      'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == '__main__':
    main()
