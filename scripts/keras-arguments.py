"""Writes src/registry/keras-arguments.json: every public Keras 3 layer's constructor arguments
and defaults, read from the real Keras (inspect.signature of __init__, and get_config() of an
instance built with the required arguments, since a to_json() file spells some defaults
differently: data_format=None is written "channels_last", activation=None is "linear").

Run with the reference python (npm run pyref):
    ~/.cache/kerats/pyref/bin/python scripts/keras-arguments.py > src/registry/keras-arguments.json

kerats checks every registry layer against this table (test/keras-arguments.test.ts): each Keras
argument is either supported with Keras's default or refused by name.
"""
import inspect
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

# What a required argument is given so the layer can be built for its get_config().
REQUIRED = {
    "units": 2, "filters": 2, "kernel_size": 2, "rate": 0.5, "target_shape": (1,), "dims": (1,), "n": 2,
    "input_dim": 10, "output_dim": 2, "num_heads": 2, "key_dim": 2, "stddev": 0.1, "activation": "relu",
    "size": 2, "axis": -1, "height": 2, "width": 2, "factor": 0.1, "max_tokens": 10, "num_bins": 2,
    "function": lambda x: x, "scale": 1.0, "mask_value": 0.0, "cropping": 1, "padding": 1,
    "num_tokens": 2, "pool_size": 2, "groups": 1, "bin_boundaries": [0.0], "data_format": None,
}


def jsonable(v):
    if v is inspect.Parameter.empty:
        return {"required": True}
    try:
        json.dumps(v)
        return {"default": list(v) if isinstance(v, tuple) else v}
    except TypeError:
        return {"default_repr": repr(v)}


def strip(v):
    """Keras 3 serialisation details (module, registered_name) off a config value."""
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ("module", "registered_name")}
    if isinstance(v, (list, tuple)):
        return [strip(x) for x in v]
    return v


def config_defaults(cls, params):
    kwargs = {}
    for name, p in params.items():
        if p.default is inspect.Parameter.empty:
            if name in ("cell", "layer"):
                kwargs[name] = keras.layers.LSTMCell(2) if name == "cell" else keras.layers.LSTM(2)
            elif name in REQUIRED:
                kwargs[name] = REQUIRED[name]
            else:
                return None
    try:
        cfg = cls(**kwargs).get_config()
    except Exception:  # noqa: BLE001 - a layer that cannot be built bare has no config defaults
        return None
    out = {}
    for k, v in cfg.items():
        if k in kwargs or k in ("name", "dtype", "trainable"):
            continue
        try:
            json.dumps(strip(v))
            out[k] = strip(v)
        except TypeError:
            pass
    return out


def main():
    layers = {}
    for name in sorted(dir(keras.layers)):
        cls = getattr(keras.layers, name)
        if not (inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)) or name in ("Layer", "InputSpec"):
            continue
        sig = inspect.signature(cls.__init__)
        params = {
            k: p for k, p in sig.parameters.items()
            if k != "self" and p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        }
        entry = {"class": f"{cls.__module__}.{cls.__qualname__}", "args": {k: jsonable(p.default) for k, p in params.items()}}
        cfg = config_defaults(cls, params)
        if cfg is not None:
            entry["config_defaults"] = cfg
        layers[name] = entry
    base = inspect.signature(keras.layers.Layer.__init__)
    out = {
        "keras_version": keras.__version__,
        "generated_by": "scripts/keras-arguments.py",
        # Layer.__init__'s own keyword arguments, plus the ones it accepts through **kwargs.
        "base_args": [k for k in base.parameters if k not in ("self", "kwargs")]
        + ["input_shape", "input_dim", "batch_input_shape", "batch_size", "weights"],
        "layers": layers,
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
