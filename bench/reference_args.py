"""The command line both reference scripts (torch_models.py, keras_models.py) take from bench/models.ts."""
import argparse


def parse_reference_args():
    p = argparse.ArgumentParser()
    p.add_argument('--model', required=True)
    p.add_argument('--batch', type=int, required=True)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--seconds', type=float, default=3)
    p.add_argument('--steps', type=int)
    p.add_argument('--threads', type=int, default=2)
    return p.parse_args()
