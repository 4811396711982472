"""Train the flow-ae reference autoencoder in PyTorch on a Kaminari vector file, as ``TrainBench`` does in DJL.

``kaminari bench train-pytorch`` runs this script on the very file its DJL run trained on, so both sides see the same
data, architecture, loss, optimiser, batch size, learning rate, epochs and thread count:

- data: a KVEC file (``io.kaminari.model.VectorFile``: a 32-byte little-endian header ``KVEC``, version 1, dimension,
  0, row count, 0; then per row an int64 window start and ``dimension`` float32 values). The last
  ``--validation-fraction`` of the rows (the tail in time) is held out, as ``Trainer`` does.
- inputs: ``log1p(max(x, 0))`` standardised with the training rows' mean and population std (std < 1e-6 -> 1.0), as
  ``Normalizer`` does; standardised once up front, outside the epoch loop, as ``Trainer`` does.
- network: Linear(in, h1) -> Sigmoid -> Linear(h1, h2) -> Sigmoid | Linear(h2, h1) -> Sigmoid -> Linear(h1, in) for
  hidden sizes [h1, h2] (other lengths mirror the same way); plain mean squared error; Adam with a fixed rate.
- threads: ``--threads`` intra-op and inter-op threads (DJL runs libtorch with one of each).

An epoch is timed as in DJL: shuffle, every mini-batch step, then the validation loss. The weight initialisation
differs (each framework's default), which changes the losses a little but not the work per epoch.

Output: one line per epoch, then ``PYTORCH windows=<n> epochs=<e> seconds_per_epoch=<s> seconds_total=<t>
cpu_seconds_per_epoch=<c> val_loss=<v> torch=<version> threads=<k>`` (CPU: the process's CPU time over the epoch loop
divided by the epochs). ``--check`` only imports torch and prints ``torch <version>``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

KVEC_MAGIC = 0x4345564B
HEADER_BYTES = 32
EVAL_BATCH = 4096
MIN_STD = 1e-6


def read_kvec(path: Path):
    """Return the float32 rows of a finished KVEC file as an (n, dimension) array in memory."""
    import numpy as np

    header = np.fromfile(path, dtype="<i4", count=4)
    if len(header) < 4 or header[0] != KVEC_MAGIC:
        raise SystemExit(f"{path} is not a Kaminari vector file")
    if header[1] != 1:
        raise SystemExit(f"{path}: unsupported vector file version {header[1]}")
    dimension = int(header[2])
    count = int(np.fromfile(path, dtype="<i8", count=1, offset=16)[0])
    row = np.dtype([("start", "<i8"), ("values", "<f4", (dimension,))])
    if path.stat().st_size != HEADER_BYTES + count * row.itemsize:
        raise SystemExit(f"{path} is incomplete or truncated")
    rows = np.memmap(path, dtype=row, mode="r", offset=HEADER_BYTES, shape=(count,))
    return np.ascontiguousarray(rows["values"])


def standardise(train, validation):
    """Standardise log1p(max(x, 0)) with the training rows' statistics, in double precision as Normalizer fits."""
    import numpy as np

    logs = np.log1p(np.maximum(train.astype(np.float64), 0))
    mean = logs.mean(axis=0)
    std = logs.std(axis=0)
    std = np.where(std < MIN_STD, 1.0, std)

    def apply(x):
        return ((np.log1p(np.maximum(x.astype(np.float64), 0)) - mean) / std).astype(np.float32)

    return apply(train), apply(validation)


def autoencoder(torch, dimension: int, hidden: list[int]):
    """The reference network: sigmoid encoder, mirrored sigmoid decoder, linear output layer."""
    layers = []
    width = dimension
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.Sigmoid()]
        width = h
    for h in reversed(hidden[:-1]):
        layers += [torch.nn.Linear(width, h), torch.nn.Sigmoid()]
        width = h
    layers.append(torch.nn.Linear(width, dimension))
    return torch.nn.Sequential(*layers)


def validation_loss(torch, model, validation) -> float:
    """Mean squared error over every feature of every validation row, without gradients."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(validation), EVAL_BATCH):
            x = validation[start : start + EVAL_BATCH]
            total += float(((model(x) - x) ** 2).sum())
    return total / (validation.numel())


def fit(torch, train, validation, args, epochs: int, report) -> tuple[list[float], float]:
    """Train for ``epochs``; return the epoch wall times and the best validation loss."""
    model = autoencoder(torch, train.shape[1], args.hidden)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    loss_fn = torch.nn.MSELoss()
    shuffle = torch.Generator().manual_seed(args.seed)
    n = len(train)
    seconds: list[float] = []
    best = float("inf")
    best_state = None
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        order = torch.randperm(n, generator=shuffle)
        loss_sum = 0.0
        for start in range(0, n, args.batch_size):
            x = train[order[start : start + args.batch_size]]
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), x)
            loss.backward()
            optimiser.step()
            loss_sum += loss.item() * len(x)
        val = validation_loss(torch, model, validation)
        if val < best:
            # As the DJL trainer keeps a copy of the best epoch's weights on the heap.
            best = val
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        seconds.append(time.perf_counter() - started)
        report(f"epoch {epoch}/{epochs} train_loss={loss_sum / n:.6f} val_loss={val:.6f} seconds={seconds[-1]:.3f}")
    if best_state is not None:
        model.load_state_dict(best_state)
    return seconds, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=Path, help="KVEC file (TrainBench's bench-vectors.kvec)")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--hidden", type=lambda s: [int(h) for h in s.split(",")], default=[20, 20])
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--check", action="store_true", help="only import torch and print its version")
    args = parser.parse_args(argv)

    import torch

    if args.check:
        print(f"torch {torch.__version__}")
        return 0
    if args.vectors is None or args.epochs < 1:
        parser.error("--vectors and --epochs >= 1 are required")
    # Thread counts only take effect before the first parallel operation, so set them first.
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    torch.manual_seed(args.seed)

    started = time.perf_counter()
    rows = read_kvec(args.vectors)
    validation_rows = max(1, round(len(rows) * args.validation_fraction))
    if len(rows) - validation_rows < 1:
        raise SystemExit(f"need at least 2 windows to train and validate, got {len(rows)}")
    train_np, validation_np = standardise(rows[:-validation_rows], rows[-validation_rows:])
    train = torch.from_numpy(train_np)
    validation = torch.from_numpy(validation_np)
    load_seconds = time.perf_counter() - started

    # Warm-up outside the timing, as TrainBench warms DJL up: first-use costs (allocator, kernels) happen once.
    fit(torch, train[:512], validation[:64], args, 1, lambda line: None)

    print(
        f"training {len(train)} windows x {train.shape[1]} features, {args.epochs} epochs,"
        f" torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s)",
        flush=True,
    )
    started = time.perf_counter()
    cpu_started = time.process_time()
    seconds, best = fit(torch, train, validation, args, args.epochs, lambda line: print(line, flush=True))
    cpu = time.process_time() - cpu_started
    total = time.perf_counter() - started + load_seconds
    print(
        f"PYTORCH windows={len(rows)} epochs={len(seconds)} seconds_per_epoch={sum(seconds) / len(seconds):.3f}"
        f" seconds_total={total:.3f} cpu_seconds_per_epoch={cpu / len(seconds):.3f} val_loss={best:.6f}"
        f" torch={torch.__version__}"
        f" threads={torch.get_num_threads()}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
